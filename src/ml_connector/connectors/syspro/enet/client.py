"""SysproEnetClient: what the integrations ask of SYSPRO e.net Solutions (REST): post sales orders
and GL journals, set up customers and suppliers, and find what was posted by the external reference written into it.

Protocol notes and the value rules are in this package's README ("e.net").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree.ElementTree import Element

import structlog

from ml_connector.connectors.syspro.enet import business_objects as bo
from ml_connector.connectors.syspro.enet.errors import (
    DEFAULT_RULES,
    SYSTEM,
    EnetDuplicateError,
    EnetErrorRules,
    raise_for_business_errors,
)
from ml_connector.connectors.syspro.enet.models import (
    ApSupplier,
    ArCustomer,
    CustomerChanges,
    GlJournal,
    GlJournalLine,
    JournalKey,
    SalesOrder,
)
from ml_connector.connectors.syspro.enet.queries import (
    CUSTOMER_COLUMNS,
    SUPPLIER_COLUMNS,
    Condition,
    comfnd_query,
    customer_from_row,
    rows,
    rowversion_text,
    supplier_from_row,
)
from ml_connector.connectors.syspro.enet.session import EnetCredentials, EnetSession
from ml_connector.connectors.syspro.enet.text import fit
from ml_connector.connectors.syspro.enet.xml import business_errors, parse, warnings
from ml_connector.errors import ReferenceMissingError, RemoteProtocolError, RemoteRejectedError

log = structlog.get_logger("ml_connector.syspro.enet")


class SysproEnetClient:
    """The e.net side of the SYSPRO connector. ``with client:`` logs on and off around a batch."""

    def __init__(
        self,
        session: EnetSession,
        *,
        rules: EnetErrorRules = DEFAULT_RULES,
        probe_ledger_code: str | None = None,
        page_size: int = 500,
    ) -> None:
        """``probe_ledger_code``: GL account used by :meth:`period_open`'s validate-only journal
        (default: the first GenMaster account)."""
        self.session = session
        self.rules = rules
        self.page_size = page_size
        self._probe_ledger_code = probe_ledger_code
        self._held = False

    @classmethod
    def connect(cls, base_url: str, credentials: EnetCredentials, **options: Any) -> SysproEnetClient:
        """Build a client; ``options`` go to :class:`EnetSession` (transport, timeout_s, ...) and to
        the client (rules, probe_ledger_code, page_size)."""
        own = {k: options.pop(k) for k in ("probe_ledger_code", "page_size") if k in options}
        rules = options.get("rules", DEFAULT_RULES)
        session = EnetSession(base_url=base_url, credentials=credentials, **options)
        return cls(session, rules=rules, **own)

    def __enter__(self) -> SysproEnetClient:
        self.session.logon()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._held:
            self.session.logoff()

    def hold_session(self) -> None:
        """One logon for the client's life (a run): ``with client:`` blocks no longer log off, :meth:`close`
        does. Each logon takes a SYSPRO licence seat, so a run logs on once, not once per stream."""
        self._held = True

    def close(self) -> None:
        self.session.close()

    # -- sales orders ---------------------------------------------------------------------------

    def post_sales_order(self, order: SalesOrder, *, allow_duplicate_po: bool = False) -> str:
        """Import ``order`` with SORTOI; return the SalesOrder number SYSPRO allocated.

        Raises ReferenceMissingError (unknown customer, stock code, warehouse: park),
        EnetDuplicateError (the PO number is already on an order), RemoteRejectedError otherwise."""
        doing = bo.order_label(order)
        params = bo.sortoi_parameters(allow_duplicate_po=allow_duplicate_po)
        root = self._post("/Transaction/Post", "SORTOI", params, bo.sortoi_document(order), doing)
        has_order, number = bo.sortoi_sales_order(root)
        if number:
            return number
        if has_order or bo.status_count(root, "ItemsProcessed") == 0:
            notes = "; ".join(warnings(root)) or "no error text"
            raise RemoteRejectedError(
                f"SYSPRO did not create {doing}: it answered without a SalesOrder number ({notes}). "
                "Check the order in SYSPRO, then replay the record.",
                system=SYSTEM,
                status=200,
            )
        # A clean success may carry only StatusOfItems: find the new order by its PO number.
        found = self.find_order_by_customer_po(order.customer_po_number, customer=order.customer)
        if found is None:
            raise RemoteProtocolError(
                f"SYSPRO reported {doing} processed but no order carries that PO number.", system=SYSTEM
            )
        return found

    def find_order_by_customer_po(self, customer_po_number: str, *, customer: str | None = None) -> str | None:
        """The SalesOrder whose CustomerPoNumber is ``customer_po_number`` (as written by
        :meth:`post_sales_order`, i.e. after the same value rules), or None."""
        po = fit(customer_po_number, bo.CUSTOMER_PO, document="order lookup")
        where = [Condition("CustomerPoNumber", po)]
        if customer:
            where.append(Condition("Customer", fit(customer, bo.CUSTOMER_CODE, document="order lookup")))
        found = self._query(
            "SorMaster", ("SalesOrder", "Customer", "CustomerPoNumber"), where, order_by=("SalesOrder",), return_rows=10
        )
        if len(found) > 1:
            log.warning("syspro.enet.duplicate_po", po=po, orders=[r.get("salesorder") for r in found])
        return (found[0].get("salesorder") or None) if found else None

    # -- journals -------------------------------------------------------------------------------

    def post_journal(self, journal: GlJournal) -> str:
        """Post a GL journal with GENTJL; return its key as ``GlYear/GlPeriod/GlJournal``.

        An unbalanced journal is refused before anything is sent (EnetDocumentInvalidError). A closed
        period or unknown GL account raises ReferenceMissingError (``posting_period`` / ``gl_account``)."""
        doing = bo.journal_label(journal)
        document = bo.gentjl_document(journal)
        root = self._post(
            "/Transaction/Post", "GENTJL", bo.gentjl_parameters(), document, doing, keys=_period_key(journal)
        )
        key = bo.gentjl_key(root)
        if key is not None:
            return key.ref
        # No key in the answer: SYSPRO either did nothing or answered only StatusOfItems.
        found = None
        if bo.status_count(root, "JournalsProcessed") > 0:
            found = self.find_journal_by_reference(journal.reference)
        if found is None:
            raise RemoteRejectedError(
                f"SYSPRO did not post {doing}: the answer holds no journal key and no error text. "
                "Check the journal in SYSPRO, then replay the record.",
                system=SYSTEM,
                status=200,
            )
        return found

    def find_journal_by_reference(self, reference: str) -> str | None:
        """Key (``GlYear/GlPeriod/GlJournal``) of the journal whose lines carry ``reference``, or None."""
        ref = fit(reference, bo.JOURNAL_REFERENCE, document="journal lookup")
        found = self._query(
            "GenJournalDetail",
            ("GlYear", "GlPeriod", "Journal", "Reference"),
            [Condition("Reference", ref)],
            order_by=("GlYear", "GlPeriod", "Journal"),
            return_rows=1,
        )
        if not found:
            return None
        row = found[0]
        return JournalKey(int(row["glyear"]), int(row["glperiod"]), int(row["journal"])).ref

    def period_open(self, year: int, period: int, *, ledger_code: str | None = None) -> bool:
        """Whether SYSPRO accepts postings into ``year``/``period``: a validate-only GENTJL
        (``ValidateOnly=Y``, posts nothing) of a 0.01 debit and credit on the probe ledger code (or on
        ``ledger_code``: then an account on hold or unknown is refused too, raising ReferenceMissingError)."""
        code = ledger_code or self._probe_code()
        probe = GlJournal(
            reference="ML-PERIOD-CHECK",
            posting_year=year,
            posting_period=period,
            lines=(GlJournalLine(code, "0.01"), GlJournalLine(code, "-0.01")),
        )
        doing = f"period check {year}/{period:02d} (GENTJL validate only)"
        try:
            self._post(
                "/Transaction/Post",
                "GENTJL",
                bo.gentjl_parameters(validate_only=True),
                bo.gentjl_document(probe),
                doing,
                keys=_period_key(probe),
            )
        except ReferenceMissingError as exc:
            if exc.reference == "posting_period":
                return False
            raise
        return True

    def gl_account_exists(self, ledger_code: str) -> bool:
        code = fit(ledger_code, bo.LEDGER_CODE, document="GL account lookup")
        return bool(self._query("GenMaster", ("GlCode",), [Condition("GlCode", code)], return_rows=1))

    # -- customers ------------------------------------------------------------------------------

    def upsert_customer(self, customer: ArCustomer, *, exists: bool | None = None) -> str:
        """Add or update the customer with ARSSCS; return its code. ``exists`` skips the lookup when
        the caller knows (one e.net call instead of two)."""
        doing = bo.customer_label(customer)
        document = bo.arsscs_document(customer)  # refuses bad values before any e.net call
        if exists is None:
            exists = self.get_customer(customer.customer) is not None
        self._setup("ARSSCS", bo.arsscs_parameters(), document, doing, exists=exists)
        return fit(customer.customer, bo.CUSTOMER_CODE, document=doing)

    def get_customer(self, code: str) -> ArCustomer | None:
        key = fit(code, bo.CUSTOMER_CODE, document="customer lookup")
        found = self._query("ArCustomer", CUSTOMER_COLUMNS, [Condition("Customer", key)], return_rows=1)
        return customer_from_row(found[0]) if found else None

    def list_customers_changed_since(self, rowversion: int = 0, *, page_size: int | None = None) -> CustomerChanges:
        """Customers whose ArCustomer.TimeStamp (rowversion) is above ``rowversion``, in rowversion
        order, paged by ``TimeStamp GT <last seen>``; ``watermark`` is the highest rowversion seen."""
        size = page_size or self.page_size
        found: list[ArCustomer] = []
        watermark = rowversion
        while True:
            page = self._query(
                "ArCustomer",
                CUSTOMER_COLUMNS,
                [Condition("TimeStamp", rowversion_text(watermark), op="GT")],
                order_by=("TimeStamp",),
                return_rows=size,
            )
            customers = [customer_from_row(row) for row in page]
            found.extend(customers)
            versions = [c.rowversion for c in customers if c.rowversion is not None]
            if versions:
                watermark = max(watermark, *versions)
            if len(page) < size or not versions:
                return CustomerChanges(tuple(found), watermark)

    # -- suppliers ------------------------------------------------------------------------------

    def upsert_supplier(self, supplier: ApSupplier, *, exists: bool | None = None) -> str:
        """Add or update the supplier with APSSSP; return its code. ``exists`` skips the lookup when
        the caller knows. An add that races another writer (EnetDuplicateError) is sent as an update."""
        doing = bo.supplier_label(supplier)
        document = bo.apsssp_document(supplier)  # refuses bad values before any e.net call
        if exists is None:
            exists = self.get_supplier(supplier.supplier) is not None
        self._setup("APSSSP", bo.apsssp_parameters(), document, doing, exists=exists)
        return fit(supplier.supplier, bo.SUPPLIER_CODE, document=doing)

    def get_supplier(self, code: str) -> ApSupplier | None:
        key = fit(code, bo.SUPPLIER_CODE, document="supplier lookup")
        found = self._query("ApSupplier", SUPPLIER_COLUMNS, [Condition("Supplier", key)], return_rows=1)
        return supplier_from_row(found[0]) if found else None

    # -- plumbing -------------------------------------------------------------------------------

    def _setup(self, business_object: str, params: str, document: str, doing: str, *, exists: bool) -> None:
        """Setup/Add or Setup/Update; an add that races another writer (EnetDuplicateError) becomes an update."""
        try:
            self._post("/Setup/Update" if exists else "/Setup/Add", business_object, params, document, doing)
        except EnetDuplicateError:
            if exists:
                raise
            log.info("syspro.enet.setup_add_raced", business_object=business_object, document=doing)
            self._post("/Setup/Update", business_object, params, document, doing)

    def _probe_code(self) -> str:
        if self._probe_ledger_code is None:
            first = self._query("GenMaster", ("GlCode",), order_by=("GlCode",), return_rows=1)
            if not first:
                raise RemoteRejectedError("SYSPRO has no GL accounts (GenMaster is empty).", system=SYSTEM)
            self._probe_ledger_code = first[0]["glcode"]
        return self._probe_ledger_code

    def _query(
        self,
        table: str,
        columns: Iterable[str],
        where: Iterable[Condition] = (),
        *,
        order_by: Iterable[str] = (),
        return_rows: int | None = None,
    ) -> list[dict[str, str]]:
        doing = f"query on {table} (COMFND)"
        xml_in = comfnd_query(table, columns, where, order_by, return_rows)
        text = self.session.call(
            "/Query/Query", {"BusinessObject": "COMFND", "XmlIn": xml_in}, doing=doing, idempotent=True
        )
        root = parse(text, doing=doing)
        raise_for_business_errors(business_errors(root), doing=doing, rules=self.rules)
        return rows(root)

    def _post(
        self,
        path: str,
        business_object: str,
        params: str,
        xml_in: str,
        doing: str,
        *,
        keys: Mapping[str, str] | None = None,
    ) -> Element:
        text = self.session.call(
            path,
            {"BusinessObject": business_object, "XmlParameters": params, "XmlIn": xml_in},
            doing=doing,
            idempotent=False,
        )
        root = parse(text, doing=doing)
        notes = warnings(root)
        raise_for_business_errors(business_errors(root), doing=doing, keys=keys, warnings=notes, rules=self.rules)
        for note in notes:
            log.info("syspro.enet.warning", doing=doing, warning=note)
        return root


def _period_key(journal: GlJournal) -> dict[str, str]:
    return {"posting_period": f"{journal.posting_year}/{journal.posting_period:02d}"}
