"""The ``[web]`` section of the config: allowed Host names, sessions, /metrics, /api/docs, OIDC, webhooks.

[web]
allowed_hosts = ["mlc.example.com"]   # besides the bound address, localhost and 127.0.0.1
allowed_origins = ["https://mlc.example.com"]  # only behind a proxy that rewrites Host: the address
                                      # people open (else a post's Origin must match its Host)
session_idle_minutes = 30             # a session ends after this long without a request
session_max_hours = 12                # and after this long in any case
secure_cookies = false                # true behind a TLS-terminating proxy (cookies get Secure)
metrics_public = false                # true: /metrics without a token (else a viewer token or session)
api_docs = false                      # true: /api/docs (Swagger UI loads its assets from a CDN)
oidc_connection = "oidc"              # a stored connection of system "oidc" enables single sign-on
webhook_max_bytes = 1048576           # default for every /hooks/<integration>; per integration:
                                      # [commerce-syspro] webhook_max_bytes = 2097152
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field, ValidationError

from ml_connector.errors import ConfigError
from ml_connector.settings import Settings

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
DEFAULT_WEBHOOK_MAX_BYTES = 1_048_576


class WebConfig(BaseModel):
    allowed_hosts: list[str] = Field(default_factory=list)
    allowed_origins: list[str] = Field(default_factory=list)
    session_idle_minutes: int = Field(default=30, ge=1)
    session_max_hours: int = Field(default=12, ge=1)
    secure_cookies: bool = False
    metrics_public: bool = False
    api_docs: bool = False
    oidc_connection: str | None = None
    webhook_max_bytes: int = Field(default=DEFAULT_WEBHOOK_MAX_BYTES, ge=1)

    @property
    def origins(self) -> frozenset[str]:
        return frozenset(o.rstrip("/").lower() for o in self.allowed_origins)

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def longest(self) -> timedelta:
        return timedelta(hours=self.session_max_hours)

    def hosts(self, bound: str | None = None) -> frozenset[str]:
        """Host names (without port) the server answers to."""
        names = {*LOOPBACK_HOSTS, *(h.lower() for h in self.allowed_hosts)}
        if bound and bound not in ("0.0.0.0", "::"):  # noqa: S104 - compared, not bound
            names.add(bound.lower())
        return frozenset(names)


def web_config(settings: Settings) -> WebConfig:
    try:
        return WebConfig.model_validate(settings.section("web"))
    except ValidationError as exc:
        raise ConfigError(f"[web] in the config is invalid:\n{exc}") from None


def webhook_limit(settings: Settings, config: WebConfig, integration: str) -> int:
    """Largest webhook body accepted for ``integration``: its own ``webhook_max_bytes`` or the [web] default."""
    value = settings.section(integration).get("webhook_max_bytes", config.webhook_max_bytes)
    if not isinstance(value, int) or value < 1:
        raise ConfigError(f"[{integration}] webhook_max_bytes must be a positive whole number of bytes, not {value!r}.")
    return value
