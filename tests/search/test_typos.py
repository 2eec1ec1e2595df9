"""Chinese typo tolerance, query terms and their forms, fallbacks, did-you-mean, highlighting."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest

from matching.thesaurus import Entry, Relation, build, builtin
from search.chinese import query_chunks
from search.embedded import THESAURUS_FILE, EmbeddedIndex
from search.expansion import Expander
from search.highlight import highlight
from search.index import SearchQuery
from search.plan import FormKind, did_you_mean, make_terms, with_fallbacks
from search.typos import (
    corrections,
    lexicon_entries,
    pinyin_key,
    pinyin_keys,
    skeletons,
    suggestion,
)
from tests.search.corpus import documents


class DictLexicon:
    """A lexicon over a bag of words, as an index's term dictionary would be."""

    def __init__(self, words: Iterable[str]) -> None:
        self.counts = Counter(words)
        self.entries_ = sorted(Counter(lexicon_entries(self.counts)).items())

    def frequency(self, word: str) -> int:
        return self.counts.get(word, 0)

    def entries(self, prefix: str) -> list[tuple[str, int]]:
        return [
            (e, self.counts[e.split("|", 1)[1]]) for e, _ in self.entries_ if e.startswith(prefix)
        ]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("论椅", "轮椅"), ("学废", "学费"), ("房祖", "房租"), ("手述", "手术"), ("自闭证", "自闭症")],
)
def test_a_wrong_character_of_the_right_sound_has_the_same_key(typo: str, meant: str) -> None:
    assert pinyin_key(typo) == pinyin_key(meant)


def test_keys_ignore_tones_and_merge_the_sounds_input_methods_merge() -> None:
    assert pinyin_key("透析") == "touxi"
    assert pinyin_key("重庆") == "congqin"  # polyphone read in context, zh→z, -ing→-in
    assert pinyin_key("诊") == pinyin_key("枕") == pinyin_key("怎")  # zhen, zhen, zen
    assert pinyin_keys(["透析", "透析", "的", "ct", "手术"]) == ["touxi", "sousu"]


def test_skeletons_and_lexicon_entries() -> None:
    assert skeletons("透析") == ["?析", "透?"]
    assert lexicon_entries(["透析", "a", "透析", "透"]) == ["ptouxi|透析", "s?析|透析", "s透?|透析"]


def test_corrections_prefer_homophones_then_same_skeleton_words_by_frequency() -> None:
    lexicon = DictLexicon(["轮椅"] * 3 + ["学费", "透析", "透析", "骨折", "透明"])
    assert corrections("论椅", lexicon) == ["轮椅"]
    assert corrections("透折", lexicon) == ["透析", "透明", "骨折"]  # no homophone: skeletons
    assert corrections("透折", lexicon, substitutions=False) == []
    assert corrections("透", lexicon) == [] and corrections("abc", lexicon) == []


def test_suggestions_for_queries_that_found_nothing() -> None:
    lexicon = DictLexicon(["轮椅", "透析", "学费"])
    assert suggestion("lunyi", lexicon) == "轮椅"  # pinyin typed in letters
    assert suggestion("lunyii", lexicon) == "轮椅"  # one letter off
    assert suggestion("abc", lexicon) is None  # too short to be pinyin
    assert suggestion("透折", lexicon, merged=True) == "透析"
    assert suggestion("钢琴", lexicon) is None  # a word, not a typo


def test_query_terms_merge_pieces_that_read_as_one_mistyped_word() -> None:
    def texts(q: str) -> list[tuple[str, bool]]:
        return [(t.text, t.merged) for t in make_terms(q)]

    assert texts("论椅") == [("论椅", True)]
    assert texts("自闭证") == [("自闭证", True)]
    assert texts("宠物狗粮") == [("宠物狗粮", True)]
    assert texts("独居老人 取暖") == [("独居老人", False), ("取暖", False)]
    assert texts("轮椅和床") == [("轮椅", False), ("床", False)]  # a stopword separates
    assert query_chunks("轮椅和床，透析") == [["轮椅"], ["床"], ["透析"]]


def test_terms_carry_their_thesaurus_forms() -> None:
    [term] = make_terms("透析费用")
    kinds = {f.text: f.kind for f in term.forms()}
    assert kinds["透析费"] == FormKind.synonym
    compound = next(f for f in term.forms() if f.kind == FormKind.compound)
    assert compound.tokens == ("透析", "费用") and "血透" in compound.choices[0]
    [kidney] = make_terms("肾")  # the last word as typed so far: what 肾衰竭 … find
    assert "尿毒症" in {f.text for f in kidney.forms()}
    [typed] = make_terms("血透", Expander(build([Entry(Relation.synonym, ("血透", "甲乙"))])))
    assert [f.text for f in typed.expansions] == ["甲乙"]


def test_fallbacks_correct_runs_that_are_no_word_but_not_words() -> None:
    lexicon = DictLexicon(["钢板", "轮椅", "孤独症"])
    expander = Expander(builtin())
    [piano] = with_fallbacks(make_terms("钢琴"), lexicon, expander)
    assert piano.fallbacks == ()  # 钢板 is the same skeleton, but 钢琴 is a word
    [chair] = with_fallbacks(make_terms("论椅"), lexicon, expander)
    assert (chair.fallbacks[0].text, chair.fallbacks[0].kind) == ("轮椅", FormKind.typo)
    # Corrected to a thesaurus word no need holds (自闭症), found through its synonym.
    [autism] = with_fallbacks(make_terms("自闭证"), lexicon, expander)
    assert "孤独症" in {f.text for f in autism.fallbacks}
    assert did_you_mean(make_terms("lunyi 透析"), DictLexicon(["轮椅", "透析"])) == "轮椅 透析"
    assert did_you_mean(make_terms("透析"), DictLexicon(["透析"])) is None


def test_highlighting_marks_synonyms_and_corrections() -> None:
    lexicon = DictLexicon(["轮椅"])
    [chair] = with_fallbacks(make_terms("论椅"), lexicon, Expander(builtin()))
    assert highlight("需要一台轮椅", [chair]) == "需要一台<mark>轮椅</mark>"
    [dialysis] = make_terms("血透")
    assert highlight("每周血液透析三次", [dialysis]) == "每周<mark>血液透析</mark>三次"


async def test_the_embedded_thesaurus_is_a_file_every_instance_follows(tmp_path: Path) -> None:
    first, second = EmbeddedIndex(tmp_path / "needs"), EmbeddedIndex(tmp_path / "needs")
    await first.upsert(documents())
    assert (await second.search(SearchQuery(q="助残车"))).total == 0
    await first.set_thesaurus(build([Entry(Relation.synonym, ("轮椅", "助残车"))]))
    found = await second.search(SearchQuery(q="助残车"))
    assert {h.document.id for h in found.hits} >= {"c-wheelchair-old", "c-wheelchair-child"}
    assert (await second.search(SearchQuery(q="血透"))).total == 0  # only what was set
    (tmp_path / "needs" / THESAURUS_FILE).write_text("not json", "utf-8")
    assert (await second.search(SearchQuery(q="血透"))).total == 3  # unreadable: built-in
    (tmp_path / "needs" / THESAURUS_FILE).unlink()
    assert (await second.search(SearchQuery(q="助残车"))).total == 0
    await first.close()
    await second.close()
