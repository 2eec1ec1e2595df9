"""Small helpers every controller needs from the request."""

from __future__ import annotations

from typing import Any

from litestar import Request


def client_ip(request: Request[Any, Any, Any]) -> str:
    """The peer, or the client a trusted proxy forwarded for (``ClientAddressMiddleware``)."""
    return request.client.host if request.client else "unknown"
