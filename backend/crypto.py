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

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.settings import Settings, get_settings
from matching.identity import normalise

_VERSION = "v1"
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
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for pair in setting.split(","):
            key_id, _, encoded = pair.strip().partition(":")
            keys[key_id] = base64.b64decode(encoded)
            order.append(key_id)
        if not order:
            raise ValueError("DATA_ENCRYPTION_KEYS is empty")
        return cls(keys, order[0])

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


class BlindIndex:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("BLIND_INDEX_KEY must be at least 32 bytes")
        self._key = key

    def id_number(self, value: str) -> str:
        digest = hmac.new(self._key, normalise(value).encode(), hashlib.sha256)
        return digest.hexdigest()


@functools.cache
def _cipher_for(setting: str) -> FieldCipher:
    return FieldCipher.from_setting(setting)


@functools.cache
def _index_for(setting: str) -> BlindIndex:
    return BlindIndex(base64.b64decode(setting))


def cipher(settings: Settings | None = None) -> FieldCipher:
    return _cipher_for((settings or get_settings()).data_encryption_keys)


def blind_index(settings: Settings | None = None) -> BlindIndex:
    return _index_for((settings or get_settings()).blind_index_key)
