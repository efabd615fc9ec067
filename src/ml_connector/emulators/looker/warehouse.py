"""The database behind the Looker connection: a DuckDB file (opened read-only per query), an
in-memory DuckDB seeded for standalone use, or PostgreSQL through psycopg."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

import duckdb

from ml_connector.emulators.looker.errors import LookerApiError

CONNECTION_TESTS = ["connect", "query"]


class WarehouseBusy(LookerApiError):
    def __init__(self, connection: str, detail: str) -> None:
        super().__init__(
            503,
            f"Connection {connection!r} could not open the warehouse ({detail}). "
            "Another process holds it (a load in progress?); retry when it is released.",
        )


class WarehouseQueryFailed(LookerApiError):
    def __init__(self, detail: str) -> None:
        super().__init__(400, f"The database returned an error for the query: {detail}")


class Warehouse(Protocol):
    dialect_name: str
    schema: str | None

    def run(self, sql: str) -> list[tuple[Any, ...]]: ...

    def describe(self) -> dict[str, Any]: ...

    def connection_string(self) -> str: ...


class DuckDBFileWarehouse:
    """A DuckDB database file, opened read-only for each query so a loader can write between runs."""

    dialect_name = "duckdb"

    def __init__(self, path: str, connection_name: str, schema: str | None = None) -> None:
        self.path = path
        self.connection_name = connection_name
        self.schema = schema

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(self.path, read_only=True)
        except duckdb.Error as exc:
            text = str(exc)
            if "lock" in text.lower() or "different configuration" in text.lower():
                raise WarehouseBusy(self.connection_name, text.splitlines()[0]) from exc
            raise LookerApiError(
                500, f"Connection {self.connection_name!r} cannot open {self.path}: {text.splitlines()[0]}"
            ) from exc

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        conn = self._connect()
        try:
            return conn.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise WarehouseQueryFailed(str(exc).splitlines()[0]) from exc
        finally:
            conn.close()

    def describe(self) -> dict[str, Any]:
        return {"host": None, "port": None, "database": self.path, "username": None, "has_password": False}

    def connection_string(self) -> str:
        return f"jdbc:duckdb:{self.path}"


class MemoryDuckDBWarehouse:
    """An in-memory DuckDB filled by ``seed_sql`` (the standalone demo warehouse)."""

    dialect_name = "duckdb"

    def __init__(self, seed: Callable[[duckdb.DuckDBPyConnection], None], schema: str | None = None) -> None:
        self.schema = schema
        self._conn = duckdb.connect(":memory:")
        self._lock = threading.Lock()
        seed(self._conn)

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        with self._lock:
            cursor = self._conn.cursor()
            try:
                return cursor.execute(sql).fetchall()
            except duckdb.Error as exc:
                raise WarehouseQueryFailed(str(exc).splitlines()[0]) from exc
            finally:
                cursor.close()

    def execute(self, sql: str) -> None:
        """Change the demo data (tests use it to simulate a load)."""
        with self._lock:
            self._conn.execute(sql)

    def describe(self) -> dict[str, Any]:
        return {"host": None, "port": None, "database": ":memory:", "username": None, "has_password": False}

    def connection_string(self) -> str:
        return "jdbc:duckdb:"


class PostgresWarehouse:
    """PostgreSQL reached with a libpq DSN; one short-lived connection per query."""

    dialect_name = "postgres"

    def __init__(self, dsn: str, connection_name: str, schema: str | None = None) -> None:
        import psycopg.conninfo

        self.dsn = dsn
        self.connection_name = connection_name
        self.schema = schema
        self._info = psycopg.conninfo.conninfo_to_dict(dsn)

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        try:
            conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise WarehouseBusy(self.connection_name, str(exc).splitlines()[0]) from exc
        try:
            with conn.cursor() as cur:
                if self.schema:
                    cur.execute(f'SET search_path TO "{self.schema}", public')
                cur.execute(sql.encode())
                return cur.fetchall() if cur.description else []
        except psycopg.Error as exc:
            raise WarehouseQueryFailed(str(exc).splitlines()[0]) from exc
        finally:
            conn.close()

    def describe(self) -> dict[str, Any]:
        port = self._info.get("port")
        return {
            "host": self._info.get("host") or "localhost",
            "port": str(port) if port else "5432",
            "database": self._info.get("dbname"),
            "username": self._info.get("user"),
            "has_password": bool(self._info.get("password")),
        }

    def connection_string(self) -> str:
        d = self.describe()
        return f"jdbc:postgresql://{d['host']}:{d['port']}/{d['database'] or ''}"


def run_connection_tests(warehouse: Warehouse, names: list[str] | None) -> list[dict[str, Any]]:
    """Looker's `test_connection`: one result per supported test; unsupported names are ignored."""
    wanted = [n for n in (names or CONNECTION_TESTS) if n in CONNECTION_TESTS]
    results: list[dict[str, Any]] = []
    for name in wanted:
        try:
            if name == "connect":
                warehouse.run("SELECT 1")
                message = "Can connect"
            else:
                message = _query_test(warehouse)
            status = "success"
        except LookerApiError as exc:
            status, message = "error", exc.message
        results.append(
            {
                "can": {},
                "connection_string": warehouse.connection_string(),
                "message": message,
                "name": name,
                "status": status,
            }
        )
    return results


def _query_test(warehouse: Warehouse) -> str:
    warehouse.run("SELECT 1 AS ok")
    if warehouse.schema:
        schema = warehouse.schema.replace("'", "''")
        found = warehouse.run(f"SELECT 1 FROM information_schema.schemata WHERE schema_name = '{schema}'")
        if not found:
            raise LookerApiError(400, f"Schema {warehouse.schema!r} does not exist in the database.")
    return "Can run queries"
