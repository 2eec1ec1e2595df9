"""Absolute links to the platform: QR codes, receipts, disclosure pages, open data, e-mails.

A link printed on paper or sent by e-mail must lead back to the site the reader used, so it
is never a hard-coded address. ``PUBLIC_BASE_URL`` wins when set (production, behind a proxy
whose public name the app cannot see). Unset, the link is made from the address the current
request was sent to (its scheme, ``Host`` header and mount path), which the request
middleware records here for the duration of the request. Outside any request (a job sending
e-mail), the address the server itself listens on is all there is.

The ``Host`` header comes from the client, so only a well-formed host name or address is
taken from it, and anything cached across requests must be keyed by ``public_base_url()``
(the disclosure cache is), so one client's header never reaches another's page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from backend.settings import Settings, get_settings

_request_base: ContextVar[str | None] = ContextVar("aidbridge_request_base", default=None)

#: A DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port.
_HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def server_address(settings: Settings) -> str:
    """Where this process itself serves (the fallback outside a request)."""
    host = settings.host
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming the wildcard, not binding it
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def public_base_url(settings: Settings | None = None) -> str:
    """The scheme, host and mount path absolute links start with (no trailing slash)."""
    settings = settings or get_settings()
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    return _request_base.get() or server_address(settings)


def absolute_url(path: str, settings: Settings | None = None) -> str:
    """``path`` (starting with ``/``) on the public address."""
    return public_base_url(settings) + path


def request_base(scope: Any) -> str | None:
    """The base URL an HTTP request was addressed to, from its ASGI scope; None when its
    ``Host`` header is missing or malformed and the server's own address is unknown."""
    scheme = str(scope.get("scheme") or "http")
    if scheme not in _DEFAULT_PORTS:
        return None
    host = next((v for k, v in scope.get("headers", ()) if k == b"host"), b"").decode("latin-1")
    host = host.strip().lower()
    if not _HOST.match(host):
        server = scope.get("server")
        if not server or not server[0]:
            return None
        name, port = str(server[0]), server[1]
        if ":" in name:
            name = f"[{name}]"
        host = name if port in (None, _DEFAULT_PORTS[scheme]) else f"{name}:{port}"
    elif host.endswith(f":{_DEFAULT_PORTS[scheme]}"):
        host = host.rsplit(":", 1)[0]
    root = str(scope.get("root_path") or "").rstrip("/")
    return f"{scheme}://{host}{root}"


@contextmanager
def serving(base: str | None) -> Iterator[None]:
    """Within the block, links are made on ``base`` (unless ``PUBLIC_BASE_URL`` is set)."""
    token = _request_base.set(base)
    try:
        yield
    finally:
        _request_base.reset(token)
