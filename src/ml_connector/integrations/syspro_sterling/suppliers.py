"""Sterling -> SYSPRO through e.net (APSSSP): a community partner with no SYSPRO supplier becomes one, the
Sterling-owned EDI id is written to ApSupplier.EdiReceiverCode, and the echo guard that recognises those
writes when they come back from OData, so they are never sent back to Sterling.

Supplier code rule: the Sterling partner name upper-cased, every character outside A-Z, 0-9 and ``-``
dropped, cut to 15 (ApSupplier.Supplier is varchar(15)); a name with none of those characters gets
``TP`` + the first 13 hex digits of its SHA-1. The same partner always gives the same code, so a crash
between the e.net write and the mapping write is resumed (the supplier is found and updated), never doubled.
A code already held by a SYSPRO supplier of another name is a collision: nothing is written and the
partner is recorded ``needs_supplier`` with the reason.

Echo rule: the supplier card (streams.supplier shape) SYSPRO held right after our write is recorded on the
ledger stream ``supplier_to_syspro`` (source id = supplier code, hash = content hash of the card). An
ApSupplier row read from OData whose card has that hash is our own write: it is settled as delivered on
``supplier_partner`` and not sent to Sterling.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import structlog

from ml_connector.bootstrap import App
from ml_connector.connectors.sterling import TradingPartner
from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.models import ApSupplier
from ml_connector.core.cursors import Window
from ml_connector.core.hashing import content_hash, source_id
from ml_connector.core.streams import StreamSpec
from ml_connector.engine.context import RunContext
from ml_connector.integrations.syspro_sterling.streams import supplier
from ml_connector.store.deliveries import DeliveryLedger
from ml_connector.store.ledger import RecordLedger

log = structlog.get_logger("ml_connector.syspro_sterling")
TO_SYSPRO = "supplier_to_syspro"
PARTNER_STREAM = "supplier_partner"
DELIVERED = ("delivered", "released", "recovered")
CODE_WIDTH = 15


def supplier_code(partner_name: str) -> str:
    kept = re.sub(r"[^A-Z0-9-]", "", partner_name.upper())[:CODE_WIDTH]
    return kept or "TP" + hashlib.sha1(partner_name.encode()).hexdigest()[:13].upper()  # noqa: S324 - a name, not a secret


def supplier_from_partner(partner: TradingPartner, code: str) -> ApSupplier:
    """Sterling has no company-name field: the partner name is the supplier name. Address layout as the
    seeded SYSPRO: SupAddr1..2 street, 3 city, 4 state, 5 country."""
    lines = [partner.address_line1, partner.address_line2, partner.city, partner.state_or_province,
             partner.country_or_region]  # fmt: skip
    while lines and not lines[-1].strip():
        lines.pop()
    contact = f"{partner.given_name} {partner.surname}".strip()
    return ApSupplier(code, partner.partner_name, short_name=partner.partner_name[:20], telephone=partner.phone,
                      email=partner.email, contact=contact, address=tuple(lines), postal_code=partner.postal_code,
                      edi_receiver_code=partner.code)  # fmt: skip


def card(held: ApSupplier) -> dict[str, Any]:
    """What streams.supplier makes of this supplier's OData row."""
    lines = [*held.address, "", "", "", "", ""]
    return supplier({"Supplier": held.supplier, "SupplierName": held.name, "SupAddr1": lines[0],
                     "SupAddr2": lines[1], "SupAddr3": lines[2], "SupAddr4": lines[3], "SupAddr5": lines[4],
                     "SupPostalCode": held.postal_code, "Contact": held.contact, "Email": held.email,
                     "Telephone": held.telephone})  # fmt: skip


class SupplierWriter:
    """Writes suppliers into SYSPRO for Sterling partners (one e.net session per run, opened on demand)."""

    def __init__(self, app: App, enet: SysproEnetClient, integration: str) -> None:
        self.app, self.enet, self.integration = app, enet, integration  # integration: the instance key

    def create(self, ctx: RunContext, partners: list[TradingPartner]) -> dict[str, str]:
        """Create (or resume) a supplier per partner; returns partner name -> why not, for the ones left."""
        left: dict[str, str] = {}
        if not partners:
            return left
        with self.enet:
            for partner in partners:
                code = supplier_code(partner.partner_name)
                wanted = supplier_from_partner(partner, code)
                held = self.enet.get_supplier(code)
                if held is not None and held.name.casefold() != card(wanted)["name"].casefold():
                    left[partner.partner_name] = (
                        f"SYSPRO supplier {code} (from the code rule) already belongs to {held.name!r}; map the "
                        f"partner by hand: `ml-connector mappings set {self.integration} supplier <code> "
                        f"{partner.partner_name}`."
                    )
                    continue
                # The partner's EDI id in EdiReceiverCode is our mark: a supplier carrying it is an earlier
                # run's write whose answer was lost (the run died before noting it): adopt it, write nothing.
                if held is None or held.edi_receiver_code != wanted.edi_receiver_code:
                    self.enet.upsert_supplier(wanted, exists=held is not None)
                self._record(ctx, partner.partner_name, code)
        return left

    def push_edi_ids(self, pairs: list[tuple[str, str]]) -> None:
        """Sterling owns the EDI id: write it to EdiReceiverCode of each (supplier code, EDI id) that differs."""
        if not pairs:
            return
        with self.enet:
            for code, edi_id in pairs:
                held = self.enet.get_supplier(code)
                if held is not None and held.edi_receiver_code != edi_id:
                    self.enet.upsert_supplier(replace(held, edi_receiver_code=edi_id), exists=True)

    def _record(self, ctx: RunContext, partner_name: str, code: str) -> None:
        held = self.enet.get_supplier(code)
        digest = content_hash(card(held)) if held is not None else ""
        now = ctx.clock.now()
        row = {"run_id": ctx.run_id, "integration": self.integration, "stream": TO_SYSPRO, "source_id": code,
               "source_ts": None, "extracted_at": now, "delivered_at": now, "target_ref": f"supplier:{code}",
               "status": "delivered", "attempts": 1, "content_hash": digest, "error": None,
               "replay_of": None}  # fmt: skip
        with self.app.store.engine.begin() as db:
            RecordLedger.append(db, [row])
        self.app.store.mappings.set(self.integration, "supplier", code, partner_name, now)
        log.info("supplier.created_in_syspro", partner=partner_name, supplier=code)


class SupplierEchoGuard:
    """Wraps the source: an ApSupplier row that is our own APSSSP write is settled, not sent to Sterling."""

    def __init__(self, inner: Any, ctx: RunContext) -> None:
        self.inner, self.ctx = inner, ctx
        self.echoes = 0

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        for page in self.inner.pages(stream, window):
            if stream.name == PARTNER_STREAM:
                for row in page:
                    self._settle_if_echo(stream, row)
            yield page

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> Any:
        return self.inner.cursor_value(stream, row)

    def _settle_if_echo(self, stream: StreamSpec, row: Mapping[str, Any]) -> None:
        store, mapped, key = self.ctx.store, stream.mapper(row), self.ctx.integration
        written = [r for r in store.ledger.search(integration=key, stream=TO_SYSPRO, source_id=mapped["code"],
                                                  limit=5) if r["status"] in DELIVERED]  # fmt: skip
        if not written or written[0]["content_hash"] != content_hash(mapped):
            return
        sid, digest = source_id(row, stream.key), content_hash(row, ignore=stream.hash_ignore)
        state = store.deliveries.state(key, stream.name, sid, digest)
        if state is not None and state.state == "delivered":
            return
        partner = store.mappings.get(key, "supplier", mapped["code"])
        with store.engine.begin() as db:
            DeliveryLedger.settle(db, key, stream.name, sid, digest, state="delivered", now=self.ctx.clock.now(),
                                  run_id=self.ctx.run_id, target_ref=f"partner:{partner}")  # fmt: skip
        self.echoes += 1
        log.info("supplier.echo", code=mapped["code"], rule="the supplier we wrote to SYSPRO; not sent back")
