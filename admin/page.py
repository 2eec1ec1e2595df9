"""The back office's own page and script, as the gate serves them: in Chinese, with the site's
icon, and with piccolo-admin's login screen sent to AidBridge's.

The bundle is localised once (``admin.l10n``) and then served from memory with an ETag, so a
browser revalidates it cheaply and never runs the English original.
"""

from __future__ import annotations

import hashlib
from html import escape

from piccolo_admin.endpoints import AdminRouter
from starlette.types import Scope, Send

from admin.l10n import BundleChanged, localised_bundle

#: Added to piccolo-admin's page: its own login screen is replaced by AidBridge's. A file, not
#: an inline script, so a Content-Security-Policy without inline scripts allows it.
LOGIN_REDIRECT = '<script src="/static/admin-login.js"></script>'
ICON = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


def localise_page(template: str, site_name: str) -> str:
    """piccolo-admin's index.html in Chinese."""
    replacements = {
        '<html lang="en">': '<html lang="zh-CN">',
        "<title>Piccolo Admin</title>": f"<title>{escape(site_name)}</title>",
        "<strong>We're sorry but the Piccolo Admin doesn't work properly without JavaScript "
        "enabled.</strong>": "<strong>后台管理需要启用浏览器的 JavaScript。</strong>",
        "</head>": f"{ICON}{LOGIN_REDIRECT}</head>",
    }
    for old, new in replacements.items():
        if old not in template:
            raise BundleChanged(f"piccolo-admin's page no longer holds {old!r}")
        template = template.replace(old, new)
    return template


class Bundle:
    """The localised main script, served at the path the page loads it from."""

    def __init__(self, site: AdminRouter, table_names: dict[str, str]) -> None:
        name, self.body = localised_bundle(site.template, table_names)
        self.path = f"/assets/{name}"
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'

    async def serve(self, scope: Scope, send: Send) -> None:
        wanted = next((v for k, v in scope["headers"] if k == b"if-none-match"), b"")
        fresh = self.etag.encode() in [tag.strip() for tag in wanted.split(b",")]
        headers = [
            (b"etag", self.etag.encode()),
            (b"cache-control", b"private, no-cache"),
        ]
        if fresh:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers += [
            (b"content-type", b"text/javascript; charset=utf-8"),
            (b"content-length", str(len(self.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else self.body
        await send({"type": "http.response.body", "body": body})
