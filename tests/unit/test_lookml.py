"""The LookML generator: files parse back (with a LookML-subset parser written here), hold the expected
views, dimensions, measures, keys and joins, escape what needs escaping, and come out byte-identical.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ml_connector.connectors.looker.lookml import Column, TableSchema, render_lookml, write_lookml

# -- a LookML-subset parser (independent of the generator) ------------------------------------------

_SQL_KEYS = re.compile(r"(sql|sql_\w+|\w+_sql)$")


@dataclass
class Node:
    """``kind: name { ... }`` with its scalar properties and child blocks."""

    kind: str
    name: str | None
    props: dict[str, Any] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    def all(self, kind: str) -> dict[str, Node]:
        found = [c for c in self.children if c.kind == kind]
        assert len({c.name for c in found}) == len(found), f"duplicate {kind} names"
        return {c.name or "": c for c in found}

    def one(self, kind: str, name: str) -> Node:
        return self.all(kind)[name]


class LookmlParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> Node:
        root = Node("file", None)
        self._items(root, closing=None)
        return root

    def _skip(self) -> None:
        while True:
            match = re.compile(r"\s+|#[^\n]*").match(self.text, self.pos)
            if not match or match.end() == self.pos:
                return
            self.pos = match.end()

    def _expect(self, pattern: str) -> str:
        self._skip()
        match = re.compile(pattern).match(self.text, self.pos)
        if match is None:
            raise SyntaxError(f"expected {pattern!r} at {self.text[self.pos : self.pos + 40]!r}")
        self.pos = match.end()
        return match.group(0)

    def _peek(self, pattern: str) -> bool:
        self._skip()
        return re.compile(pattern).match(self.text, self.pos) is not None

    def _items(self, node: Node, closing: str | None) -> None:
        while True:
            self._skip()
            if self.pos >= len(self.text):
                if closing is not None:
                    raise SyntaxError("unclosed block")
                return
            if closing and self._peek(re.escape(closing)):
                self._expect(re.escape(closing))
                return
            key = self._expect(r"[a-z_]+")
            self._expect(":")
            if _SQL_KEYS.match(key):
                end = self.text.index(";;", self.pos)
                value: Any = self.text[self.pos : end].strip()
                self.pos = end + 2
            elif self._peek(r'"'):
                value = self._string()
            elif self._peek(r"\["):
                self._expect(r"\[")
                value = []
                while not self._peek(r"\]"):
                    value.append(self._string() if self._peek('"') else self._expect(r"[\w.]+"))
                    if self._peek(","):
                        self._expect(",")
                self._expect(r"\]")
            else:
                value = self._expect(r"[\w.]+")
                if self._peek(r"\{"):
                    self._expect(r"\{")
                    child = Node(key, value)
                    self._items(child, closing="}")
                    node.children.append(child)
                    continue
            assert key not in node.props, f"duplicate property {key} in {node.kind} {node.name}"
            node.props[key] = value

    def _string(self) -> str:
        raw = self._expect(r'"(?:[^"\\]|\\.)*"')
        return re.sub(r"\\(.)", r"\1", raw[1:-1])


def parse(path: Path) -> Node:
    return LookmlParser(path.read_text(encoding="utf-8")).parse()


# -- the warehouse tables the syspro-looker integration loads ------------------------------------------

META = (("_source_ts", "timestamp"), ("_loaded_at", "timestamp"), ("_run_id", "string"), ("_content_hash", "string"))


def table(name: str, columns: list[tuple[str, str]], key: str, joins: dict[str, tuple[str, str]] | None = None):
    return TableSchema(name, tuple(Column(n, t) for n, t in (*columns, *META)), (key,), joins or {})  # type: ignore[arg-type]


S, N, D = "string", "number", "date"
TABLES = [
    table(
        "dim_gl_account",
        [
            ("gl_code", S),
            ("description", S),
            ("account_type", S),
            ("gl_group", S),
            ("company", S),
            ("account", S),
            ("cost_center", S),
        ],
        "gl_code",
    ),
    table("dim_cost_center", [("cost_center", S), ("description", S)], "cost_center"),
    table(
        "dim_supplier",
        [
            ("supplier", S),
            ("name", S),
            ("currency", S),
            ("on_hold", "boolean"),
            ("branch", S),
            ("terms_code", S),
            ("city", S),
            ("postal_code", S),
            ("country", S),
        ],
        "supplier",
    ),
    table("dim_warehouse", [("warehouse", S), ("description", S)], "warehouse"),
    table(
        "fct_gl_posting",
        [
            ("posting_id", S),
            ("gl_year", N),
            ("gl_period", N),
            ("journal", N),
            ("entry_number", N),
            ("gl_code", S),
            ("cost_center", S),
            ("posting_date", D),
            ("amount", N),
            ("reference", S),
            ("comment", S),
            ("source", S),
        ],
        "posting_id",
        {"gl_code": ("dim_gl_account", "gl_code"), "cost_center": ("dim_cost_center", "cost_center")},
    ),
    table(
        "fct_ap_invoice",
        [
            ("invoice_id", S),
            ("supplier", S),
            ("invoice", S),
            ("invoice_date", D),
            ("due_date", D),
            ("currency", S),
            ("amount", N),
            ("balance", N),
            ("status", S),
            ("branch", S),
        ],
        "invoice_id",
        {"supplier": ("dim_supplier", "supplier")},
    ),
    table(
        "fct_ar_invoice",
        [
            ("invoice_id", S),
            ("customer", S),
            ("invoice", S),
            ("document_type", S),
            ("invoice_date", D),
            ("sales_order", S),
            ("customer_po", S),
            ("branch", S),
            ("amount", N),
            ("balance", N),
            ("tax", N),
        ],
        "invoice_id",
    ),
    table(
        "fct_inventory_balance",
        [
            ("balance_id", S),
            ("stock_code", S),
            ("warehouse", S),
            ("qty_on_hand", N),
            ("qty_allocated", N),
            ("qty_on_order", N),
            ("unit_cost", N),
            ("stock_value", N),
        ],
        "balance_id",
        {"warehouse": ("dim_warehouse", "warehouse")},
    ),
]


@pytest.fixture
def generated(tmp_path: Path) -> dict[str, Node]:
    paths = write_lookml(TABLES, connection="warehouse", model="erp", out_dir=tmp_path, schema="analytics")
    return {p.name: parse(p) for p in paths}


def view_of(files: dict[str, Node], name: str) -> Node:
    views = files[f"{name}.view.lkml"].all("view")
    assert list(views) == [name]
    return views[name]


def test_one_view_file_per_table_and_one_model_file(generated: dict[str, Node]) -> None:
    assert sorted(generated) == sorted([f"{t.name}.view.lkml" for t in TABLES] + ["erp.model.lkml"])


def test_view_has_table_keys_dimensions_and_time_groups(generated: dict[str, Node]) -> None:
    view = view_of(generated, "fct_gl_posting")
    assert view.props == {"sql_table_name": "analytics.fct_gl_posting"}
    dims = view.all("dimension")
    assert dims["posting_id"].props == {"primary_key": "yes", "type": "string", "sql": "${TABLE}.posting_id"}
    assert dims["gl_year"].props["type"] == "number"
    assert dims["gl_code"].props["type"] == "string"
    assert [n for n, d in dims.items() if d.props.get("primary_key") == "yes"] == ["posting_id"]
    groups = view.all("dimension_group")
    posting = groups["posting"].props
    assert posting["type"] == "time"
    assert posting["timeframes"] == ["raw", "date", "week", "month", "quarter", "year"]
    assert (posting["datatype"], posting["convert_tz"]) == ("date", "no")  # a date is not shifted by time zone
    assert posting["sql"] == "${TABLE}.posting_date"
    assert groups["_loaded"].props["datatype"] == "timestamp"
    assert groups["_loaded"].props["hidden"] == "yes"
    assert dims["_run_id"].props["hidden"] == "yes"
    assert "hidden" not in dims["amount"].props
    assert dims["_content_hash"].props["sql"] == "${TABLE}._content_hash"
    assert view_of(generated, "dim_supplier").one("dimension", "on_hold").props["type"] == "yesno"


def test_sum_measures_only_on_amount_like_numbers_plus_a_count(generated: dict[str, Node]) -> None:
    inventory = view_of(generated, "fct_inventory_balance").all("measure")
    assert sorted(inventory) == [
        "count",
        "total_qty_allocated",
        "total_qty_on_hand",
        "total_qty_on_order",
        "total_stock_value",
        "total_unit_cost",
    ]
    assert inventory["total_stock_value"].props == {
        "type": "sum",
        "sql": "${stock_value}",
        "value_format_name": "decimal_2",
    }
    assert inventory["count"].props == {"type": "count", "drill_fields": ["balance_id"]}
    gl = view_of(generated, "fct_gl_posting").all("measure")
    assert sorted(gl) == ["count", "total_amount"]  # gl_year, journal... are numbers but not amounts
    ar = view_of(generated, "fct_ar_invoice").all("measure")
    assert sorted(ar) == ["count", "total_amount", "total_balance"]
    assert sorted(view_of(generated, "dim_warehouse").all("measure")) == ["count"]


def test_time_group_names_never_collide_with_columns(generated: dict[str, Node]) -> None:
    view = view_of(generated, "fct_ap_invoice")
    # "invoice" is a column, so invoice_date keeps its full name; due_date becomes the group "due".
    assert sorted(view.all("dimension_group")) == ["_loaded", "_source", "due", "invoice_date"]
    assert "invoice" in view.all("dimension")


def test_model_has_connection_include_datagroup_and_fact_explores(generated: dict[str, Node]) -> None:
    model = generated["erp.model.lkml"]
    assert model.props == {"connection": "warehouse", "include": "*.view.lkml", "persist_with": "erp_default_datagroup"}
    assert model.one("datagroup", "erp_default_datagroup").props["max_cache_age"] == "24 hours"
    explores = model.all("explore")
    assert sorted(explores) == ["fct_ap_invoice", "fct_ar_invoice", "fct_gl_posting", "fct_inventory_balance"]
    assert explores["fct_ar_invoice"].children == []
    joins = explores["fct_gl_posting"].all("join")
    assert sorted(joins) == ["dim_cost_center", "dim_gl_account"]
    assert joins["dim_gl_account"].props == {
        "type": "left_outer",
        "relationship": "many_to_one",
        "sql_on": "${fct_gl_posting.gl_code} = ${dim_gl_account.gl_code}",
    }
    supplier = explores["fct_ap_invoice"].one("join", "dim_supplier").props
    assert supplier["sql_on"] == "${fct_ap_invoice.supplier} = ${dim_supplier.supplier}"


def test_every_join_reference_names_an_existing_field(generated: dict[str, Node]) -> None:
    fields: dict[str, set[str]] = {}
    for name, node in generated.items():
        if name.endswith(".view.lkml"):
            for view_name, view in node.all("view").items():
                names = set(view.all("dimension")) | set(view.all("measure"))
                for group in view.all("dimension_group").values():
                    names |= {f"{group.name}_{frame}" for frame in group.props["timeframes"]}
                fields[view_name] = names
    for explore in generated["erp.model.lkml"].all("explore").values():
        for join in explore.all("join").values():
            for view_name, field_name in re.findall(r"\$\{(\w+)\.(\w+)\}", join.props["sql_on"]):
                source = join.props.get("from", view_name) if view_name == join.name else view_name
                assert field_name in fields[source], (view_name, field_name)


def test_output_is_deterministic_whatever_the_input_order(tmp_path: Path) -> None:
    first = write_lookml(TABLES, connection="warehouse", model="erp", out_dir=tmp_path / "a", schema="analytics")
    shuffled = TABLES[:]
    random.Random(7).shuffle(shuffled)
    second = write_lookml(shuffled, connection="warehouse", model="erp", out_dir=tmp_path / "b", schema="analytics")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert b"\r" not in first[0].read_bytes()


def test_compound_primary_key_is_a_hidden_concat_dimension(tmp_path: Path) -> None:
    lines = TableSchema(
        "fct_gl_line",
        (Column("journal", "number"), Column("line", "number"), Column("amount", "number")),
        primary_key=("journal", "line"),
    )
    files = render_lookml([lines], connection="wh", model="m", schema="s")
    view = LookmlParser(files["fct_gl_line.view.lkml"]).parse().one("view", "fct_gl_line")
    key = view.one("dimension", "compound_primary_key").props
    assert key == {
        "primary_key": "yes",
        "hidden": "yes",
        "type": "string",
        "sql": "CONCAT(${TABLE}.journal, '|', ${TABLE}.line)",
    }
    assert all("primary_key" not in d.props for n, d in view.all("dimension").items() if n != "compound_primary_key")
    assert "drill_fields" not in view.one("measure", "count").props


def test_names_are_made_valid_and_sql_and_strings_are_escaped() -> None:
    odd = TableSchema(
        "Sales Orders",
        (
            Column("Order No", "string"),
            Column("order", "number"),
            Column('Ship "Date"', "timestamp"),
            Column("9lives", "boolean"),
        ),
        primary_key=("Order No",),
    )
    files = render_lookml([odd], connection='wh "prod" \\ main', model="m", schema="my-db.raw")
    view = LookmlParser(files["sales_orders.view.lkml"]).parse().one("view", "sales_orders")
    assert view.props["sql_table_name"] == '"my-db".raw."Sales Orders"'
    dims = view.all("dimension")
    assert dims["order_no"].props["sql"] == '${TABLE}."Order No"'
    assert dims["order"].props["sql"] == '${TABLE}."order"'  # a reserved word
    assert dims["_9lives"].props["type"] == "yesno"
    assert view.one("dimension_group", "ship__date_").props["sql"] == '${TABLE}."Ship ""Date"""'
    model = LookmlParser(files["m.model.lkml"]).parse()
    assert model.props["connection"] == 'wh "prod" \\ main'
    bigquery = render_lookml([odd], connection="wh", model="m", schema="proj.ds", identifier_quote="`")
    assert "sql: ${TABLE}.`Order No` ;;" in bigquery["sales_orders.view.lkml"]


def test_same_dimension_joined_twice_gets_aliases() -> None:
    dates = TableSchema("dim_account", (Column("code", "string"),), ("code",))
    fact = TableSchema(
        "fct_transfer",
        (Column("id", "string"), Column("from_account", "string"), Column("to_account", "string")),
        ("id",),
        {"from_account": ("dim_account", "code"), "to_account": ("dim_account", "code")},
    )
    model = LookmlParser(render_lookml([dates, fact], connection="wh", model="m", schema="s")["m.model.lkml"]).parse()
    joins = model.one("explore", "fct_transfer").all("join")
    assert sorted(joins) == ["dim_account__from_account", "dim_account__to_account"]
    assert joins["dim_account__to_account"].props["from"] == "dim_account"
    assert joins["dim_account__to_account"].props["sql_on"] == (
        "${fct_transfer.to_account} = ${dim_account__to_account.code}"
    )


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        (
            [TableSchema("fct_x", (Column("id", "string"), Column("d", "string")), ("id",), {"d": ("dim_d", "k")})],
            "'dim_d', which is not among the tables",
        ),
        (
            [
                TableSchema("dim_d", (Column("k", "string"), Column("alt", "string")), ("k",)),
                TableSchema("fct_x", (Column("id", "string"), Column("d", "string")), ("id",), {"d": ("dim_d", "alt")}),
            ],
            "not the single primary key of dim_d",
        ),
        (
            [TableSchema("a b", (Column("x", "string"),)), TableSchema("a_b", (Column("x", "string"),))],
            "would both be view 'a_b'",
        ),
        (
            [
                TableSchema(
                    "t",
                    (Column("posted", "string"), Column("posted_date", "date"), Column("posted_date_raw", "string")),
                )
            ],
            "already exist",
        ),
    ],
)
def test_inconsistent_schemas_are_refused_with_a_reason(tables: list[TableSchema], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        render_lookml(tables, connection="wh", model="m", schema="s")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: TableSchema("t", (Column("x;;drop", "string"),)), "cannot be written into LookML"),
        (lambda: TableSchema("t", (Column("x", "money"),)), "has type 'money'"),  # type: ignore[arg-type]
        (lambda: TableSchema("t", (Column("x", "string"),), ("id",)), "no such column"),
        (lambda: render_lookml([], connection="wh", model="Bad Model", schema="s"), "not a LookML name"),
        (lambda: render_lookml([], connection=" ", model="m", schema="s"), "connection name is required"),
    ],
)
def test_unwritable_input_is_refused(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build()
