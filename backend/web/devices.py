"""The device cookie: a browser's signed note that it logged in to an account before.

Set after every successful login (web form and token endpoint), valid for a year, HttpOnly.
It grants nothing by itself; it only tells the login throttle (``backend.accounts.throttle``)
that this browser is the account owner's usual one, so failures made by others elsewhere do
not keep it out. The signature (HMAC-SHA256 with ``SESSION_SECRET``) means it cannot be made
without a real login.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie

from backend.settings import get_settings

DEVICE_COOKIE = "aidbridge_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600


def _signature(user_id: int, device_id: str) -> str:
    key = get_settings().session_secret.encode()
    return hmac.new(key, f"device|{user_id}|{device_id}".encode(), hashlib.sha256).hexdigest()


def device_cookie(user_id: int) -> Cookie:
    device_id = secrets.token_urlsafe(12)
    settings = get_settings()
    return Cookie(
        key=DEVICE_COOKIE,
        value=f"{user_id}.{device_id}.{_signature(user_id, device_id)}",
        max_age=DEVICE_COOKIE_MAX_AGE,
        httponly=True,
        secure=settings.is_production,
        samesite="lax",
        path="/",
    )


def device_user_id(connection: ASGIConnection[Any, Any, Any, Any]) -> int | None:
    """The user this browser's device cookie names, if its signature holds."""
    value = connection.cookies.get(DEVICE_COOKIE, "")
    user_part, _, rest = value.partition(".")
    device_id, _, signature = rest.partition(".")
    if not user_part.isdigit() or not device_id or len(signature) != 64:
        return None
    user_id = int(user_part)
    if not hmac.compare_digest(signature, _signature(user_id, device_id)):
        return None
    return user_id
