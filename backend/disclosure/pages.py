"""The public disclosure pages (信息公开): no login, no personal data, no internal ids.

A page is two layers. The *content* (figures, charts, timeline, QR code) is the same for
everyone and is cached per snapshot version (``backend/disclosure/cache.py``); the *frame*
(``base.html``: the navigation with the reader's name and a logout form) is rendered per
request around it, so a cached page never shows one reader's name to another.

Caching headers: ``Cache-Control: public, max-age=60`` for anonymous readers (``private`` once
logged in, since the frame names the reader), and an ETag of the content plus the reader, so a
revalidating browser gets a 304 without the page being rendered at all.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import segno
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from markupsafe import Markup, escape

from backend.disclosure import platform, service
from backend.disclosure.cache import Cached, disclosure_cache
from backend.disclosure.timeline import timeline_rows
from backend.ledger.keys import public_key_document
from backend.settings import get_settings
from backend.web.charts import Series, bar_chart, grouped_bar_chart
from backend.web.pages import current_user, page, yuan
from matching.disclosure import Totals

MAX_AGE = 60
#: Needs listed on the platform page; the open-data files carry all of them.
PLATFORM_NEEDS = 50


def absolute_url(path: str) -> str:
    return get_settings().public_base_url.rstrip("/") + path


@functools.lru_cache(maxsize=4096)
def qr_code(url: str, label: str = "本页链接的二维码") -> Markup:
    """An inline SVG QR code of ``url``, labelled for screen readers."""
    svg = segno.make(url, error="m").svg_inline(scale=3, border=2, title=f"{label}：{url}")
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(svg)  # noqa: S704 - segno escapes the title it writes; the rest is geometry


def _render(request: Request[Any, Any, Any], template: str, **context: Any) -> bytes:
    engine = request.app.template_engine
    assert isinstance(engine, JinjaTemplateEngine)
    html = engine.engine.get_template(template).render(**context)
    return html.encode()


def _etag(request: Request[Any, Any, Any], cached: Cached) -> str:
    user = current_user(request)
    reader = "" if user is None else "-" + hashlib.sha256(str(user.id).encode()).hexdigest()[:8]
    return f'"{cached.etag}{reader}"'


def cache_headers(request: Request[Any, Any, Any], etag: str) -> dict[str, str]:
    scope = "private" if current_user(request) else "public"
    return {"Cache-Control": f"{scope}, max-age={MAX_AGE}", "ETag": etag, "Vary": "Cookie"}


def not_modified(request: Request[Any, Any, Any], etag: str) -> bool:
    wanted = request.headers.get("if-none-match", "")
    return etag in [tag.strip() for tag in wanted.split(",")]


async def cached_page(
    request: Request[Any, Any, Any],
    *,
    name: str,
    version: str,
    title: str,
    build: Callable[[], Awaitable[bytes]],
) -> Response[Any]:
    cached = await disclosure_cache.fetch(name, version, build)
    etag = _etag(request, cached)
    headers = cache_headers(request, etag)
    if not_modified(request, etag):
        return Response(b"", status_code=304, headers=headers)
    response = page(
        request,
        "disclosure/page.html",
        active="disclosure",
        page_title=title,
        content=Markup(cached.body.decode()),  # noqa: S704 - our own autoescaped template
    )
    for key, value in headers.items():
        response.set_header(key, value)
    return response


def _totals_chart(totals: Totals, title: str, target_fen: int | None = None) -> Markup:
    items = [("认捐（款物）", totals.pledged_fen), ("社会捐赠", totals.raised_fen)]
    items += [("已拨付", totals.disbursed_fen), ("拨付已核实", totals.verified_fen)]
    if target_fen:
        items.insert(0, ("目标", target_fen))
    return bar_chart(items, title=title, formatter=yuan)


def _monthly_chart(months: dict[str, Totals], title: str) -> Markup:
    labels = list(months)
    return grouped_bar_chart(
        labels,
        [
            Series("认捐（款物）", [months[m].pledged_fen for m in labels]),
            Series("社会捐赠", [months[m].raised_fen for m in labels]),
            Series("拨付", [months[m].disbursed_fen for m in labels]),
        ],
        title=title,
        formatter=yuan,
        empty_text="暂无账本记录",
    )


class DisclosurePagesController(Controller):
    path = "/disclosure"
    include_in_schema = False

    @get("/", name="disclosure")
    async def platform(self, request: Request[Any, Any, Any]) -> Response[Any]:
        snapshot = await platform.platform_snapshot()

        async def build() -> bytes:
            data = await platform.platform_disclosure(snapshot)
            by_region = sorted(data.by_district.items(), key=lambda kv: -kv[1].pledged_fen)
            by_category = sorted(data.by_category.items(), key=lambda kv: -kv[1].pledged_fen)
            url = absolute_url("/disclosure")
            return _render(
                request,
                "disclosure/_platform.html",
                data=data,
                witnessing=snapshot.witnessing,
                needs=data.needs[:PLATFORM_NEEDS],
                region_chart=bar_chart(
                    [(name, t.pledged_fen) for name, t in by_region],
                    title="各区县认捐金额（款物折价）",
                    formatter=yuan,
                ),
                region_raised_chart=bar_chart(
                    [(name, t.raised_fen) for name, t in by_region],
                    title="各区县社会捐赠金额",
                    formatter=yuan,
                ),
                category_chart=bar_chart(
                    [(name, t.pledged_fen) for name, t in by_category],
                    title="各类别认捐金额（款物折价）",
                    formatter=yuan,
                ),
                month_chart=_monthly_chart(data.by_month, "每月认捐、捐赠与拨付金额"),
                url=url,
                qr=qr_code(url),
            )

        return await cached_page(
            request, name="platform", version=snapshot.key, title="信息公开", build=build
        )

    @get("/needs/{need_id:str}", name="disclosure_need")
    async def need(self, request: Request[Any, Any, Any], need_id: FromPath[str]) -> Response[Any]:
        snapshot = await service.need_snapshot(need_id)  # DisclosureNeedNotFound → 404 page

        async def build() -> bytes:
            data = await service.need_disclosure(snapshot)
            url = absolute_url(f"/disclosure/needs/{need_id}")
            return _render(
                request,
                "disclosure/_need.html",
                data=data,
                need=data.need,
                totals=data.totals,
                timeline=timeline_rows(data.entries),
                chart=_totals_chart(data.totals, "本需求款物概况", data.need.target_fen),
                url=url,
                qr=qr_code(url),
            )

        return await cached_page(
            request,
            name=f"need:{need_id}",
            version=snapshot.key,
            title=f"{snapshot.row['title']} · 信息公开",
            build=build,
        )

    @get("/organisations/{org_id:str}", name="disclosure_organisation")
    async def organisation(
        self, request: Request[Any, Any, Any], org_id: FromPath[str]
    ) -> Response[Any]:
        snapshot = await service.organisation_snapshot(org_id)

        async def build() -> bytes:
            data = await service.organisation_disclosure(snapshot)
            url = absolute_url(f"/disclosure/organisations/{org_id}")
            return _render(
                request,
                "disclosure/_organisation.html",
                data=data,
                org=data.organisation,
                totals=data.totals,
                chart=_monthly_chart(data.months, f"{data.organisation.name}每月款物"),
                url=url,
                qr=qr_code(url),
            )

        return await cached_page(
            request,
            name=f"organisation:{org_id}",
            version=snapshot.key,
            title=f"{snapshot.organisation.name} · 信息公开",
            build=build,
        )

    @get("/open-data", name="disclosure_open_data")
    async def open_data(self, request: Request[Any, Any, Any]) -> Template:
        url = absolute_url("/disclosure/open-data")
        response = page(
            request,
            "disclosure/open_data.html",
            active="disclosure",
            base_url=get_settings().public_base_url.rstrip("/"),
            key=public_key_document(),
            url=url,
            qr=qr_code(url),
        )
        scope = "private" if current_user(request) else "public"
        response.set_header("Cache-Control", f"{scope}, max-age={MAX_AGE}")
        return response

    @get("/verify", name="disclosure_verify")
    async def verify(
        self, request: Request[Any, Any, Any], entry: FromQuery[str | None] = None
    ) -> Template:
        found = await service.entry_state(entry.strip()) if entry and entry.strip() else None
        url = absolute_url(
            f"/disclosure/verify?entry={found.id}" if found else "/disclosure/verify"
        )
        return page(
            request,
            "disclosure/verify.html",
            active="disclosure",
            entry=found,
            url=url,
            qr=qr_code(url),
        )
