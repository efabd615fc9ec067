"""X12 documents into Sterling: one SYSPRO document id (and content version) -> one interchange, ever.

send(): resolve the partner, reserve the partner's next control number in the store (committed before
anything leaves), build the interchange, post it to the outbox as ``ML-<set>-<document id>-<hash8>.x12``.
lookup() (after a crash left the delivery ``sending``): find that message name in the outbox and read
its control number back, so nothing is sent twice. A reserved number whose send never happened is a
gap, never a reuse. The target reference is ``msg:<id> isa:<ISA13> partner:<name> set:<ST01>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ml_connector.bootstrap import App
from ml_connector.connectors.sterling import SterlingB2BClient
from ml_connector.core.clock import Clock
from ml_connector.edi import X12Document, X12Error, read_interchange
from ml_connector.engine.dry_run import Rendering
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import ReferenceMissingError, RemoteRejectedError
from ml_connector.integrations.syspro_sterling import documents
from ml_connector.integrations.syspro_sterling.partners import PartnerDirectory, ResolvedPartner, sequence_name
from ml_connector.integrations.syspro_sterling.settings import SysproSterlingSettings

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def message_name(d: Delivery) -> str:
    doc_id = _UNSAFE.sub("-", str(d.row["document_id"])).strip("-")
    return f"ML-{d.row['set']}-{doc_id}-{d.content_hash[:8]}.x12"


def target_ref(message_id: int, isa13: int, partner: str, kind: str) -> str:
    return f"msg:{message_id} isa:{isa13} partner:{partner} set:{kind}"


def archive_path(app: App, partner: str, control_number: int) -> Path:
    """Local copy of every interchange we build: <data_dir>/x12-archive/<partner>/<ISA13>.x12."""
    folder = app.settings.data_dir / "x12-archive" / partner
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{control_number:09d}.x12"


def parse_ref(ref: str | None) -> dict[str, str]:
    """``msg:12 isa:7 partner:ACME set:850`` -> {"msg": "12", "isa": "7", ...}."""
    return dict(part.split(":", 1) for part in (ref or "").split() if ":" in part)


class X12DocumentTarget:
    """RecordTarget for one document stream. 850: a changed PO goes out per the partner's ``po_changes``
    rule (BEG01=04 change, or parked for review); 810 / 856 never go out twice (changed-after-post)."""

    def __init__(self, app: App, client: SterlingB2BClient, directory: PartnerDirectory,
                 cfg: SysproSterlingSettings, clock: Clock, *, updates: bool) -> None:  # fmt: skip
        self.app, self.client, self.directory, self.cfg, self.clock = app, client, directory, cfg, clock
        self.change_policy = ChangePolicy.UPDATE if updates else ChangePolicy.REVIEW

    def _partner(self, d: Delivery) -> ResolvedPartner:
        row = d.row
        return self.directory.resolve(row["party_kind"], row["party"], row["set"], row["document_id"])

    def _outbox(self, partner: ResolvedPartner) -> str:
        return partner.settings.outbox or self.cfg.outbox

    def check_references(self, d: Delivery) -> None:
        partner = self._partner(d)
        if not self.directory.exists_in_sterling(self.client, partner.name):
            raise ReferenceMissingError(
                f"{document_summary(d.row)} is mapped to trading partner {partner.name}, which does not exist in "
                f"Sterling: create it there, or fix the mapping (`ml-connector mappings set "
                f"{self.directory.integration} {d.row['party_kind']} {d.row['party']} <partner>`); the document waits "
                "and goes on the next run.",
                reference="trading partner", key=partner.name,
            )  # fmt: skip
        if d.previous_target_ref and partner.settings.po_changes == "review":
            raise ReferenceMissingError(
                f"PO {d.row['document_id']} changed after its 850 went out ({d.previous_target_ref}); trading "
                f"partner {partner.name} takes changes by review (po_changes = \"review\"). Send the change by "
                "hand, or set po_changes = \"change\" and run `ml-connector replay`.",
                reference="po change review", key=str(d.row["document_id"]),
            )  # fmt: skip

    def lookup(self, d: Delivery) -> str | None:
        partner = self._partner(d)
        found = self.client.find_message(self._outbox(partner), message_name(d))
        if found is None:
            return None
        sent = read_interchange(self.client.extract_message(found), strict=False)
        return target_ref(found, int(sent.control_number), partner.name, d.row["set"])

    def render(self, d: Delivery) -> Rendering:
        """The interchange as it would go out now, numbered with the partner's next control number, which is
        only looked at, not reserved."""
        partner = self._partner(d)
        number = (self.app.store.sequences.current(sequence_name(partner.name)) or 0) + 1
        document = self._document(d, partner, number)
        return Rendering(f"X12 {d.row['set']} to {partner.name} (control number {number} if sent now)", document.text)

    def _document(self, d: Delivery, partner: ResolvedPartner, number: int) -> X12Document:
        envelope = self.directory.envelope(partner, number, documents.envelope_time(self.clock.now()))
        try:
            return documents.build(d.row, envelope, partner.delimiters(), change=d.previous_target_ref is not None,
                                   line_break="\n" if partner.settings.line_break else "")  # fmt: skip
        except (ValueError, X12Error) as exc:  # content X12 cannot carry: failed, replayable once fixed in SYSPRO
            raise RemoteRejectedError(
                f"{document_summary(d.row)} cannot be written as X12: {exc} "
                f"(control number {number} for {partner.name} stays unused).",
                system="X12",
            ) from exc

    def send(self, d: Delivery) -> str:
        partner = self._partner(d)
        number = self.app.store.sequences.next(sequence_name(partner.name))  # committed before the send
        document = self._document(d, partner, number)
        archive_path(self.app, partner.name, number).write_bytes(document.encode())  # what `edi show` prints
        message_id = self.client.upload_message(self._outbox(partner), message_name(d), document.encode())
        return target_ref(message_id, number, partner.name, d.row["set"])


def document_summary(row: Mapping[str, object]) -> str:
    return f"{row.get('set')} {row.get('document_id')} for {row.get('party_kind')} {row.get('party')}"
