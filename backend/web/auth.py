"""Who is calling: a session cookie on web pages, a bearer token on the JSON API.

The API never reads the session cookie, so a cross-site page cannot ride on a logged-in
browser to call it; that is why only the web pages need CSRF tokens.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)

from backend.accounts.service import get_active_user, user_for_token

API_PREFIX = "/api/"
SESSION_USER_KEY = "uid"


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        if connection.url.path.startswith(API_PREFIX):
            token = bearer_token(connection)
            user = await user_for_token(token) if token else None
            return AuthenticationResult(user=user, auth="bearer" if user else None)
        session = connection.scope.get("session") or {}
        user_id = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
        user = await get_active_user(int(user_id)) if user_id else None
        return AuthenticationResult(user=user, auth="session" if user else None)
