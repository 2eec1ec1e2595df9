"""Who is calling: a session cookie on web pages, a bearer token on the JSON API.

The API never reads the session cookie, so a cross-site page cannot ride on a logged-in
browser to call it; that is why only the web pages need CSRF tokens.

A web session stores the user id and a fingerprint of what the user may do (role, region,
organisations). Logging in or out gives the session a new id (``start_session``,
``end_session``), and so does any change of that fingerprint seen on a later request (a role
changed in /admin, a membership added or removed): an id learnt before the change is worth
nothing after it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)

from backend.accounts.schemas import CurrentUser
from backend.accounts.service import get_active_user, organisation_ids_of, user_for_token
from backend.web.sessions import rotate_session

API_PREFIX = "/api/"
SESSION_USER_KEY = "uid"
SESSION_PRIVILEGES_KEY = "priv"


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def privileges_of(user: CurrentUser) -> str:
    """A short digest of everything that decides what ``user`` may see and do."""
    organisations = ",".join(str(i) for i in sorted(await organisation_ids_of(user.id)))
    facts = f"{user.id}|{user.role.value}|{user.region_code or ''}|{organisations}"
    return hashlib.sha256(facts.encode()).hexdigest()[:32]


async def start_session(connection: ASGIConnection[Any, Any, Any, Any], user: CurrentUser) -> None:
    """Log ``user`` in on this browser, under a session id never seen before."""
    connection.clear_session()
    connection.set_session(
        {SESSION_USER_KEY: user.id, SESSION_PRIVILEGES_KEY: await privileges_of(user)}
    )
    rotate_session(connection)


def end_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    connection.clear_session()
    rotate_session(connection)


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
        if not user_id:
            return AuthenticationResult(user=None, auth=None)
        user = await get_active_user(int(user_id))
        if user is None:  # deactivated or removed: the session ends here
            end_session(connection)
            return AuthenticationResult(user=None, auth=None)
        privileges = await privileges_of(user)
        if isinstance(session, dict) and session.get(SESSION_PRIVILEGES_KEY) != privileges:
            connection.scope["session"] = {**session, SESSION_PRIVILEGES_KEY: privileges}
            rotate_session(connection)
        return AuthenticationResult(user=user, auth="session")
