"""Encryption of personal-data fields at rest, and the blind index of ID numbers.

Each value is sealed with AES-256-GCM under the active key; the stored token names the key id,
so keys rotate by adding a new first key and re-sealing at leisure (old tokens still open). The
column name is bound in as associated data, so a ciphertext copied into another column (say, a
name into the phone field) fails to open instead of leaking. The blind index is an HMAC-SHA256
of the normalised ID number under its own key: equal numbers match, nothing is revealed.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.settings import Settings, get_settings, key_pairs
from matching.identity import normalise

_VERSION = "v1"
#: Associated data of a relative's declared ID number (``relative_declaration``).
RELATIVE_ID_NUMBER = "relative_declaration.id_number"
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """A sealed value could not be opened (unknown key id, tampering, wrong column)."""


class FieldCipher:
    def __init__(self, keys: dict[str, bytes], active_key_id: str) -> None:
        for key_id, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"data encryption key {key_id!r} must be 32 bytes")
            if ":" in key_id:
                raise ValueError("key ids may not contain ':'")
        if active_key_id not in keys:
            raise ValueError("the active key id has no key")
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.active_key_id = active_key_id

    @classmethod
    def from_setting(cls, setting: str) -> FieldCipher:
        pairs = key_pairs(setting)
        return cls(dict(pairs), pairs[0][0])

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def seal(self, plaintext: str, *, column: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._keys[self.active_key_id].encrypt(nonce, plaintext.encode(), column.encode())
        body = base64.b64encode(nonce + sealed).decode()
        return f"{_VERSION}:{self.active_key_id}:{body}"

    def open(self, token: str, *, column: str) -> str:
        try:
            version, key_id, body = token.split(":", 2)
            if version != _VERSION:
                raise DecryptionError(f"unknown token version {version!r}")
            raw = base64.b64decode(body)
            aead = self._keys[key_id]
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], column.encode()).decode()
        except (ValueError, KeyError, InvalidTag) as exc:
            raise DecryptionError(f"cannot open a value of {column}") from exc

    def seal_optional(self, plaintext: str | None, *, column: str) -> str | None:
        return None if plaintext in (None, "") else self.seal(plaintext, column=column)

    def open_optional(self, token: str | None, *, column: str) -> str | None:
        return None if token is None else self.open(token, column=column)


def key_id_of(token: str) -> str:
    """The key id a sealed token names (``v1:<kid>:…``), without opening it."""
    return token.split(":", 2)[1] if token.count(":") >= 2 else ""


class BlindIndex:
    """Keyed hashes of ID numbers under one or more keys: the first computes what is stored,
    every key is looked up, so de-duplication holds while a new key replaces an old one."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("no blind-index key")
        for key_id, key in keys:
            if len(key) < 32:
                raise ValueError(f"blind-index key {key_id!r} must be at least 32 bytes")
        self._keys = dict(keys)
        self.current_key_id = keys[0][0]

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def under(self, key_id: str, value: str) -> str:
        digest = hmac.new(self._keys[key_id], normalise(value).encode(), hashlib.sha256)
        return digest.hexdigest()

    def id_number(self, value: str) -> str:
        """The index stored for a new record: under the current key."""
        return self.under(self.current_key_id, value)

    def candidates(self, value: str) -> list[str]:
        """The index under every key, current first: what a look-up must search for."""
        return [self.under(key_id, value) for key_id in self._keys]


@functools.cache
def _cipher_for(setting: str) -> FieldCipher:
    return FieldCipher.from_setting(setting)


@functools.cache
def _index_for(setting: str) -> BlindIndex:
    return BlindIndex(key_pairs(setting, exact=False))


def cipher(settings: Settings | None = None) -> FieldCipher:
    return _cipher_for((settings or get_settings()).data_encryption_keys)


def blind_index(settings: Settings | None = None) -> BlindIndex:
    return _index_for((settings or get_settings()).blind_index_key_pairs)
