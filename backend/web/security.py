"""Security headers on every response, and the client address behind trusted proxies.

The headers are added by a ``before_send`` hook of the app, which sees every response: pages,
the API, static files, the admin mount and the errors Litestar answers before any route is
matched (404, 405). The Content-Security-Policy allows exactly what the pages load: their own
scripts and styles (no inline script, inline handler, style attribute or eval anywhere in the
templates), Stripe.js and its frames only when Stripe is configured, and piccolo-admin's needs
under /admin only.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.settings import Settings, get_settings

ADMIN_PREFIX = "/admin"
SCHEMA_PREFIX = "/schema"

#: Stripe's own hosts (https://docs.stripe.com/security/guide#content-security-policy).
_STRIPE_SCRIPTS = ("https://js.stripe.com", "https://*.js.stripe.com")
_STRIPE_FRAMES = ("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com")
_STRIPE_API = ("https://api.stripe.com",)


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}".strip() for name, values in directives.items())


def _base_directives() -> dict[str, list[str]]:
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


@cache
def _site_policy(settings: Settings) -> str:
    directives = _base_directives()
    if settings.stripe_enabled:
        js = _origin(settings.stripe_js_url)
        api = _origin(settings.stripe_api_base)
        default_js = js == "https://js.stripe.com"
        scripts = list(_STRIPE_SCRIPTS) if default_js else [js or ""]
        frames = list(_STRIPE_FRAMES) if default_js else [js or ""]
        connect = [*(_STRIPE_API if api is None else (api,)), *([] if default_js else [js or ""])]
        directives["script-src"] += scripts
        directives["frame-src"] = frames
        directives["connect-src"] += connect
        directives["img-src"] += ["https://*.stripe.com"] if default_js else []
        # Stripe's 3-D Secure and wallet flows return through the page's own form action.
        directives["form-action"] += frames
    return _policy(directives)


@cache
def _admin_policy() -> str:
    """piccolo-admin (a Vue application): its bundle, the styles Vue and its editor set on
    elements, and data: fonts and images from its stylesheet."""
    directives = _base_directives()
    directives["style-src"] = ["'self'", "'unsafe-inline'"]
    directives["font-src"] = ["'self'", "data:"]
    return _policy(directives)


@cache
def _schema_policy() -> str:
    """The OpenAPI document's viewer page, which Litestar builds with an inline script and
    loads from a CDN. Nothing else is served under /schema."""
    directives = _base_directives()
    cdn = ["https://cdn.jsdelivr.net", "https://unpkg.com"]
    directives["script-src"] = ["'self'", "'unsafe-inline'", *cdn]
    directives["style-src"] = ["'self'", "'unsafe-inline'", *cdn, "https://fonts.googleapis.com"]
    directives["font-src"] = ["'self'", "data:", "https://fonts.gstatic.com"]
    directives["img-src"] = ["'self'", "data:", *cdn]
    directives["worker-src"] = ["'self'", "blob:"]
    return _policy(directives)


def content_security_policy(settings: Settings, path: str) -> str:
    if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
        return _admin_policy()
    if path == SCHEMA_PREFIX or path.startswith(SCHEMA_PREFIX + "/"):
        return _schema_policy()
    return _site_policy(settings)


def _without_public_cache(headers: MutableScopeHeaders) -> None:
    """A response that sets a cookie is one visitor's: a shared cache must never keep it."""
    if "set-cookie" not in headers:
        return
    cache_control = headers.get("cache-control", "")
    directives = [d.strip() for d in cache_control.split(",") if d.strip()]
    if any(
        d.lower() in ("public", "s-maxage") or d.lower().startswith("s-maxage=") for d in directives
    ):
        kept = [
            d for d in directives if d.lower() != "public" and not d.lower().startswith("s-maxage")
        ]
        headers["Cache-Control"] = ", ".join(["private", *kept])


async def security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: the headers every response carries."""
    if message["type"] != "http.response.start":
        return
    settings = get_settings()
    headers = MutableScopeHeaders.from_message(message)
    # The path as requested: a mounted app (/admin) has scope["path"] cut to its own part.
    raw = scope.get("raw_path")
    full = raw.decode("latin-1") if isinstance(raw, bytes) else scope.get("path", "")
    headers["Content-Security-Policy"] = content_security_policy(settings, full)
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if settings.is_production and settings.hsts_max_age_seconds:
        headers["Strict-Transport-Security"] = (
            f"max-age={settings.hsts_max_age_seconds}; includeSubDomains"
        )
    _without_public_cache(headers)


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v for k, v in scope.get("headers", []) if k.lower() == name]
    return b",".join(values).decode("latin-1") if values else None


def _trusted(address: str, networks: tuple[Any, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(peer: str, forwarded_for: str | None, networks: tuple[Any, ...]) -> str:
    """The client address: the peer, unless the peer is a trusted proxy; then the right-most
    ``X-Forwarded-For`` entry that is not itself a trusted proxy (entries to its left were
    written by the client and prove nothing)."""
    if not networks or not forwarded_for or not _trusted(peer, networks):
        return peer
    for entry in reversed([e.strip() for e in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(entry)
        except ValueError:
            return peer  # a malformed chain: believe only the proxy we talked to
        if not _trusted(entry, networks):
            return entry
    return peer


class ClientAddressMiddleware:
    """Rewrites ``scope["client"]`` to the real client when the peer is a trusted proxy
    (setting ``TRUSTED_PROXIES``); ``X-Forwarded-For`` from anyone else is ignored."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == ScopeType.HTTP and client:
            networks = get_settings().trusted_proxy_networks
            host = client[0]
            real = forwarded_client(host, _header(scope, b"x-forwarded-for"), networks)
            if real != host:
                scope["client"] = (real, 0)
        await self.app(scope, receive, send)
