"""Encryption at rest: the Fernet key ring (env or 0600 key file), encrypt/decrypt, rotation.

Key sources, first found wins: ``ML_CONNECTOR_KEYS`` (comma-separated Fernet keys, newest first),
then the key file (default ``~/.ml-connector/keys``, one key per line, newest first, mode 0600).
MultiFernet decrypts with any key and encrypts with the newest, so rotation is: add a key, re-encrypt.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ml_connector.errors import SecretError


class KeyRing:
    """The ordered Fernet keys (newest first) that protect stored credentials."""

    def __init__(self, keys: Sequence[bytes], *, path: Path | None = None) -> None:
        if not keys:
            raise SecretError("No encryption key configured. Run `ml-connector init` to create one.")
        self._keys = list(keys)
        self._fernet = MultiFernet([Fernet(k) for k in self._keys])
        self.path = path

    @classmethod
    def load(cls, key_file: Path, env_value: str | None = None, *, create: bool = False) -> KeyRing:
        """Load keys from ``env_value`` (if given) or ``key_file``; create the file when asked."""
        if env_value:
            try:
                return cls([k.strip().encode() for k in env_value.split(",") if k.strip()])
            except ValueError:
                raise SecretError(
                    "ML_CONNECTOR_KEYS does not hold Fernet keys (comma-separated, 44 characters each)."
                ) from None
        if not key_file.exists():
            if not create:
                raise SecretError(
                    f"Key file {key_file} does not exist. Run `ml-connector init` to create it, "
                    "or set ML_CONNECTOR_KEYS."
                )
            key_file.parent.mkdir(parents=True, exist_ok=True)
            _write_private(key_file, [Fernet.generate_key()])
        mode = stat.S_IMODE(key_file.stat().st_mode)
        if mode & 0o077:
            raise SecretError(f"Key file {key_file} is readable by others (mode {mode:o}). Run `chmod 600 {key_file}`.")
        try:
            keys = [line.strip().encode() for line in key_file.read_text().splitlines() if line.strip()]
            return cls(keys, path=key_file)
        except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
            raise SecretError(
                f"Key file {key_file} does not hold Fernet keys (one 44-character key per line). Restore it from "
                "your backup; without it the stored secrets cannot be read."
            ) from None

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, token: bytes, *, what: str = "a stored credential") -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken:
            raise SecretError(
                f"Cannot decrypt {what}: none of the configured keys fits. Restore the key file "
                "that was used to store it, or add the connection again."
            ) from None

    def derive(self, purpose: str) -> bytes:
        """A key for ``purpose`` (e.g. signing session cookies) derived from the newest key: the same in
        every process that has the key ring, and never the encryption key itself."""
        return hmac.new(self._keys[0], f"ml-connector:{purpose}".encode(), hashlib.sha256).digest()

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt ``token`` under the newest key."""
        return self._fernet.rotate(token)

    def with_new_key(self) -> KeyRing:
        """A ring with a fresh newest key; old keys stay for decryption. Persists to the key file."""
        keys = [Fernet.generate_key(), *self._keys]
        if self.path is not None:
            _write_private(self.path, keys)
        return KeyRing(keys, path=self.path)

    def drop_old_keys(self) -> KeyRing:
        """Keep only the newest key (after every stored secret was re-encrypted)."""
        keys = self._keys[:1]
        if self.path is not None:
            _write_private(self.path, keys)
        return KeyRing(keys, path=self.path)


def _write_private(path: Path, keys: Sequence[bytes]) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(k.decode() for k in keys) + "\n")
    os.replace(tmp, path)
