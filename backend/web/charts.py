"""Server-rendered, accessible SVG charts: markup a Jinja template prints as it is.

Why SVG on the server: the public disclosure pages must read the same with JavaScript off,
print cleanly and be cached as whole pages. Every chart is an ``<svg role="img">`` named by
its ``<title>`` and described by a ``<desc>`` that lists every value in words, so a screen
reader hears the data, not shapes; each bar also carries its own ``<title>`` (a tooltip).
Every label passes through ``markupsafe.escape`` before it reaches the markup, because
labels come from data (region names, organisation names) that people type.

Values are integers (fen, counts, hours); a ``formatter`` turns one into text for people,
e.g. ``backend.web.pages.yuan``. Negative values draw as empty bars but keep their label.
Ids inside a chart derive from its content, so the same data renders the same bytes.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["PALETTE", "Series", "bar_chart", "grouped_bar_chart", "text_width"]

#: Okabe–Ito colours: told apart by people with colour-vision deficiency, AA against white
#: for the darker ones used first.
PALETTE: tuple[str, ...] = ("#0b5cad", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")

Formatter = Callable[[int], str]

_FONT = 13
_INK = "#1c2430"
_MUTED = "#4f5b6b"
_GRID = "#d5dbe3"
_MAX_LABEL_PX = 160


@dataclass(frozen=True, slots=True)
class Series:
    """One named row of values in a grouped chart, aligned with the chart's categories."""

    label: str
    values: Sequence[int]


def _plain(value: int) -> str:
    return f"{value:,}"


def text_width(text: str, font_size: int = _FONT) -> float:
    """Estimated rendered width: CJK and other wide characters take a full em, others ~0.6."""
    width = 0.0
    for char in text:
        wide = unicodedata.east_asian_width(char) in ("W", "F")
        width += font_size if wide else font_size * 0.6
    return width


def _fit(text: str, max_px: float, font_size: int = _FONT) -> str:
    """Shorten a label to fit ``max_px``, ending in an ellipsis; the full text stays in titles."""
    if text_width(text, font_size) <= max_px:
        return text
    kept = ""
    for char in text:
        if text_width(kept + char + "…", font_size) > max_px:
            break
        kept += char
    return kept + "…"


def _chart_id(kind: str, title: str, payload: str) -> str:
    digest = hashlib.sha256(f"{kind}\0{title}\0{payload}".encode()).hexdigest()[:10]
    return f"chart-{digest}"


def _num(value: float) -> str:
    """Coordinates with at most one decimal, no trailing zeros: compact, stable markup."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _svg(
    chart_id: str, title: str, desc: str, width: float, height: float, body: list[str]
) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" '
        f'height="{_num(height)}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="inherit" font-size="{_FONT}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    # Every piece of text above went through escape(); numbers are formatted by us.
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704


def _empty(chart_id: str, title: str, empty_text: str, width: int) -> Markup:
    body = [
        f'<text x="{_num(width / 2)}" y="28" text-anchor="middle" fill="{_MUTED}">'
        f"{escape(empty_text)}</text>"
    ]
    return _svg(chart_id, title, empty_text, width, 48, body)


def bar_chart(
    items: Sequence[tuple[str, int]],
    *,
    title: str,
    formatter: Formatter = _plain,
    orientation: str = "horizontal",
    width: int = 640,
    colour: str = PALETTE[0],
    empty_text: str = "暂无数据",
) -> Markup:
    """One bar per ``(label, value)``; horizontal suits long Chinese names (regions, orgs).

    Horizontal bars put the label left and the formatted value right of each bar; vertical
    bars put the value above and the (shortened) label below each bar.
    """
    if orientation not in ("horizontal", "vertical"):
        raise ValueError(f"orientation must be horizontal or vertical, not {orientation!r}")
    payload = "|".join(f"{label}={value}" for label, value in items)
    chart_id = _chart_id(f"bar-{orientation}", title, payload)
    if not items:
        return _empty(chart_id, title, empty_text, width)
    desc = f"{title}：" + "；".join(f"{label} {formatter(value)}" for label, value in items)
    top = max(max(value for _, value in items), 0)
    if orientation == "horizontal":
        return _horizontal(chart_id, title, desc, items, formatter, width, colour, top)
    return _vertical(chart_id, title, desc, items, formatter, width, colour, top)


def _horizontal(
    chart_id: str,
    title: str,
    desc: str,
    items: Sequence[tuple[str, int]],
    formatter: Formatter,
    width: int,
    colour: str,
    top: int,
) -> Markup:
    row, bar = 28, 18
    label_px = min(max(text_width(label) for label, _ in items), _MAX_LABEL_PX) + 8
    value_px = max(text_width(formatter(value)) for _, value in items) + 8
    plot = max(width - label_px - value_px, 40)
    body: list[str] = []
    for index, (label, value) in enumerate(items):
        y = 6 + index * row
        length = plot * value / top if top > 0 and value > 0 else 0
        text_y = _num(y + bar / 2 + _FONT * 0.35)
        shown = escape(_fit(label, _MAX_LABEL_PX))
        body.append(
            f'<g class="chart-bar"><title>{escape(label)}：{escape(formatter(value))}</title>'
            f'<text x="{_num(label_px - 8)}" y="{text_y}" text-anchor="end" fill="{_INK}">'
            f"{shown}</text>"
            f'<rect x="{_num(label_px)}" y="{y}" width="{_num(length)}" height="{bar}" '
            f'rx="2" fill="{colour}"/>'
            f'<text x="{_num(label_px + length + 4)}" y="{text_y}" fill="{_MUTED}">'
            f"{escape(formatter(value))}</text></g>"
        )
    height = 12 + len(items) * row
    return _svg(chart_id, title, desc, width, height, body)


def _vertical(
    chart_id: str,
    title: str,
    desc: str,
    items: Sequence[tuple[str, int]],
    formatter: Formatter,
    width: int,
    colour: str,
    top: int,
) -> Markup:
    plot_h, label_h, value_h = 180, 22, 20
    slot = width / len(items)
    bar = max(min(slot * 0.6, 48), 4)
    body = [
        f'<line x1="0" x2="{width}" y1="{value_h + plot_h}" y2="{value_h + plot_h}" '
        f'stroke="{_GRID}"/>'
    ]
    for index, (label, value) in enumerate(items):
        centre = slot * index + slot / 2
        length = plot_h * value / top if top > 0 and value > 0 else 0
        y = value_h + plot_h - length
        body.append(
            f'<g class="chart-bar"><title>{escape(label)}：{escape(formatter(value))}</title>'
            f'<rect x="{_num(centre - bar / 2)}" y="{_num(y)}" width="{_num(bar)}" '
            f'height="{_num(length)}" rx="2" fill="{colour}"/>'
            f'<text x="{_num(centre)}" y="{_num(y - 5)}" text-anchor="middle" '
            f'fill="{_MUTED}">{escape(_fit(formatter(value), slot - 2))}</text>'
            f'<text x="{_num(centre)}" y="{value_h + plot_h + label_h - 5}" '
            f'text-anchor="middle" fill="{_INK}">{escape(_fit(label, slot - 2))}</text></g>'
        )
    return _svg(chart_id, title, desc, width, value_h + plot_h + label_h + 4, body)


def grouped_bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    formatter: Formatter = _plain,
    width: int = 640,
    empty_text: str = "暂无数据",
) -> Markup:
    """Vertical bars grouped by category (e.g. month), one colour per series, with a legend.

    Every series must have one value per category; the ``<desc>`` reads the data category by
    category ("2025-01：认捐 ¥100.00，拨付 ¥0.00；…").
    """
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(
                f"series {one.label!r} has {len(one.values)} values for "
                f"{len(categories)} categories"
            )
    payload = "|".join(categories) + "#" + "|".join(f"{s.label}={list(s.values)}" for s in series)
    chart_id = _chart_id("grouped", title, payload)
    if not categories or not series:
        return _empty(chart_id, title, empty_text, width)
    desc = f"{title}：" + "；".join(
        f"{category}：" + "，".join(f"{one.label} {formatter(one.values[index])}" for one in series)
        for index, category in enumerate(categories)
    )
    top = max(max((max(one.values) for one in series), default=0), 0)
    legend_h, plot_h, label_h = 26, 180, 22
    body: list[str] = []
    x = 0.0
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        body.append(
            f'<g class="chart-legend"><rect x="{_num(x)}" y="4" width="12" height="12" '
            f'fill="{colour}"/><text x="{_num(x + 16)}" y="15" fill="{_INK}">'
            f"{escape(one.label)}</text></g>"
        )
        x += 16 + text_width(one.label) + 16
    base = legend_h + plot_h
    body.append(f'<line x1="0" x2="{width}" y1="{base}" y2="{base}" stroke="{_GRID}"/>')
    slot = width / len(categories)
    bar = max(min(slot * 0.8 / len(series), 28), 2)
    for c_index, category in enumerate(categories):
        start = slot * c_index + (slot - bar * len(series)) / 2
        parts = [f'<g class="chart-group"><title>{escape(category)}</title>']
        for s_index, one in enumerate(series):
            value = one.values[c_index]
            length = plot_h * value / top if top > 0 and value > 0 else 0
            parts.append(
                f'<rect x="{_num(start + s_index * bar)}" y="{_num(base - length)}" '
                f'width="{_num(bar)}" height="{_num(length)}" '
                f'fill="{PALETTE[s_index % len(PALETTE)]}"><title>{escape(category)} '
                f"{escape(one.label)}：{escape(formatter(value))}</title></rect>"
            )
        parts.append(
            f'<text x="{_num(slot * c_index + slot / 2)}" y="{base + label_h - 5}" '
            f'text-anchor="middle" fill="{_INK}">{escape(_fit(category, slot - 2))}</text></g>'
        )
        body.append("".join(parts))
    return _svg(chart_id, title, desc, width, base + label_h + 4, body)
