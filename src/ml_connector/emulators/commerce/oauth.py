"""OAuth 1.0a request verification as Magento does it for integrations (commerce-sterling-x12.md §1.4a; Magento's
Oauth.php, Helper/Request.php, Helper/Signature/Hmac.php, Nonce/Generator.php). Written here from
those sources, independent of the connector's signer, so a bug on one side cannot hide on the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote, unquote_plus

from ml_connector.emulators.commerce.errors import SIGNATURE_INVALID, WebapiError, required_fields

SIGNATURE_METHODS = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}
REQUIRED = (
    "oauth_consumer_key",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_nonce",
    "oauth_timestamp",
    "oauth_token",
)
TOKEN_LENGTH = 32  # Magento\Framework\Oauth\Helper\Oauth::LENGTH_TOKEN / LENGTH_CONSUMER_KEY
TIME_DEVIATION_S = 600  # Nonce\Generator::TIME_DEVIATION
ERR_TIMESTAMP_REFUSED = 4
ERR_NONCE_USED = 5


@dataclass(frozen=True)
class Integration:
    """An activated integration: its consumer and its access token."""

    consumer_id: int
    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str


def parse_authorization(header: str | None) -> dict[str, str] | None:
    """Helper\\Request::_processHeader: text after 'oauth ' (any case), comma-split, rawurldecoded."""
    if not header:
        return None
    position = header.lower().find("oauth ")
    if position < 0:
        return None
    params: dict[str, str] = {}
    for part in header[position + 6 :].split(","):
        name, sep, value = part.strip().partition("=")
        if sep and name.startswith("oauth_"):
            params[unquote(name)] = unquote(value.strip('"'))
    return params


def query_params(raw_query: str) -> dict[str, str]:
    """Helper\\Request::_extractQueryStringParams: split on & and =, keep exact pairs, PHP urldecode."""
    params: dict[str, str] = {}
    for pair in raw_query.split("&") if raw_query else []:
        parts = pair.split("=")
        if len(parts) == 2 and not parts[0].startswith("oauth_"):
            params[unquote_plus(parts[0])] = unquote_plus(parts[1])
    return params


def _rawurlencode(value: str) -> str:
    return quote(value, safe="-_.~")


def base_string(method: str, scheme: str, host: str, path: str, params: dict[str, str]) -> str:
    """Hmac::createBaseString: METHOD & enc(scheme://host[:port]/path) & enc(sorted k=v joined by &)."""
    pairs = sorted((k, v) for k, v in params.items() if k != "oauth_signature")
    normalized = "&".join(f"{_rawurlencode(k)}={_rawurlencode(v)}" for k, v in pairs)
    url = f"{scheme.lower()}://{host.lower()}{path}"
    return f"{method.upper()}&{_rawurlencode(url)}&{_rawurlencode(normalized)}"


def signature(base: str, method: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{_rawurlencode(consumer_secret)}&{_rawurlencode(token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), SIGNATURE_METHODS[method]).digest()
    return base64.b64encode(digest).decode()


class OAuthVerifier:
    """Validates signed requests for a set of integrations and remembers nonces per consumer."""

    def __init__(self, integrations: list[Integration], now_epoch: Callable[[], int]) -> None:
        self._by_key = {i.consumer_key: i for i in integrations}
        self._now = now_epoch
        self._nonces: set[tuple[int, str]] = set()
        self._lock = threading.Lock()

    def verify(
        self, method: str, scheme: str, host: str, path: str, raw_query: str, header: str, form_body: str = ""
    ) -> Integration:
        """Return the integration that signed the request, or raise the WebapiError Magento answers.

        ``form_body`` is the body of an ``application/x-www-form-urlencoded`` request (signed too);
        JSON bodies are not part of the signature.
        """
        oauth = parse_authorization(header) or {}
        if "oauth_version" in oauth and oauth["oauth_version"] != "1.0":
            raise WebapiError(400, 'The "%1" Oauth version isn\'t supported.', [oauth["oauth_version"]])
        missing = [name for name in REQUIRED if name not in oauth]
        if missing:
            raise required_fields(missing)
        if len(oauth["oauth_token"]) != TOKEN_LENGTH:
            raise WebapiError(400, "The token length is invalid. Check the length and try again.")
        method_name = oauth["oauth_signature_method"]
        if method_name not in SIGNATURE_METHODS:
            raise WebapiError(400, "Signature method %1 is not supported", [method_name])
        integration = self._consumer(oauth["oauth_consumer_key"])
        self._check_nonce(integration, oauth["oauth_nonce"], oauth["oauth_timestamp"])
        if oauth["oauth_token"] != integration.access_token:
            raise WebapiError(401, "Specified token does not exist")
        params = {**query_params(form_body), **query_params(raw_query), **oauth}
        expected = signature(
            base_string(method, scheme, host, path, params),
            method_name,
            integration.consumer_secret,
            integration.access_token_secret,
        )
        if not hmac.compare_digest(expected.encode(), oauth["oauth_signature"].encode()):
            raise WebapiError(401, SIGNATURE_INVALID)
        return integration

    def _consumer(self, key: str) -> Integration:
        if len(key) != TOKEN_LENGTH:
            raise WebapiError(401, "Consumer key is not the correct length")
        integration = self._by_key.get(key)
        if integration is None:
            raise WebapiError(401, "A consumer having the specified key does not exist")
        return integration

    def _check_nonce(self, integration: Integration, nonce: str, timestamp: str) -> None:
        try:
            stamp = int(timestamp)
        except ValueError:
            stamp = 0
        if stamp <= 0 or stamp > self._now() + TIME_DEVIATION_S:
            raise WebapiError(
                401, "Incorrect timestamp value in the oauth_timestamp parameter", code=ERR_TIMESTAMP_REFUSED
            )
        with self._lock:
            key = (integration.consumer_id, nonce)
            if key in self._nonces:
                raise WebapiError(
                    401,
                    "The nonce is already being used by the consumer with ID %1",
                    [integration.consumer_id],
                    code=ERR_NONCE_USED,
                )
            self._nonces.add(key)
