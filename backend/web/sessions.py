"""Web sessions that are created only when needed and get a new id whenever their power changes.

Litestar's server-side session backend reuses any session id a client sends (session fixation:
an attacker plants an id, the victim logs in under it, the attacker's copy is now logged in) and
writes an empty session, with a cookie, on every request. This backend:

* only ever reuses an id the store already holds; an unknown id is never adopted;
* writes nothing and sets no cookie while the session is empty (anonymous reads stay
  cookie-free and cacheable), and deletes the stored session and its cookie when emptied;
* rewrites the stored session only when its data changed;
* issues a fresh id, deleting the old one, when ``rotate_session`` was called: at login,
  logout, and when the user's privileges changed (``AuthenticationMiddleware``).

Sessions live in files under ``var/sessions`` in the embedded default, in Redis with
``REDIS_URL`` (``backend.app``); both go through the same store interface.

The CSRF cookie follows the same rule: ``CsrfCookieWhenUsed`` drops the fresh cookie Litestar's
CSRF check adds to a safe request unless the response carries the token (a page with a form)
or a handler asked for it (the admin application, which reads it from JavaScript).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, ScopeSession, Send
from litestar.utils.dataclass import extract_dataclass_items
from litestar.utils.scope.state import ScopeState

_LOADED = "aidbridge.session_loaded"
_ROTATE = "aidbridge.session_rotate"
_CSRF_WANTED = "aidbridge.csrf_cookie_wanted"
CSRF_COOKIE = "csrftoken"


def rotate_session(connection: ASGIConnection[Any, Any, Any, Any] | Scope) -> None:
    """Give the session a new id when the response is sent (and forget the old one)."""
    scope = connection.scope if isinstance(connection, ASGIConnection) else connection
    scope[_ROTATE] = True  # type: ignore[literal-required]


def want_csrf_cookie(scope: Any) -> None:
    """Keep the CSRF cookie on this response although its body does not show the token."""
    scope[_CSRF_WANTED] = True


class RotatingSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> dict[str, Any]:
        session_id = connection.cookies.get(self.config.key)
        if session_id:
            store = self.config.get_store_from_app(connection.scope["app"])
            data = await self.get(session_id, store=store)
            if data is not None:
                connection.scope[_LOADED] = (session_id, data)  # type: ignore[literal-required]
                return self.deserialize_data(data)
        return {}

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        """The stored session's id, or a fresh one: never an id only the client knows."""
        loaded: Any = connection.scope.get(_LOADED)
        if loaded and not connection.scope.get(_ROTATE):
            return str(loaded[0])
        existing = connection.get_session_id()
        return existing or self.generate_session_id()

    def _cookie_params(self) -> dict[str, Any]:
        return dict(
            extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
        )

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        scope = connection.scope
        store = self.config.get_store_from_app(scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        loaded: tuple[str, bytes] | None = scope.get(_LOADED)  # type: ignore[assignment]
        rotate = bool(scope.get(_ROTATE))
        if scope_session is Empty or not scope_session:
            if loaded is not None:
                await self.delete(loaded[0], store=store)
            if loaded is not None or connection.cookies.get(self.config.key):
                expired = Cookie(value="", key=self.config.key, expires=0, **self._cookie_params())
                headers.add("Set-Cookie", expired.to_header(header=""))
            return
        data = self.serialize_data(scope_session, scope)
        if loaded is not None and not rotate and data == loaded[1]:
            return  # unchanged: no write, no cookie
        if loaded is not None and rotate:
            await self.delete(loaded[0], store=store)
        session_id = loaded[0] if loaded is not None and not rotate else self.generate_session_id()
        await self.set(session_id=session_id, data=data, store=store)
        cookie = Cookie(value=session_id, key=self.config.key, **self._cookie_params())
        headers.add("Set-Cookie", cookie.to_header(header=""))


@dataclass
class SessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


class CsrfCookieWhenUsed:
    """Drops the CSRF cookie from safe responses that do not carry the token.

    Litestar's CSRF check gives every cookie-less GET a fresh token cookie. Only a page with a
    form needs it; elsewhere the cookie makes an anonymous read uncacheable, and a public cache
    could hand one token to many visitors.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None

        async def filtered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if start is not None and message["type"] == "http.response.body":
                held, start = start, None
                if not _token_used(scope, message.get("body", b"")):
                    _drop_cookie(held, CSRF_COOKIE)
                await send(held)
            await send(message)

        await self.app(scope, receive, filtered)
        if start is not None:  # a start with no body (should not happen): send it as is
            await send(start)


def _token_used(scope: Scope, body: bytes) -> bool:
    if scope.get(_CSRF_WANTED):
        return True
    token = ScopeState.from_scope(scope).csrf_token
    return isinstance(token, str) and bool(token) and token.encode() in body


def _drop_cookie(message: Any, name: str) -> None:
    prefix = f"{name}=".encode()
    message["headers"] = [
        (key, value)
        for key, value in message.get("headers", [])
        if not (key.lower() == b"set-cookie" and value.startswith(prefix))
    ]
