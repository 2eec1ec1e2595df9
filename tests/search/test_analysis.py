"""The engine-neutral parts: Chinese analysis, highlighting, query parameters and plans."""

from __future__ import annotations

import importlib.util
from datetime import date
from typing import Any

import pytest

from bench.needs_generator import generate_needs
from search import chinese
from search.highlight import fold, highlight, within_one_edit
from search.index import ALLOWED_VALUES, FACETS, SORTS, InvalidQuery, SearchQuery
from search.plan import Term, make_plan, make_terms, region_filter
from tests.search.corpus import NEEDS

# -- analysis -------------------------------------------------------------------------------


def test_traditional_becomes_simplified() -> None:
    assert chinese.to_simplified("醫療費用 腎透析 學費 輪椅 心理疏導 助聽器") == (
        "医疗费用 肾透析 学费 轮椅 心理疏导 助听器"
    )
    assert chinese.query_words("醫療") == chinese.query_words("医疗") == ["医疗"]


def test_search_mode_finds_words_inside_words() -> None:
    tokens = chinese.index_tokens("每周需做三次血液透析，另一位做肾透析。")
    assert "透析" in tokens and "血液" in tokens
    assert set(chinese.index_tokens("白内障手术")) >= {"白内障", "内障", "手术"}


def test_every_query_word_of_a_text_is_among_its_index_tokens() -> None:
    """Why precise mode for queries works: the text itself, typed as a query, finds itself."""
    for need in NEEDS:
        for text in (need.title, need.story):
            assert set(chinese.query_words(text)) <= set(chinese.index_tokens(text)), text


def test_latin_digits_and_full_width_forms_are_folded() -> None:
    assert chinese.query_words("ＭＲＩ复查 ３０００元") == ["mri", "复查", "3000", "元"]
    assert chinese.query_words("CT检查") == ["ct", "检查"]


def test_operators_punctuation_and_stopwords_are_dropped() -> None:
    assert chinese.query_words('"透析" AND -轮椅 (的) 😀 title:学费*') == [
        "透析",
        "and",
        "轮椅",
        "title",
        "学费",
    ]
    assert chinese.query_words("的 了 和") == []


def test_an_overlong_query_word_is_cut_not_dropped() -> None:
    assert chinese.query_words("x" * 100) == ["x" * chinese.MAX_TOKEN_CHARS]
    assert chinese.index_tokens("x" * 100) == []


@pytest.mark.skipif(
    importlib.util.find_spec("rjieba") is None or importlib.util.find_spec("jieba") is None,
    reason="needs both rjieba and jieba to compare them",
)
def test_rjieba_cuts_exactly_like_jieba() -> None:
    """The fallback and the fast path must agree, or an index built by one misses the other."""
    fast_cut, fast_search = chinese._segmenters()
    slow_cut, slow_search = chinese._jieba_segmenters()
    texts = [n.title + n.story for n in NEEDS]
    texts += [n.title + n.story for n in generate_needs(300, seed=7)]
    texts += ["重庆市江北区观音桥街道", "泰安泰山区岱庙街道", "COVID 19 核酸检测 3 5万元"]
    for text in texts:
        cleaned = chinese.fold_for_tokens(text)
        assert fast_cut(cleaned) == slow_cut(cleaned)
        assert fast_search(cleaned) == slow_search(cleaned)


# -- highlighting ---------------------------------------------------------------------------


def terms(*words: str, prefix: bool = False, fuzzy: bool = False) -> list[Term]:
    return [Term(text=w, prefix=prefix, fuzzy=fuzzy) for w in words]


def test_fold_keeps_positions() -> None:
    for text in ["醫療費用ＭＲＩ", "İstanbul ß ﬁ", "①②③ ㎏", "普通文本"]:
        assert len(fold(text)) == len(text)
    assert fold("醫療ＭＲＩ") == "医疗mri"


def test_highlight_marks_escapes_and_merges() -> None:
    assert highlight("<b>血液透析</b>", terms("透析")) == "&lt;b&gt;血液<mark>透析</mark>&lt;/b&gt;"
    assert highlight("大学学费", terms("大学", "学费")) == "<mark>大学学费</mark>"
    assert highlight("需要醫療救助", terms("医疗")) == "需要<mark>醫療</mark>救助"


def test_latin_and_digits_match_whole_runs_only() -> None:
    assert highlight("doctor CT", terms("ct")) == "doctor <mark>CT</mark>"
    assert highlight("30000元和3000元", terms("3000")) == "30000元和<mark>3000</mark>元"
    assert highlight("做MRI复查", terms("mrl", fuzzy=True)) == "做<mark>MRI</mark>复查"
    assert highlight("做MRI复查", terms("mr", prefix=True)) == "做<mark>MRI</mark>复查"


def test_crop_keeps_the_first_match_in_view() -> None:
    text = "甲" * 300 + "助听器" + "乙" * 300
    out = highlight(text, terms("助听器"), crop=120)
    assert out.startswith("…") and out.endswith("…") and "<mark>助听器</mark>" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) == 122
    assert highlight("短文本", terms("x"), crop=120) == "短文本"
    assert highlight("丙" * 200, [], crop=120) == "丙" * 120 + "…"


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [("mri", "mrl", True), ("mri", "mir", True), ("mri", "mr", True), ("mri", "mrii", True),
     ("mri", "mri", True), ("mri", "ct", False), ("abcd", "badc", False), ("3000", "30000", True),
     ("", "a", True), ("ab", "", False)],
)  # fmt: skip
def test_within_one_edit(a: str, b: str, close: bool) -> None:
    assert within_one_edit(a, b) is close
    assert within_one_edit(b, a) is close


# -- query parameters and plans -------------------------------------------------------------


def test_params_parse_lists_and_ignore_empty_values() -> None:
    query = SearchQuery.from_params(
        {"q": "透析", "category": ["medical,care", "housing"], "kind": "", "region": "",
         "page": "2", "per_page": "50", "deadline_before": "2026-03-01", "min_remaining": "100"}
    )  # fmt: skip
    assert query.q == "透析" and query.page == 2 and query.per_page == 50
    assert [c.value for c in query.category or ()] == ["medical", "care", "housing"]
    assert query.kind is None and query.region is None
    assert query.deadline_before == date(2026, 3, 1) and query.min_remaining == 100
    assert query.facets == FACETS and query.sort == "relevance"


@pytest.mark.parametrize(
    ("params", "param", "allowed"),
    [
        ({"sort": "price"}, "sort", list(SORTS)),
        ({"category": "food"}, "category", ALLOWED_VALUES["category"]),
        ({"kind": ["money", "time"]}, "kind", ALLOWED_VALUES["kind"]),
        ({"urgency": "very"}, "urgency", ALLOWED_VALUES["urgency"]),
        ({"facets": "region"}, "facets", list(FACETS)),
        ({"status": "Published!"}, "status", None),
        ({"region": "12"}, "region", None),
        ({"page": "0"}, "page", None),
        ({"page": "two"}, "page", None),
        ({"per_page": "1000"}, "per_page", None),
        ({"min_remaining": "-1"}, "min_remaining", None),
        ({"deadline_before": "tomorrow"}, "deadline_before", None),
        ({"colour": "red"}, "colour", None),
    ],
)
def test_bad_params_name_the_parameter_and_what_it_allows(
    params: dict[str, Any], param: str, allowed: list[str] | None
) -> None:
    with pytest.raises(InvalidQuery) as caught:
        SearchQuery.from_params(params)
    assert caught.value.param == param
    if allowed is not None:
        assert caught.value.allowed == allowed
    assert caught.value.message


def test_unknown_parameter_lists_the_known_ones() -> None:
    with pytest.raises(InvalidQuery) as caught:
        SearchQuery.from_params({"order": "newest"})
    assert caught.value.allowed is not None and "sort" in caught.value.allowed


def test_terms_know_which_may_be_fuzzy_or_a_prefix() -> None:
    got = {t.text: (t.prefix, t.fuzzy) for t in make_terms("CT 3000元 12000 mri 透析")}
    assert got == {
        "ct": (False, False),
        "3000": (False, False),
        "元": (False, False),
        "12000": (False, True),
        "mri": (False, True),
        "透析": (True, False),
    }
    with pytest.raises(InvalidQuery):
        make_terms("字" * 201)


@pytest.mark.parametrize(
    ("code", "field", "value"),
    [
        ("500000000000", "province_code", "500000000000"),
        ("500100000000", "city_code", "500100000000"),
        ("500105000000", "district_code", "500105000000"),
        ("500105006000", "street_code", "500105006000"),
        ("500105006012", "street_code", "500105006000"),
    ],
)
def test_region_codes_filter_on_their_level(code: str, field: str, value: str) -> None:
    assert region_filter(code) == (field, value)


def test_plan_resolves_pages_and_relevance_without_words() -> None:
    plan = make_plan(SearchQuery(page=3, per_page=20))
    assert (plan.offset, plan.limit, plan.sort) == (40, 20, "urgency")
    assert make_plan(SearchQuery(q="透析")).sort == "relevance"
