"""Trading partners: the Sterling record (``/svc/tradingpartners/``, fields from commerce-sterling-x12.md §2.6) and its
mapping to and from a SYSPRO supplier (ApSupplier + ApSupplierAddr: code, name, address, contact,
email, phone, EDI receiver code).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ml_connector.connectors.sterling.models import code_value, safe_partner_name

# Fields this product owns on a partner; everything else read from Sterling is kept in ``extra``.
_OWNED = {
    "partnerName": "partner_name",
    "code": "code",
    "community": "community",
    "username": "username",
    "givenName": "given_name",
    "surname": "surname",
    "emailAddress": "email",
    "phone": "phone",
    "addressLine1": "address_line1",
    "addressLine2": "address_line2",
    "city": "city",
    "stateOrProvince": "state_or_province",
    "postalCode": "postal_code",
    "countryOrRegion": "country_or_region",
    "authenticationType": "authentication_type",
}
_IDENTITY = {"_id", "_title", "$ref", "href", "password"}


@dataclass(frozen=True)
class SupplierContact:
    """A supplier as the integration hands it over, in business names (SYSPRO ApSupplier columns noted)."""

    code: str  # Supplier
    name: str  # SupplierName
    address_lines: tuple[str, ...] = ()  # SupAddr1..2
    city: str = ""
    state_or_province: str = ""
    postal_code: str = ""  # SupPostalCode
    country: str = ""
    contact: str = ""  # Contact
    email: str = ""  # Email
    phone: str = ""  # Telephone
    edi_receiver_code: str = ""  # EdiReceiverCode: the ISA id the partner receives on


@dataclass(frozen=True)
class TradingPartner:
    partner_name: str
    code: str
    community: str
    username: str
    given_name: str
    surname: str
    email: str
    phone: str
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state_or_province: str = ""
    postal_code: str = ""
    country_or_region: str = ""
    authentication_type: str = "Local"
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> TradingPartner:
        values = {attr: str(code_value(row.get(key)) or "") for key, attr in _OWNED.items()}
        values["authentication_type"] = values["authentication_type"] or "Local"
        extra = {k: v for k, v in row.items() if k not in _OWNED and k not in _IDENTITY}
        return cls(**values, extra=extra)

    @classmethod
    def from_supplier(
        cls, supplier: SupplierContact, *, community: str, partner_name: str | None = None
    ) -> TradingPartner:
        """Map a supplier. The partner name is the supplier code (stable key) unless given.

        Sterling has no company-name field among the partner fields [F commerce-sterling-x12.md §2.6]; the supplier name
        stands in for the contact's surname only when the supplier has no contact person.
        """
        name = safe_partner_name(partner_name or supplier.code)
        given, _, family = supplier.contact.strip().rpartition(" ")
        if not given:
            given, family = (family, supplier.name) if family else ("EDI", supplier.name)
        lines = [*supplier.address_lines, "", ""]
        return cls(
            partner_name=name,
            code=(supplier.edi_receiver_code or supplier.code).strip(),
            community=community,
            username=name.lower(),
            given_name=given.strip(),
            surname=(family or supplier.name).strip(),
            email=supplier.email.strip(),
            phone=supplier.phone.strip(),
            address_line1=lines[0].strip(),
            address_line2=lines[1].strip(),
            city=supplier.city.strip(),
            state_or_province=supplier.state_or_province.strip(),
            postal_code=supplier.postal_code.strip(),
            country_or_region=supplier.country.strip(),
        )

    def to_supplier(self, name: str = "") -> SupplierContact:
        """The supplier fields Sterling holds (the name is not one of them: pass SYSPRO's if known)."""
        lines = tuple(line for line in (self.address_line1, self.address_line2) if line)
        return SupplierContact(
            code=self.partner_name,
            name=name,
            address_lines=lines,
            city=self.city,
            state_or_province=self.state_or_province,
            postal_code=self.postal_code,
            country=self.country_or_region,
            contact=f"{self.given_name} {self.surname}".strip(),
            email=self.email,
            phone=self.phone,
            edi_receiver_code=self.code,
        )

    def payload(self, *, password: str | None = None) -> dict[str, Any]:
        """The JSON body for create (with ``password``) or update (without): bare values only."""
        body: dict[str, Any] = {key: getattr(self, attr) for key, attr in _OWNED.items()}
        if not body["countryOrRegion"]:
            del body["countryOrRegion"]
        if password is not None:
            body["password"] = password
        return body
