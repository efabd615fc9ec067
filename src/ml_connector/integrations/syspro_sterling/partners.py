"""Trading partners: who a SYSPRO supplier / customer is in Sterling (store mappings), the partner's X12
settings, its control numbers, and the supplier <-> trading partner sync with its conflict rule.

Conflict rule (both sides edited since the last sync), by field ownership:
* SYSPRO owns name, address, contact, e-mail and phone: a changed supplier overwrites those fields of
  the trading partner (a Sterling-side edit of them is replaced on the next SYSPRO change).
* Sterling owns the EDI identity (the partner ``code`` = the ISA receiver id, mailboxes, protocols): it
  is never overwritten from SYSPRO; each run copies it into the store (mapping kind ``receiver_id``),
  where it becomes ISA08/GS03 of the next documents.
  When the e.net connection is stored it is also written to SYSPRO (ApSupplier.EdiReceiverCode, APSSSP)
  for each supplier mapped to the partner, whenever the id pulled from Sterling changes.
* A trading partner in Sterling's community with no SYSPRO supplier mapped to it becomes a SYSPRO
  supplier through e.net (suppliers.py: code rule, echo rule; SYSPRO owns the new supplier's fields from
  then on). Without the e.net connection, or when the code rule collides, it is recorded once in the
  audit ledger (status ``needs_supplier``) for a person.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ml_connector.bootstrap import App
from ml_connector.connectors.sterling import SterlingB2BClient, SupplierContact, TradingPartner
from ml_connector.edi import ControlNumbers, Delimiters, Envelope
from ml_connector.engine.dry_run import Rendering, json_rendering
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import ReferenceMissingError
from ml_connector.integrations.syspro_sterling.settings import PartnerSettings, SysproSterlingSettings
from ml_connector.integrations.syspro_sterling.streams import NAME

SYSPRO_OWNED = ("given_name", "surname", "email", "phone", "address_line1", "address_line2", "city",
                "state_or_province", "postal_code", "country_or_region")  # fmt: skip


@dataclass(frozen=True)
class ResolvedPartner:
    name: str
    settings: PartnerSettings
    receiver_id: str

    def delimiters(self) -> Delimiters:
        s = self.settings
        return Delimiters(s.element_separator, s.component_separator, s.segment_terminator)


class PartnerDirectory:
    """Reads the routing mappings of ``integration`` (the instance key) and partner settings once per run."""

    def __init__(self, app: App, cfg: SysproSterlingSettings, integration: str) -> None:
        self.app, self.cfg, self.integration = app, cfg, integration
        self.routes = {kind: app.store.mappings.table(integration, kind) for kind in ("supplier", "customer")}
        self.receiver_ids = app.store.mappings.table(integration, "receiver_id")
        self._exists: dict[str, bool] = {}  # partner name -> found in Sterling (asked once per run)

    def exists_in_sterling(self, client: SterlingB2BClient, name: str) -> bool:
        if not self._exists.get(name):  # a partner created during the run is found on the next ask
            self._exists[name] = client.get_trading_partner(name) is not None
        return self._exists[name]

    def codes(self, kind: str) -> list[str]:
        return sorted(self.routes[kind])

    def resolve(self, kind: str, code: str, document_set: str, document_id: str) -> ResolvedPartner:
        name = self.routes[kind].get(code)
        if name is None:
            raise ReferenceMissingError(
                f"SYSPRO {kind} {code} has no trading partner: add it with `ml-connector mappings set "
                f"{self.integration} {kind} {code} <partner name>`; document {document_id} is released on the "
                "next run.",
                reference=f"{kind} partner", key=code,
            )  # fmt: skip
        settings = self.cfg.partner(name)
        if document_set not in settings.documents:
            raise ReferenceMissingError(
                f"Trading partner {name} does not take {document_set} documents (partners.{name}.documents); "
                f"document {document_id} waits until it does.", reference=f"{document_set} enabled", key=name,
            )  # fmt: skip
        receiver = self.receiver_ids.get(name) or settings.receiver_id or name
        return ResolvedPartner(name, settings, receiver)

    def envelope(self, partner: ResolvedPartner, number: int, created_at: Any) -> Envelope:
        s, cfg = partner.settings, self.cfg
        return Envelope(
            cfg.sender_id, partner.receiver_id, ControlNumbers(interchange=number, group=number), created_at,
            sender_qualifier=cfg.sender_qualifier, receiver_qualifier=s.receiver_qualifier, usage=s.usage,
            application_sender=cfg.application_sender, application_receiver=s.application_receiver,
        )  # fmt: skip

    def partner_by_receiver(self, receiver_id: str) -> str | None:
        """Which partner an acknowledgement came from (its ISA06 is the id we sent to)."""
        wanted = receiver_id.strip().upper()
        names = set(self.routes["supplier"].values()) | set(self.routes["customer"].values()) | set(self.cfg.partners)
        for name in sorted(names):
            ids = {self.receiver_ids.get(name), self.cfg.partner(name).receiver_id, name}
            if wanted in {i.strip().upper() for i in ids if i}:
                return name
        return None


def sequence_name(partner: str) -> str:
    """Interchange control numbers per partner, shared by every instance of syspro-sterling: instances with
    one sender id never send a partner the same ISA13 twice (another sender id only sees gaps)."""
    return f"x12:{NAME}:{partner}"


class TradingPartnerTarget:
    """SYSPRO supplier -> Sterling trading partner (create, or update the SYSPRO-owned fields)."""

    change_policy = ChangePolicy.UPDATE

    def __init__(self, client: SterlingB2BClient, directory: PartnerDirectory, community: str) -> None:
        self.client, self.directory, self.community = client, directory, community

    def _partner_name(self, d: Delivery) -> str:
        name = self.directory.routes["supplier"].get(d.row["code"])
        if name is None:
            raise ReferenceMissingError(
                f"supplier {d.row['code']} has no trading partner mapping",
                reference="supplier partner",
                key=d.row["code"],
            )
        return name

    def _wanted(self, d: Delivery, name: str) -> TradingPartner:
        row = d.row
        contact = SupplierContact(
            row["code"],
            row["name"],
            tuple(row["address"]),
            row["city"],
            row["state"],
            row["postal_code"],
            row["country"],
            row["contact"],
            row["email"],
            row["phone"],
        )
        receiver = self.directory.receiver_ids.get(name) or self.directory.cfg.partner(name).receiver_id or name
        return TradingPartner.from_supplier(replace(contact, edi_receiver_code=receiver), community=self.community,
                                            partner_name=name)  # fmt: skip

    def check_references(self, d: Delivery) -> None:
        self._partner_name(d)

    def lookup(self, d: Delivery) -> str | None:
        name = self._partner_name(d)
        current = self.client.get_trading_partner(name)
        if current is None:
            return None
        wanted = self._wanted(d, name)
        same = all(getattr(current, f) == getattr(wanted, f) for f in SYSPRO_OWNED)
        return f"partner:{name}" if same else None

    def render(self, d: Delivery) -> Rendering:
        name = self._partner_name(d)
        return json_rendering(self._wanted(d, name).payload(), f"JSON trading partner {name} (create, or update "
                              "the SYSPRO-owned fields)")  # fmt: skip

    def send(self, d: Delivery) -> str:
        name = self._partner_name(d)
        wanted = self._wanted(d, name)
        current = self.client.get_trading_partner(name)
        if current is None:
            self.client.create_trading_partner(wanted)
        else:  # SYSPRO-owned fields from SYSPRO; everything else (EDI code, community, user) stays Sterling's
            merged = replace(current, **{f: getattr(wanted, f) for f in SYSPRO_OWNED})
            if merged != current:
                self.client.update_trading_partner(merged)
        return f"partner:{name}"


@dataclass
class PartnerPull:
    """What a Sterling -> store pull found: community partners no SYSPRO supplier / customer maps to, and
    (partner name, EDI code) pairs whose code is new or changed."""

    unmapped: list[TradingPartner]
    new_ids: list[tuple[str, str]]


def pull_edi_ids(app: App, client: SterlingB2BClient, directory: PartnerDirectory, now: Any) -> PartnerPull:
    """Sterling -> store: each mapped partner's EDI code becomes its receiver id."""
    mapped = set(directory.routes["supplier"].values()) | set(directory.routes["customer"].values())
    found = PartnerPull([], [])
    for partner in client.list_trading_partners():
        if (
            partner.partner_name in mapped
            and partner.code
            and directory.receiver_ids.get(partner.partner_name) != partner.code
        ):
            app.store.mappings.set(directory.integration, "receiver_id", partner.partner_name, partner.code, now)
            directory.receiver_ids[partner.partner_name] = partner.code
            found.new_ids.append((partner.partner_name, partner.code))
        elif partner.partner_name not in mapped and partner.community == directory.cfg.community:
            found.unmapped.append(partner)
    return found
