"""Files browsers ask for at fixed addresses, outside /static."""

from __future__ import annotations

from pathlib import Path

from litestar import get
from litestar.response import File

STATIC = Path(__file__).parent / "static"
#: Served without a session or a transaction (``backend.app`` excludes them).
ASSET_PATHS = ["^/favicon.ico$"]


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon() -> File:
    """The site icon (drawn by ``scripts/make_favicon.py``; pages link the SVG version)."""
    return File(
        path=STATIC / "favicon.ico",
        media_type="image/x-icon",
        content_disposition_type="inline",
        headers={"Cache-Control": "public, max-age=86400"},
    )
