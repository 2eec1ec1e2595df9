"""The platform's ledger keys, from the settings: who signs now, and every key ever published.

``LEDGER_SIGNING_KEYS`` (a schedule of keys with start dates) replaces ``LEDGER_SIGNING_KEY``
(one key, forever) when set; both are read by ``matching/ledger_keys.py``.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from backend.settings import Settings, get_settings
from matching.ledger_keys import KeySet, keys_document, parse_schedule


@functools.cache
def _key_set_for(setting: str) -> KeySet:
    return parse_schedule(setting)


def ledger_keys(settings: Settings | None = None) -> KeySet:
    current = settings or get_settings()
    return _key_set_for(current.ledger_signing_keys or current.ledger_signing_key)


def public_key_document(now: datetime | None = None) -> dict[str, Any]:
    """``/api/v1/ledger/public-key``: the key in force on top (the shape before rotation) and
    every key with its validity period under ``keys``."""
    return keys_document(ledger_keys(), now or datetime.now(UTC))
