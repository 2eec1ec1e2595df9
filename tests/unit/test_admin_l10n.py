"""piccolo-admin's bundle in Chinese: every rewrite finds its text in the pinned bundle, and a
bundle that changed under a rewrite stops the app instead of showing English."""

from __future__ import annotations

import re

import pytest

from admin import l10n
from admin.page import localise_page

TEMPLATE = (l10n.DIST / "index.html").read_text(encoding="utf-8")
SOURCE = (l10n.DIST / "assets" / l10n.bundle_name(TEMPLATE)).read_text(encoding="utf-8")


@pytest.mark.parametrize("rewrite", l10n.REWRITES, ids=lambda r: r.old[:40])
def test_each_rewrite_finds_its_text(rewrite: l10n.Rewrite) -> None:
    found = (
        len(re.findall(rewrite.old, SOURCE, flags=re.S))
        if rewrite.pattern
        else SOURCE.count(rewrite.old)
    )
    assert found == rewrite.count


def test_the_localised_bundle_has_none_of_the_english_it_replaced() -> None:
    name, body = l10n.localised_bundle(TEMPLATE, {"app_user": "用户账号"})
    text = body.decode()
    assert name.startswith("index-") and text.startswith("const __aidbridgeTables=")
    for english in (
        "The form has errors.",
        "Successfully saved row",
        '" True "',
        '" All "',
        'label:"Equals"',
        "Type here to filter",
        " field - ",
        "tz.names()",
    ):
        assert english not in text, english


def test_a_changed_bundle_stops_the_app() -> None:
    changed = SOURCE.replace('"The form has errors."', '"Please check the form."')
    with pytest.raises(l10n.BundleChanged, match="The form has errors"):
        l10n.localise(changed, {})
    with pytest.raises(l10n.BundleChanged, match="index-"):
        l10n.bundle_name("<html></html>")


def test_the_page_is_chinese_and_loads_no_inline_script() -> None:
    page = localise_page(TEMPLATE, "救助衔接平台 · 后台管理")
    assert '<html lang="zh-CN">' in page and "<title>救助衔接平台 · 后台管理</title>" in page
    assert "We're sorry" not in page and "<script>" not in page
    assert '<script src="/static/admin-login.js"></script>' in page
    with pytest.raises(l10n.BundleChanged):
        localise_page(page, "x")  # already rewritten: the English it looks for is gone
