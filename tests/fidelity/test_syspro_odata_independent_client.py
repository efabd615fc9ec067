"""The SYSPRO OData emulator read by an OData v4 client nobody here wrote (`python-odata`, PyPI): it parses
the emulator's $metadata (CSDL 4.0) into entity classes, then pages and filters entity sets through its own
query builder and type conversion. Its reading of the metadata is compared with what the product relies
on: every entity set and column the integrations read, their keys, and values of the declared types."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from odata import ODataService

from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.syspro_looker.streams import streams as looker_streams

PYTHON_TYPES = {"Edm.String": str, "Edm.DateTimeOffset": datetime, "Edm.Decimal": Decimal, "Edm.Int32": int}


@pytest.fixture(scope="module")
def service():
    served = serve_in_thread(create_emulator("syspro-odata", seed=5, scale={"GenTransaction": 6000}))
    cred = served.app.state.credentials
    url = f"{served.url}/SYSPRO8OData/SYSPROOData/{cred['company']}/"
    auth = requests.auth.HTTPBasicAuth(cred["operator"], cred["password"])
    yield ODataService(url, reflect_entities=True, auth=auth, quiet_progress=True), served
    served.stop()


def _schema(service: ODataService, entity_set: str) -> dict[str, dict]:
    return {p["name"]: p for p in service.entities[entity_set].__odata_schema__["properties"]}


def _read_by_the_product() -> list[tuple[str, tuple[str, ...], set[str]]]:
    """(entity set, key, columns) of every OData stream the integrations declare with a column map."""
    from ml_connector.core.columns import sources_of

    out = []
    for spec in looker_streams():
        columns = set(sources_of(spec.columns)) | set(spec.key)
        joined = spec.options.get("join")
        if joined:  # ApSupplier joined with ApSupplierAddr: the address columns come from the joined set
            out.append((joined[0], (joined[1],), {"SupAddr3", "SupAddr5", "SupPostalCode"}))
            columns -= {"SupAddr3", "SupAddr5", "SupPostalCode"}
        out.append((spec.source, spec.key, columns))
    return out


def test_independent_client_reads_every_set_key_and_column_the_product_uses(service) -> None:
    svc, _ = service
    for entity_set, key, columns in _read_by_the_product():
        assert entity_set in svc.entities, f"$metadata has no entity set {entity_set}"
        schema = _schema(svc, entity_set)
        assert columns <= schema.keys(), f"{entity_set} lacks {sorted(columns - schema.keys())}"
        declared_key = tuple(name for name, p in schema.items() if p["is_primary_key"])
        assert set(declared_key) == set(key), f"{entity_set}: $metadata key {declared_key}, product key {key}"


def test_independent_client_pages_every_row_with_values_of_the_declared_types(service) -> None:
    svc, served = service
    state = served.app.state.emulator
    for entity_set in ("GenMaster", "ApInvoice", "GenTransaction"):
        entity = svc.entities[entity_set]
        schema = _schema(svc, entity_set)
        rows = list(svc.query(entity))  # follows @odata.nextLink past the 5,000-row page cap on its own
        assert len(rows) == len(state.rows(entity_set)), entity_set
        for name, prop in schema.items():
            wanted = PYTHON_TYPES.get(prop["type"])
            if wanted is None:
                continue
            values = [getattr(row, name) for row in rows[:200] if getattr(row, name) is not None]
            assert values and all(isinstance(v, wanted) for v in values), (entity_set, name, prop["type"])


def test_independent_client_filters_on_a_date_and_a_quoted_string(service) -> None:
    svc, served = service
    state = served.app.state.emulator
    invoice = svc.entities["ApInvoice"]
    since = datetime(2025, 6, 1, tzinfo=UTC)
    got = list(svc.query(invoice).filter(invoice.JournalDate >= since))
    expected = [r for r in state.rows("ApInvoice") if r["JournalDate"] >= "2025-06-01"]
    assert 0 < len(got) == len(expected) < len(state.rows("ApInvoice"))
    supplier = state.rows("ApSupplier")[0]["Supplier"]
    mine = list(svc.query(invoice).filter(invoice.Supplier == supplier))
    assert {r.Invoice for r in mine} == {r["Invoice"] for r in state.rows("ApInvoice") if r["Supplier"] == supplier}
