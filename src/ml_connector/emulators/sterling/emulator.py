"""The object behind ``app.state.emulator``: state, router, options, seeding and the helpers tests use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ml_connector.emulators.faults import FaultPlan
from ml_connector.emulators.sterling.routing import INBOX, OUTBOX, TEMPLATE, Router
from ml_connector.emulators.sterling.store import ApiError, Message, SterlingState

PARTNER_DEFAULTS: dict[str, Any] = {
    "authenticationType": "Local",
    "countryOrRegion": "US",
    "timeZone": "-0500",
    "addressLine1": "",
    "addressLine2": "",
    "city": "",
    "stateOrProvince": "",
    "postalCode": "",
    "useGlobalMailbox": False,
    "isInitiatingConsumer": False,
    "isInitiatingProducer": False,
    "isListeningConsumer": False,
    "isListeningProducer": False,
    "doesUseSSH": False,
    "doesRequireCompressedData": False,
    "doesRequireEncryptedData": False,
    "doesRequireSignedData": False,
    "textMode": False,
    "keyEnabled": False,
    "asciiArmor": False,
    "publicKeyID": "",
}
REQUIRED_PARTNER_FIELDS = ("partnerName", "community", "username", "givenName", "surname", "emailAddress", "phone")

DEFAULT_PARTNERS: tuple[dict[str, Any], ...] = (
    {
        "partnerName": "ACMEWHOLESALE",
        "code": "ACMEWHOLESALE",
        "givenName": "Ada",
        "surname": "Mills",
        "emailAddress": "edi@acme.example",
        "phone": "5125550100",
        "city": "AUSTIN",
        "stateOrProvince": "TX",
    },
    {
        "partnerName": "WIDGETCO",
        "code": "123456789012345",
        "givenName": "Wes",
        "surname": "Idle",
        "emailAddress": "edi@widgetco.example",
        "phone": "4405550199",
        "city": "SOLON",
        "stateOrProvince": "OH",
    },
)


@dataclass
class SterlingEmulator:
    state: SterlingState
    router: Router
    faults: FaultPlan
    company: str
    content_field: str = "body"
    max_range: int = 1000
    empty_list_status: int = 200

    def add_partner(self, fields: dict[str, Any], *, mailboxes: bool = True) -> dict[str, Any]:
        """Validate and store a trading partner; File Gateway gives each one a ``/<name>`` mailbox tree."""
        state = self.state
        missing = [f for f in REQUIRED_PARTNER_FIELDS if not str(fields.get(f) or "").strip()]
        auth = bare_value(fields.get("authenticationType", "Local"))
        if auth == "Local" and not fields.get("password"):
            missing.append("password")
        if auth == "External" and not fields.get("authenticationHost"):
            missing.append("authenticationHost")
        if missing:
            raise ApiError(400, f"API000161: Trading partner is missing required field(s): {', '.join(missing)}.")
        name = str(fields["partnerName"])
        if name in state.partners:
            raise ApiError(400, f"API000171: Trading partner {name} already exists.")
        if bare_value(fields["community"]) not in state.communities:
            raise ApiError(400, f"API000172: Community {bare_value(fields['community'])} does not exist.")
        if any(p.get("username") == fields["username"] for p in state.partners.values()):
            raise ApiError(400, f"API000173: User {fields['username']} already exists.")
        partner = {**PARTNER_DEFAULTS, **{k: bare_value(v) for k, v in fields.items()}}
        partner["code"] = fields.get("code") or name
        partner["mailbox"] = f"/{name}"
        state.partners[name] = partner
        if mailboxes:
            for path in (f"/{name}", f"/{name}/{INBOX}", f"/{name}/{OUTBOX}"):
                state.ensure_mailbox(path)
        return partner

    def seed(self, company_code: str, partners: Iterable[dict[str, Any]]) -> None:
        state = self.state
        state.communities.update({"Suppliers", "Internal"})
        state.ensure_mailbox("/")
        self.add_partner(_seeded(self.company, company_code, "Internal"))
        for fields in partners:
            partner = self.add_partner(_seeded(fields["partnerName"], fields.get("code", ""), "Suppliers") | fields)
            state.create_channel(TEMPLATE, self.company, partner["partnerName"], {})

    def mailbox_messages(self, path: str) -> list[tuple[Message, bytes]]:
        """Test helper: every message in a mailbox with its content (pending acks released first)."""
        with self.state.lock:
            self.router.release_due()
            mailbox = self.state.mailbox_by_path(path)
            if mailbox is None:
                return []
            return [(m, self.state.document(m.document_id).content) for m in self.state.messages_in(mailbox)]


def _seeded(name: str, code: str, community: str) -> dict[str, Any]:
    user = name.lower()
    return {
        "partnerName": name,
        "code": code or name,
        "community": community,
        "username": user,
        "password": f"{user}-pw",
        "givenName": "EDI",
        "surname": "Desk",
        "emailAddress": f"edi@{user}.example",
        "phone": "5555550100",
    }


def bare_value(value: Any) -> Any:
    """Requests may send ``{code, display}`` objects back; store the bare value."""
    return value.get("code") if isinstance(value, dict) and "code" in value else value
