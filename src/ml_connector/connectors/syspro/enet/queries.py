"""COMFND, SYSPRO's generic table query (``/Query/Query``): the request builder, the row reader, and
the mapping of ArCustomer rows to :class:`ArCustomer`. Shape: COMFND as recorded (docs/PROTOCOLS.md).

COMFND is used for every lookup because its "no match" answer is recorded (``RowsReturned 0``),
while COMFCH's answer to a missing key is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from ml_connector.connectors.syspro.enet.models import ApSupplier, ArCustomer
from ml_connector.connectors.syspro.enet.text import parse_number
from ml_connector.connectors.syspro.enet.xml import add, child, children, document, local

_XSD = "http://www.w3.org/2001/XMLSchema-instance"
CONDITIONS = frozenset({"EQ", "NE", "LT", "LE", "GT", "GE", "LIKE"})


@dataclass(frozen=True)
class Condition:
    """One COMFND ``Where/Expression``: ``column`` ``op`` ``value``, joined to the previous by ``and_or``."""

    column: str
    value: str
    op: str = "EQ"
    and_or: str = "And"


def comfnd_query(
    table: str,
    columns: Iterable[str],
    where: Iterable[Condition] = (),
    order_by: Iterable[str] = (),
    return_rows: int | None = None,
) -> str:
    root = Element("Query", {"xmlns:xsd": _XSD, "xsd:noNamespaceSchemaLocation": "COMFND.XSD"})
    add(root, "TableName", table)
    if return_rows is not None:
        add(root, "ReturnRows", str(return_rows))
    cols = add(root, "Columns")
    for column in columns:
        add(cols, "Column", column)
    conditions = list(where)
    if conditions:
        where_el = add(root, "Where")
        for condition in conditions:
            if condition.op not in CONDITIONS:
                raise ValueError(f"COMFND condition {condition.op!r} is not one of {sorted(CONDITIONS)}")
            expression = add(where_el, "Expression")
            add(expression, "OpenBracket", "(")
            add(expression, "AndOr", condition.and_or)
            add(expression, "Column", condition.column)
            add(expression, "Condition", condition.op)
            add(expression, "Value", condition.value)
            add(expression, "CloseBracket", ")")
    ordering = list(order_by)
    if ordering:
        order_el = add(root, "OrderBy")
        for column in ordering:
            add(order_el, "Column", column)
    return document(root)


def rows(root: Element) -> list[dict[str, str]]:
    """``Row`` elements as dicts keyed by lower-case column name, values stripped of SYSPRO's padding.
    Accepts flat columns (COMFND) and ``<Column><Value>..</Value></Column>`` (COMBRW)."""
    found: list[dict[str, str]] = []
    for row in children(root, "Row"):
        record: dict[str, str] = {}
        for column in row:
            holder = child(column, "Value")
            node = holder if holder is not None else column
            record[local(column.tag)] = (node.text or "").strip()
        found.append(record)
    return found


def rowversion_text(value: int) -> str:
    """[I] ``TimeStamp`` (SQL rowversion, 8 bytes) as COMFND shows it: ``0x`` + 16 hex digits."""
    return f"0x{value:016X}"


def parse_rowversion(text: str) -> int | None:
    stripped = text.strip()
    if not stripped:
        return None
    try:
        return int(stripped, 16)
    except ValueError:
        return None


CUSTOMER_COLUMNS: tuple[str, ...] = (
    "Customer", "Name", "ShortName", "Email", "Telephone", "Contact", "Branch", "Currency", "TermsCode",
    "CustomerClass", "CreditLimit", "SoldToAddr1", "SoldToAddr2", "SoldToAddr3", "SoldToAddr4",
    "SoldToAddr5", "SoldPostalCode", "ShipToAddr1", "ShipToAddr2", "ShipToAddr3", "ShipToAddr4",
    "ShipToAddr5", "ShipPostalCode", "CustomerOnHold", "TimeStamp",
)  # fmt: skip


def _lines(row: Mapping[str, str], prefix: str) -> tuple[str, ...]:
    values = [row.get(f"{prefix}{n}".lower(), "") for n in range(1, 6)]
    while values and not values[-1]:
        values.pop()
    return tuple(values)


SUPPLIER_COLUMNS: tuple[str, ...] = (
    "Supplier", "SupplierName", "SupShortName", "Currency", "Telephone", "Email", "Contact", "SupAddr1",
    "SupAddr2", "SupAddr3", "SupAddr4", "SupAddr5", "SupPostalCode", "EdiReceiverCode", "TimeStamp",
)  # fmt: skip


def supplier_from_row(row: Mapping[str, str]) -> ApSupplier:
    """Trailing blanks (char columns) are dropped; empty address lines at the end are left out."""
    lines = [row.get(f"supaddr{n}", "").rstrip() for n in range(1, 6)]
    while lines and not lines[-1]:
        lines.pop()
    return ApSupplier(
        supplier=row.get("supplier", "").rstrip(),
        name=row.get("suppliername", "").rstrip(),
        short_name=row.get("supshortname", "").rstrip(),
        currency=row.get("currency", "").rstrip(),
        telephone=row.get("telephone", "").rstrip(),
        email=row.get("email", "").rstrip(),
        contact=row.get("contact", "").rstrip(),
        address=tuple(lines),
        postal_code=row.get("suppostalcode", "").rstrip(),
        edi_receiver_code=row.get("edireceivercode", "").rstrip(),
        rowversion=parse_rowversion(row.get("timestamp", "")),
    )


def customer_from_row(row: Mapping[str, str]) -> ArCustomer:
    limit = parse_number(row.get("creditlimit"))
    return ArCustomer(
        customer=row.get("customer", ""),
        name=row.get("name", ""),
        short_name=row.get("shortname", ""),
        email=row.get("email", ""),
        telephone=row.get("telephone", ""),
        contact=row.get("contact", ""),
        branch=row.get("branch", ""),
        currency=row.get("currency", ""),
        terms_code=row.get("termscode", ""),
        customer_class=row.get("customerclass", ""),
        credit_limit=limit,
        sold_to=_lines(row, "SoldToAddr"),
        sold_postal_code=row.get("soldpostalcode", ""),
        ship_to=_lines(row, "ShipToAddr"),
        ship_postal_code=row.get("shippostalcode", ""),
        on_hold=row.get("customeronhold", "") == "Y",
        rowversion=parse_rowversion(row.get("timestamp", "")),
    )
