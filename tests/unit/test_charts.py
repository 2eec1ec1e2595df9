"""Server-rendered SVG charts: well-formed, accessible, escaped, proportional."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from backend.web.charts import Series, bar_chart, grouped_bar_chart, text_width
from backend.web.pages import yuan

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: Markup) -> ET.Element:
    return ET.fromstring(str(markup))


def rect_widths(root: ET.Element) -> list[float]:
    return [float(r.attrib["width"]) for r in root.iter(f"{SVG}rect")]


def test_bar_chart_is_markup_with_title_desc_and_aria() -> None:
    chart = bar_chart([("和平区", 150_000), ("河西区", 50_000)], title="各区认捐", formatter=yuan)
    assert isinstance(chart, Markup)
    root = parse(chart)
    assert root.attrib["role"] == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.text == "各区认捐"
    assert desc is not None and desc.text is not None
    assert "和平区 ¥1,500.00" in desc.text and "河西区 ¥500.00" in desc.text
    assert root.attrib["aria-labelledby"] == f"{title.attrib['id']} {desc.attrib['id']}"


def test_bars_are_proportional_and_values_formatted() -> None:
    root = parse(bar_chart([("甲", 400), ("乙", 100), ("丙", 0)], title="t", formatter=yuan))
    widths = rect_widths(root)
    assert widths[0] == pytest.approx(4 * widths[1], rel=0.01)
    assert widths[2] == 0
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "¥4.00" in texts and "¥1.00" in texts and "¥0.00" in texts


def test_negative_value_draws_empty_bar_but_keeps_its_label() -> None:
    root = parse(bar_chart([("退款", -500), ("捐赠", 1000)], title="t", formatter=yuan))
    assert rect_widths(root)[0] == 0
    assert "-¥5.00" in [t.text for t in root.iter(f"{SVG}text")]


def test_every_label_is_escaped() -> None:
    evil = '<script>alert("x")</script>&'
    for chart in (
        bar_chart([(evil, 1)], title=evil),
        bar_chart([(evil, 1)], title="t", orientation="vertical"),
        grouped_bar_chart([evil], [Series(evil, [1])], title=evil),
    ):
        assert "<script>" not in str(chart)
        assert "&lt;script&gt;" in str(chart)
        parse(chart)  # still well-formed XML


def test_vertical_orientation_heights_proportional() -> None:
    root = parse(bar_chart([("一月", 30), ("二月", 10)], title="t", orientation="vertical"))
    heights = [float(r.attrib["height"]) for r in root.iter(f"{SVG}rect")]
    assert heights[0] == pytest.approx(3 * heights[1], rel=0.01)


def test_unknown_orientation_rejected() -> None:
    with pytest.raises(ValueError, match="orientation"):
        bar_chart([("a", 1)], title="t", orientation="diagonal")


def test_empty_chart_says_so() -> None:
    root = parse(bar_chart([], title="各区认捐"))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["暂无数据"]
    root = parse(grouped_bar_chart([], [], title="每月", empty_text="本期无记录"))
    assert root.find(f"{SVG}desc") is not None
    assert [t.text for t in root.iter(f"{SVG}text")] == ["本期无记录"]


def test_grouped_chart_reads_every_value_and_has_legend() -> None:
    chart = grouped_bar_chart(
        ["2025-01", "2025-02"],
        [Series("认捐", [10_000, 20_000]), Series("拨付", [0, 5_000])],
        title="每月金额",
        formatter=yuan,
    )
    root = parse(chart)
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text is not None
    assert "2025-01：认捐 ¥100.00，拨付 ¥0.00" in desc.text
    assert "2025-02：认捐 ¥200.00，拨付 ¥50.00" in desc.text
    legend = [
        t.text
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "chart-legend"
        for t in g.iter(f"{SVG}text")
    ]
    assert legend == ["认捐", "拨付"]
    bars = [
        r
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "chart-group"
        for r in g.iter(f"{SVG}rect")
    ]
    heights = [float(r.attrib["height"]) for r in bars]
    assert heights == pytest.approx([90, 0, 180, 45], rel=0.01)
    tips = [t.text for r in bars for t in r.iter(f"{SVG}title")]
    assert "2025-02 拨付：¥50.00" in tips


def test_grouped_chart_rejects_misaligned_series() -> None:
    with pytest.raises(ValueError, match="认捐"):
        grouped_bar_chart(["a", "b"], [Series("认捐", [1])], title="t")


def test_same_data_renders_same_bytes_and_ids_differ_between_charts() -> None:
    one = bar_chart([("甲", 1)], title="一")
    assert one == bar_chart([("甲", 1)], title="一")
    two = bar_chart([("甲", 2)], title="一")
    assert (
        parse(one).find(f"{SVG}title").attrib["id"] != parse(two).find(f"{SVG}title").attrib["id"]
    )  # type: ignore[union-attr]


def test_long_label_shortened_but_full_in_tooltip() -> None:
    long = "天津市滨海新区某某街道某某社区居民委员会下属的一个很长的名称"
    root = parse(bar_chart([(long, 1)], title="t"))
    shown = next(t.text or "" for t in root.iter(f"{SVG}text"))
    assert shown.endswith("…") and text_width(shown) <= 160
    assert any(long in (t.text or "") for t in root.iter(f"{SVG}title"))


def test_text_width_counts_cjk_as_full_em() -> None:
    assert text_width("中文", 10) == 20
    assert text_width("ab", 10) == pytest.approx(12)
