"""ASGI middleware: one transaction per request, and a request log without personal data."""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.db import Rollback, unit_of_work, uses_sqlite
from backend.errors import DomainError
from backend.public_url import request_base, serving

log = structlog.get_logger("aidbridge.request")

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


_DATABASE_BUSY = "database_busy"


def keep_writes(scope: Scope) -> None:
    """Mark a failing request whose writes must still be committed (e.g. a failed login)."""
    scope.setdefault("state", {})["keep_writes"] = True


class TransactionMiddleware:
    """Runs each HTTP request in one unit of work.

    The response is held until the transaction has ended, so a client never sees a success
    whose data was not committed, and an error status (or an exception) rolls back everything
    the request wrote. Jobs the request enqueued are flushed after the commit.

    On SQLite a read request runs in a deferred transaction, so readers never queue; the few
    reads that also write (an audit row for viewing a household) fail with "database is
    locked" when another writer committed meanwhile. Such a request is run once more, from
    the start, as a writer: it queues behind the other writers and cannot fail that way again.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith(
            ("/static/", "/health/", "/favicon.ico")
        ):
            await self.app(scope, receive, send)
            return
        write = scope["method"] not in _READ_METHODS
        if write or not uses_sqlite():
            await self._run(scope, receive, send, write=write)
            return
        received: list[Any] = []

        async def recording() -> Any:
            message = await receive()
            received.append(message)
            return message

        session = copy.deepcopy(scope.get("session"))
        if await self._run(scope, recording, send, write=False):
            return
        # The read turned writer and lost the race: start again from the same request.
        scope["session"] = session
        scope.setdefault("state", {}).pop(_DATABASE_BUSY, None)
        replay = iter(received)

        async def replayed() -> Any:
            message = next(replay, None)
            return message if message is not None else await receive()

        await self._run(scope, replayed, send, write=True)

    async def _run(self, scope: Scope, receive: Receive, send: Send, *, write: bool) -> bool:
        """Run the request once; False when it must be retried as a writer (nothing sent)."""
        messages: list[Message] = []

        async def hold(message: Message) -> None:
            messages.append(message)

        kept_error: DomainError | None = None
        busy = False
        async with unit_of_work(write=write):
            try:
                await self.app(scope, receive, hold)
            except DomainError as exc:
                if not exc.keep_writes:
                    raise
                kept_error = exc  # commit first, then let the error handler answer
            else:
                status = next(
                    (m["status"] for m in messages if m["type"] == "http.response.start"), 500
                )
                busy = not write and bool(scope.get("state", {}).get(_DATABASE_BUSY))
                if status >= 400 and not scope.get("state", {}).get("keep_writes"):
                    raise Rollback()
        if busy:
            return False
        if kept_error is not None:
            raise kept_error
        for message in messages:
            await send(message)
        return True


def mark_database_busy(scope: Scope) -> None:
    """The error handler saw SQLite's "database is locked": the request may be retried."""
    scope.setdefault("state", {})[_DATABASE_BUSY] = True


class RequestLogMiddleware:
    """One log line per request: method, route template, status, duration. No query string,
    no body, no path parameters (a path may carry an id number in a malformed request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        except Exception as exc:
            # Raised past the routes (e.g. refused input): the error handler answers with it.
            status = int(getattr(exc, "status_code", 500))
            raise
        finally:
            route: Any = scope.get("path_template") or "(unmatched)"
            log.info(
                "request",
                method=scope["method"],
                route=route,
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
            structlog.contextvars.unbind_contextvars("request_id")


class PublicAddressMiddleware:
    """Absolute links made during a request lead to the address it was sent to, unless
    ``PUBLIC_BASE_URL`` says otherwise (``backend/public_url.py``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        with serving(request_base(scope)):
            await self.app(scope, receive, send)
