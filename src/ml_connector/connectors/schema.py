"""Connection schemas: what each system needs in a stored connection (settings and secrets).

Each connector declares ``SCHEMA = ConnectionSchema(...)`` in its ``connection.py`` and is listed in
``connectors/systems.py`` with one line. `ml-connector connections add|edit`, the demo and the checks validate
against it: unknown keys are refused with the nearest valid name, required ones are asked for, and a secret
marked ``empty_ok`` may be stored empty (a SYSPRO company without a password).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ml_connector.errors import ConfigError


@dataclass(frozen=True)
class Field:
    """One setting or secret of a connection.

    ``required_if`` = ("auth", ("oauth1",)): required only when setting ``auth`` has one of those values.
    """

    name: str
    description: str
    required: bool = True
    secret: bool = False
    empty_ok: bool = False
    default: str | None = None
    choices: tuple[str, ...] = ()
    required_if: tuple[str, tuple[str, ...]] | None = None

    def needed(self, settings: Mapping[str, str]) -> bool:
        if self.required_if is not None:
            key, values = self.required_if
            return str(settings.get(key, "")) in values
        return self.required


@dataclass(frozen=True)
class ConnectionSchema:
    system: str
    title: str
    fields: tuple[Field, ...]
    example: str = ""
    notes: str = ""
    _by_name: dict[str, Field] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({f.name: f for f in self.fields})

    @property
    def settings(self) -> list[Field]:
        return [f for f in self.fields if not f.secret]

    @property
    def secrets(self) -> list[Field]:
        return [f for f in self.fields if f.secret]

    def validate_settings(self, settings: Mapping[str, str], *, connection: str) -> dict[str, str]:
        """Known keys only (else the nearest name is suggested), choices respected, defaults filled in."""
        out: dict[str, str] = {}
        for key, value in settings.items():
            spec = self._known(key, secret=False, connection=connection)
            if spec.choices and value not in spec.choices:
                raise ConfigError(
                    f"Connection {connection!r}: {key}={value!r} is not valid for {self.system}; "
                    f"choose one of {', '.join(spec.choices)}."
                )
            out[key] = value
        for spec in self.settings:
            if spec.name not in out and spec.default is not None:
                out[spec.name] = spec.default
        missing = [f.name for f in self.settings if f.needed(out) and not out.get(f.name)]
        if missing:
            raise ConfigError(
                f"Connection {connection!r} ({self.system}) needs {', '.join(missing)}: add "
                + " ".join(f"--set {m}=..." for m in missing)
                + f". `ml-connector connections schema {self.system}` lists every field."
            )
        return out

    def validate_secrets(self, secrets: Mapping[str, str], settings: Mapping[str, str], *, connection: str) -> None:
        for key, value in secrets.items():
            spec = self._known(key, secret=True, connection=connection)
            if value == "" and not spec.empty_ok and spec.needed(settings):
                raise ConfigError(
                    f"Connection {connection!r}: secret {key} may not be empty for {self.system} ({spec.description})."
                )
        missing = self.missing_secrets(secrets, settings)
        if missing:
            raise ConfigError(
                f"Connection {connection!r} ({self.system}) needs the secret(s) {', '.join(missing)}: set "
                + ", ".join(f"ML_CONNECTOR_SECRET_{m.upper()}" for m in missing)
                + " or answer the prompt."
            )

    def missing_secrets(self, secrets: Mapping[str, str], settings: Mapping[str, str]) -> list[str]:
        return [f.name for f in self.secrets if f.needed(settings) and f.name not in secrets]

    def _known(self, key: str, *, secret: bool, connection: str) -> Field:
        spec = self._by_name.get(key)
        if spec is not None and spec.secret == secret:
            return spec
        kind = "secret" if secret else "setting"
        pool = [f.name for f in (self.secrets if secret else self.settings)]
        if spec is not None:
            other = "a secret: give it with ML_CONNECTOR_SECRET_" + key.upper() if spec.secret else "a setting: --set"
            raise ConfigError(f"Connection {connection!r}: {key} is {other}, not a {kind}.")
        raise ConfigError(
            f"Connection {connection!r}: {self.system} has no {kind} {key!r}{suggest(key, pool)}. "
            f"Known {kind}s: {', '.join(pool) or 'none'}."
        )


def suggest(word: str, candidates: Iterable[str]) -> str:
    """``" (did you mean 'base_url'?)"`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def flag(settings: Mapping[str, Any], key: str, default: bool = True) -> bool:
    """A true/false setting as stored (text): "false", "no", "0" and "off" are False; missing is ``default``."""
    value = settings.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("false", "no", "0", "off")
