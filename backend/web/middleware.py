"""ASGI middleware: one transaction per request, and a request log without personal data."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.db import Rollback, unit_of_work
from backend.errors import DomainError

log = structlog.get_logger("aidbridge.request")

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def keep_writes(scope: Scope) -> None:
    """Mark a failing request whose writes must still be committed (e.g. a failed login)."""
    scope.setdefault("state", {})["keep_writes"] = True


class TransactionMiddleware:
    """Runs each HTTP request in one unit of work.

    The response is held until the transaction has ended, so a client never sees a success
    whose data was not committed, and an error status (or an exception) rolls back everything
    the request wrote. Jobs the request enqueued are flushed after the commit.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith(("/static/", "/health/")):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []

        async def hold(message: Message) -> None:
            messages.append(message)

        write = scope["method"] not in _READ_METHODS
        kept_error: DomainError | None = None
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
                if status >= 400 and not scope.get("state", {}).get("keep_writes"):
                    raise Rollback()
        if kept_error is not None:
            raise kept_error
        for message in messages:
            await send(message)


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
