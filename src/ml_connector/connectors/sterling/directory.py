"""Trading partner and routing channel calls of :class:`SterlingB2BClient` (``/svc/tradingpartners/``,
``/svc/routingchannels/``; commerce-sterling-x12.md §2.6-2.7), kept apart so each module stays one concept."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from urllib.parse import quote

from ml_connector.connectors.sterling.models import RoutingChannel
from ml_connector.connectors.sterling.options import SterlingOptions
from ml_connector.connectors.sterling.partners import TradingPartner
from ml_connector.connectors.sterling.transport import SYSTEM, SterlingTransport
from ml_connector.errors import RemoteRejectedError, RemoteUnavailableError
from ml_connector.secrets.secret import Secret


class DirectoryCalls:
    """Partner CRUD and routing channels; needs ``_api`` and ``options`` from the client."""

    _api: SterlingTransport
    options: SterlingOptions

    def list_trading_partners(self, search: str | None = None) -> list[TradingPartner]:
        params = {"searchFor": search} if search else {}
        rows = self._api.pages(
            "tradingpartners/", params, what="list trading partners", page_size=self.options.page_size
        )
        return [TradingPartner.from_json(row) for row in rows]

    def get_trading_partner(self, partner_name: str) -> TradingPartner | None:
        what = f"read trading partner {partner_name}"
        response = self._api.call_optional("GET", f"tradingpartners/{quote(partner_name, safe='')}", what=what)
        return None if response is None else TradingPartner.from_json(self._api.json_object(response, what))

    def create_trading_partner(self, partner: TradingPartner, *, password: Secret | None = None) -> TradingPartner:
        """Create a partner. Local authentication needs a password: a random one is made when none is given
        (our partners exchange through mailboxes and routing, not by logging in)."""
        secret = password or Secret(secrets.token_urlsafe(24))
        what = f"create trading partner {partner.partner_name}"
        body = partner.payload(password=secret.reveal() if partner.authentication_type == "Local" else None)
        try:
            self._api.call("POST", "tradingpartners/", json=body, what=what)
        except RemoteUnavailableError:
            # Outcome unknown: the partner name is the key, so if it exists now, this create made it.
            existing = self.get_trading_partner(partner.partner_name)
            if existing is None:
                raise
            return existing
        created = self.get_trading_partner(partner.partner_name)
        if created is None:
            raise RemoteRejectedError(
                f"{SYSTEM} accepted trading partner {partner.partner_name} but cannot show it.", system=SYSTEM
            )
        return created

    def update_trading_partner(self, partner: TradingPartner) -> None:
        what = f"update trading partner {partner.partner_name}"
        response = self._api.call(
            "PUT", f"tradingpartners/{quote(partner.partner_name, safe='')}", json=partner.payload(), what=what
        )
        self._api.expect_one_row(response, what)

    def delete_trading_partner(self, partner_name: str) -> bool:
        what = f"delete trading partner {partner_name}"
        response = self._api.call_optional("DELETE", f"tradingpartners/{quote(partner_name, safe='')}", what=what)
        if response is None:
            return False
        self._api.expect_one_row(response, what)
        return True

    # routing
    def list_routing_channels(
        self, *, producer: str | None = None, consumer: str | None = None, template: str | None = None
    ) -> list[RoutingChannel]:
        params = {
            k: v
            for k, v in (("searchByProducer", producer), ("searchByConsumer", consumer), ("searchByTemplate", template))
            if v
        }
        rows = self._api.pages(
            "routingchannels/", params, what="list routing channels", page_size=self.options.page_size
        )
        return [RoutingChannel.from_json(row) for row in rows]

    def get_routing_channel(self, key: str) -> RoutingChannel | None:
        what = f"read routing channel {key}"
        response = self._api.call_optional("GET", f"routingchannels/{quote(key, safe='')}", what=what)
        return None if response is None else RoutingChannel.from_json(self._api.json_object(response, what))

    def create_routing_channel(
        self, template: str, producer: str, consumer: str, facts: Mapping[str, str] | None = None
    ) -> RoutingChannel:
        body = {
            "templateName": template,
            "producer": producer,
            "consumer": consumer,
            "provisioningFacts": [{"provFactName": k, "provFactValue": v} for k, v in (facts or {}).items()],
        }
        what = f"create routing channel {template} {producer} -> {consumer}"
        response = self._api.call("POST", "routingchannels/", json=body, what=what)
        channel = self.get_routing_channel(self._api.location_key(response, what))
        if channel is None:
            raise RemoteRejectedError(f"{SYSTEM} created routing channel for {what} but cannot show it.", system=SYSTEM)
        return channel
