"""The domain thesaurus: its data, its three kinds of entries, merging and removals."""

from __future__ import annotations

import pytest

from matching.thesaurus import (
    MAX_ENTRY_TERMS,
    Entry,
    Relation,
    Removal,
    ThesaurusInvalid,
    build,
    builtin,
    builtin_entries,
    make_entry,
    normalise_term,
    parse,
)

S, N, R = Relation.synonym, Relation.narrower, Relation.related


def test_the_built_in_vocabulary_covers_what_charities_search_for() -> None:
    thesaurus = builtin()
    assert len(builtin_entries()) >= 250 and len(thesaurus.terms()) >= 1000
    pairs = [
        ("血透", "透析", S), ("透析", "血液透析", S), ("尿毒症", "肾衰竭", S),
        ("肾衰竭", "肾功能衰竭", S), ("孤独症", "自闭症", S), ("脑瘫", "脑性瘫痪", S),
        ("轮椅", "助行器", R), ("助学", "教育", S), ("上学", "学费", N), ("看病", "医疗", S),
        ("过冬", "取暖", S), ("取暖", "电暖器", N), ("取暖", "煤", N), ("空巢", "独居", S),
        ("独居", "孤寡", S), ("五保户", "特困", S), ("复合维生素", "维生素", S),
    ]  # fmt: skip
    for a, b, relation in pairs:
        assert thesaurus.expand(a).get(b) == relation, (a, b)
    # One-way stays one-way: a heater need is not found by every warm-clothes search.
    assert "取暖" not in thesaurus.expand("电暖器")


def test_every_built_in_term_is_a_valid_term() -> None:
    for entry in builtin_entries():
        for term in (entry.head, *entry.terms):
            if term is not None:
                assert normalise_term(term) == term


def test_the_three_kinds_of_lines() -> None:
    entries = parse("# 注释\n甲 乙 丙\n\n宽 => 窄一 窄二  # 行尾注释\n~ 近 邻\n")
    assert entries == [
        Entry(S, ("甲", "乙", "丙")),
        Entry(N, ("窄一", "窄二"), "宽"),
        Entry(R, ("近", "邻")),
    ]
    assert [e.text() for e in entries] == ["甲 乙 丙", "宽 => 窄一 窄二", "~ 近 邻"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("甲 乙\n孤词\n", 2, "至少需要两个"),
        ("甲 乙\n一 二 => 三\n", 2, "左边应恰好一个词"),
        ("宽 =>\n", 1, "至少需要一个"),
        ("甲 乙，丙\n", 1, "只能包含汉字"),
        ("~ 甲\n", 1, "至少需要两个"),
    ],
)
def test_a_bad_line_is_named(text: str, line: int, message: str) -> None:
    with pytest.raises(ThesaurusInvalid) as caught:
        parse(text)
    assert caught.value.line == line and message in caught.value.message


def test_terms_are_normalised_and_checked() -> None:
    assert normalise_term(" ＣＴ检查 ") == "ct检查"
    for bad in ("", "  ", "字" * 21, "a b", "<b>", "透析!"):
        with pytest.raises(ThesaurusInvalid):
            normalise_term(bad)
    with pytest.raises(ThesaurusInvalid):
        make_entry(S, [f"词{i}" for i in range(MAX_ENTRY_TERMS + 1)])
    with pytest.raises(ThesaurusInvalid):
        make_entry(S, ["甲", "乙"], head="甲")
    assert make_entry(N, ["宽", "窄"], head="宽") == Entry(N, ("窄",), "宽")
    assert make_entry(S, ["甲", "甲", "乙"]) == Entry(S, ("甲", "乙"))


def test_merging_keeps_the_closer_relation_and_shares_through_synonyms() -> None:
    thesaurus = build(
        [
            Entry(S, ("癌症", "恶性肿瘤")),
            Entry(N, ("白血病", "肺癌"), "癌症"),
            Entry(R, ("癌症", "化疗")),
            Entry(S, ("化疗", "化学治疗")),
            Entry(R, ("癌症", "恶性肿瘤")),  # also synonyms: the closer relation wins
            Entry(S, ("肺癌", "肺部肿瘤")),
        ]
    )
    assert thesaurus.expand("癌症")["恶性肿瘤"] == S
    # A synonym's narrower and related terms: 恶性肿瘤 finds what 癌症 lists …
    assert thesaurus.expand("恶性肿瘤")["白血病"] == N and thesaurus.expand("恶性肿瘤")["化疗"] == R
    # … and a narrower or related term's synonyms, in the same relation.
    assert thesaurus.expand("癌症")["化学治疗"] == R and thesaurus.expand("癌症")["肺部肿瘤"] == N
    # One step only: no chain relates words nobody related.
    assert "肺部肿瘤" not in thesaurus.expand("恶性肿瘤")
    assert "癌症" not in thesaurus.expand("白血病")


def test_removals_take_relations_out_both_ways() -> None:
    entries = [Entry(S, ("透析", "血透", "洗肾")), Entry(N, ("洗肾",), "肾病")]
    assert "血透" not in build(entries, [Removal("透析", ("血透",))]).expand("透析")
    assert "透析" not in build(entries, [Removal("透析", ("血透",))]).expand("血透")
    cut = build(entries, [Removal("洗肾")])
    assert "洗肾" not in cut.expansions and "洗肾" not in cut.terms()
    assert cut.expand("透析") == {"血透": S}


def test_meilisearch_gets_each_term_and_what_it_finds() -> None:
    thesaurus = build([Entry(S, ("甲", "乙")), Entry(N, ("窄",), "甲")])
    assert thesaurus.synonyms() == {"乙": ["甲", "窄"], "甲": ["乙", "窄"]}
    assert thesaurus.size == 4
