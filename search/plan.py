"""A search query checked and turned into engine-neutral terms, filters and sort keys.

Both engines start from the same ``Plan``, so they agree on what a query means.

Words: each term of a query may be found in several *forms*: as typed (exact, or as a prefix
of a longer word for the last one), through the thesaurus (synonyms, narrower and related
terms), as the words a compound is made of (透析费用 as 透析 and 费用), and, when it finds
nothing itself, through typo corrections and its parts (fallbacks, which only the engine can
add: they depend on the words it holds). Each form has a weight
(``FORM_WEIGHTS``): a need matching more terms ranks first, then the closer its matches are to
the words as typed, as Meilisearch's ``words``, ``typo`` and ``exactness`` rules rank; a need
matching only some terms is ranked lower, not dropped.

A run of single characters typed together (论椅, which the segmenter cuts into 论 and 椅 as it
knows no such word), or a lone character beside a word (自闭证 → 自闭 + 证), is one term: the
pieces are searched together (as a phrase) and the whole is offered for correction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from functools import lru_cache

from matching.regions import InvalidRegionCode, level_of
from matching.thesaurus import Relation, builtin
from search.chinese import general_words, is_han, is_latin_or_digits, query_chunks
from search.expansion import Expander, Expansion
from search.index import MAX_QUERY_CHARS, Facet, InvalidQuery, SearchQuery, Sort
from search.typos import Lexicon, Lexicons, correctable, corrections, suggestion

#: A region code filters on the field of its own level; a community narrows to its street,
#: as no need is placed below a street.
REGION_FIELDS = {1: "province_code", 2: "city_code", 3: "district_code", 4: "street_code"}

#: Latin words this long tolerate one typo (MRl → MRI); digit runs from the length at which
#: Meilisearch starts tolerating typos, so that amounts like 3000 stay exact on both engines.
FUZZY_MIN_LATIN = 3
FUZZY_MIN_DIGITS = 5
#: Most characters a run of pieces may have to be taken as one mistyped word.
MAX_MERGED_CHARS = 4
#: The last word, if this short, also brings the thesaurus terms of the words it begins.
MAX_PREFIX_KEY_CHARS = 2
MAX_PREFIX_ENTRIES = 8


class FormKind(StrEnum):
    exact = "exact"
    prefix = "prefix"
    synonym = "synonym"
    narrower = "narrower"
    related = "related"
    typo = "typo"
    compound = "compound"
    part = "part"


#: Weight of a match in each form, against 1 for the word as typed.
FORM_WEIGHTS: dict[FormKind, float] = {
    FormKind.exact: 1.0,
    FormKind.synonym: 0.8,
    FormKind.narrower: 0.7,
    FormKind.prefix: 0.5,
    FormKind.related: 0.5,
    FormKind.typo: 0.5,
    FormKind.compound: 0.9,
    FormKind.part: 0.3,
}
#: How much less each further correction of a word weighs than the one before.
RANK_DISCOUNT = 0.15
_RELATION_FORMS = {
    Relation.synonym: FormKind.synonym,
    Relation.narrower: FormKind.narrower,
    Relation.related: FormKind.related,
}


@dataclass(frozen=True, slots=True)
class Form:
    """One way a term may be found: a text (what highlighting marks) and the analysed tokens
    that must all be in the need."""

    text: str
    tokens: tuple[str, ...]
    kind: FormKind
    #: Among corrections, 0 for the likeliest: each later one weighs a little less.
    rank: int = 0
    #: A further factor: a correction's synonym weighs as a correction times a synonym.
    scale: float = 1.0
    #: Several tokens: side by side in this order (a phrase), or each anywhere in the need.
    together: bool = True
    #: For the parts of a compound (``together`` false): the tokens each part may be found as,
    #: itself or a synonym (透析费用: 透析 or 血透 …, and 费用).
    choices: tuple[tuple[str, ...], ...] = ()

    @property
    def marks(self) -> tuple[str, ...]:
        """What highlighting marks for this form."""
        return (self.text, *(token for part in self.choices for token in part))

    @property
    def weight(self) -> float:
        return FORM_WEIGHTS[self.kind] * (1 - RANK_DISCOUNT * self.rank) * self.scale


@dataclass(frozen=True, slots=True)
class Term:
    """One term of the query and the forms it may be found in."""

    text: str
    #: The last word matches as a prefix too, as in search-as-you-type (肾 → 肾病).
    prefix: bool = False
    #: Latin words and long digit runs match within one typo.
    fuzzy: bool = False
    #: The analysed tokens of the text as typed (several for a merged run); () means (text,).
    tokens: tuple[str, ...] = ()
    #: What the thesaurus adds.
    expansions: tuple[Form, ...] = ()
    #: Typed as one word but cut into pieces, so probably mistyped: corrections are sought.
    merged: bool = False
    #: Corrections and parts, added by an engine (``with_fallbacks``) when nothing else finds.
    fallbacks: tuple[Form, ...] = ()

    @property
    def exact(self) -> Form:
        return Form(self.text, self.tokens or (self.text,), FormKind.exact)

    def forms(self) -> tuple[Form, ...]:
        return (self.exact, *self.expansions, *self.fallbacks)


@lru_cache(maxsize=1)
def builtin_expander() -> Expander:
    return Expander(builtin())


def _merge_end(words: list[str], start: int) -> int:
    """Where a run of pieces that reads as one mistyped word ends (``start + 1``: none).

    Two or more single characters in a row (论 椅), or one glued to a word before or after it
    (自闭 证, 宠物狗 粮), within ``MAX_MERGED_CHARS``.
    """

    def single(i: int) -> bool:
        return i < len(words) and len(words[i]) == 1 and is_han(words[i])

    def word(i: int) -> bool:
        return i < len(words) and len(words[i]) > 1 and all(is_han(c) for c in words[i])

    end = start
    while single(end) and end - start < MAX_MERGED_CHARS:
        end += 1
    if end - start >= 2:
        return end
    glued = (single(start) and word(start + 1)) or (word(start) and single(start + 1))
    short = glued and len(words[start]) + len(words[start + 1]) <= MAX_MERGED_CHARS
    return start + 2 if short and not single(start + 2) else start + 1


def _compound_form(text: str, tokens: tuple[str, ...], expander: Expander) -> tuple[Form, ...]:
    """A compound as the words it is made of, each anywhere in the need, as itself or a
    synonym: 透析费用 is found in a need about 血透 that speaks of 费用 elsewhere. Only when
    every part is a word of two characters or more: single characters match almost anything."""
    if len(text) < 3 or not all(is_han(c) for c in text):
        return ()
    parts = tuple(general_words(text))
    if len(parts) < 2 or any(len(p) < 2 for p in parts) or parts == tokens:
        return ()
    choices = tuple(
        (part, *(e.tokens[0] for e in expander.expansions(part) if _one_synonym(e)))
        for part in parts
    )
    return (Form(text, parts, FormKind.compound, together=False, choices=choices),)


def _one_synonym(expansion: Expansion) -> bool:
    return expansion.relation == Relation.synonym and len(expansion.tokens) == 1


def make_terms(q: str, expander: Expander | None = None) -> tuple[Term, ...]:
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidQuery("q", f"搜索词不能超过 {MAX_QUERY_CHARS} 个字符")
    expander = expander or builtin_expander()
    spans: list[tuple[str, tuple[str, ...], bool]] = []
    for words in query_chunks(q):
        i = 0
        while i < len(words):
            width = expander.longest_entry(words, i)
            run = _merge_end(words, i) - i
            merged = run > max(width, 1)  # 自闭 + 证 is one mistyped word, not 自闭 then 证
            if merged or not width:
                width = run
            piece = tuple(words[i : i + width])
            spans.append(("".join(piece), piece, merged))
            i += width
    seen: set[str] = set()
    terms: list[Term] = []
    for position, (text, tokens, merged) in enumerate(spans):
        if text in seen:
            continue
        seen.add(text)
        last = position == len(spans) - 1
        latin = is_latin_or_digits(text)
        if latin and text.isdigit():
            fuzzy = len(text) >= FUZZY_MIN_DIGITS
        else:
            fuzzy = latin and len(text) >= FUZZY_MIN_LATIN
        expansions = tuple(
            Form(e.text, e.tokens, _RELATION_FORMS[e.relation]) for e in expander.expansions(text)
        )
        if not merged:
            expansions = _compound_form(text, tokens, expander) + expansions
        typing = last and not merged and is_han(text) and len(text) <= MAX_PREFIX_KEY_CHARS
        if typing:  # 肾 as typed so far: what 肾衰竭, 肾病 … find (尿毒症) is found too
            for key in expander.longer_entries(text, MAX_PREFIX_ENTRIES):
                expansions += tuple(_expanded(key, FormKind.prefix, expander))
        expansions = _distinct(expansions, text)
        terms.append(
            Term(
                text=text,
                prefix=last and not merged and not text.isdigit() and (is_han(text) or latin),
                fuzzy=fuzzy,
                tokens=tokens if len(tokens) > 1 else (),
                expansions=expansions,
                merged=merged,
            )
        )
    return tuple(terms)


def _found(form: Form, lexicon: Lexicon) -> bool:
    if form.choices:
        return all(any(lexicon.frequency(t) > 0 for t in part) for part in form.choices)
    return all(lexicon.frequency(token) > 0 for token in form.tokens)


def _distinct(forms: tuple[Form, ...], own: str) -> tuple[Form, ...]:
    """One form per text and tokens, the weightiest; none that is the word itself again."""
    best: dict[tuple[str, tuple[str, ...]], Form] = {}
    for form in forms:
        key = (form.text, form.tokens)
        if form.tokens == (own,) or (key in best and best[key].weight >= form.weight):
            continue
        best[key] = form
    return tuple(best.values())


def _expanded(word: str, kind: FormKind, expander: Expander, rank: int = 0) -> list[Form]:
    """A fallback's own thesaurus terms, weighed as the fallback times their relation."""
    return [
        Form(e.text, e.tokens, kind, rank, scale=FORM_WEIGHTS[_RELATION_FORMS[e.relation]])
        for e in expander.expansions(word)
    ]


def with_fallbacks(
    terms: tuple[Term, ...], lexicon: Lexicon, expander: Expander | None = None
) -> tuple[Term, ...]:
    """The terms, each that finds nothing in ``lexicon`` given its typo corrections.

    A merged run is no word (论椅), so it is always offered its corrections, homophones first
    and else same-skeleton words (透折 → 透析), among the index's words and the thesaurus's
    (自闭证 → 自闭症, which a need may only hold as its synonym 孤独症), and its parts of two
    characters or more at a low weight (防褥疮 → 褥疮). A word the segmenter knows that no need
    holds (钢琴) is offered homophones the index holds only: being a word, it was more likely
    meant as typed, and a same-skeleton word (钢板) or a thesaurus word no need holds (游艇 →
    油汀) would be a guess.
    """
    expander = expander or builtin_expander()
    out = []
    for term in terms:
        if not term.merged and (
            not correctable(term.text)
            or any(_found(form, lexicon) for form in (term.exact, *term.expansions))
        ):
            out.append(term)
            continue
        fallbacks: list[Form] = []
        words = Lexicons(lexicon, expander.lexicon) if term.merged else lexicon
        found = corrections(term.text, words, substitutions=term.merged)
        for rank, word in enumerate(found):
            fallbacks.append(Form(word, (word,), FormKind.typo, rank))
            fallbacks += _expanded(word, FormKind.typo, expander, rank)
        if term.merged:
            for token in (t for t in term.tokens if len(t) >= 2):
                fallbacks.append(Form(token, (token,), FormKind.part))
                fallbacks += _expanded(token, FormKind.part, expander)
        kept = _distinct(tuple(f for f in fallbacks if _found(f, lexicon)), term.text)
        out.append(replace(term, fallbacks=kept) if kept else term)
    return tuple(out)


def did_you_mean(terms: tuple[Term, ...], lexicon: Lexicon) -> str | None:
    """For a query that found nothing: the query with each word no need holds replaced by
    the word it was probably meant to be (``search.typos.suggestion``), or ``None``."""
    words, changed = [], False
    for term in terms:
        better = None
        if not lexicon.frequency(term.text):
            better = suggestion(term.text, lexicon, merged=term.merged)
        words.append(better or term.text)
        changed = changed or better is not None
    return " ".join(words) if changed else None


@dataclass(frozen=True, slots=True)
class Plan:
    terms: tuple[Term, ...]
    region: tuple[str, str] | None
    category: tuple[str, ...]
    kind: tuple[str, ...]
    urgency: tuple[str, ...]
    status: tuple[str, ...]
    min_remaining: int | None
    max_remaining: int | None
    deadline_before: date | None
    #: The order actually applied: "relevance" without words means "urgency".
    sort: Sort
    offset: int
    limit: int
    facets: tuple[Facet, ...]


def region_filter(code: str) -> tuple[str, str]:
    """(field, value) that a region code filters on."""
    try:
        level = level_of(code)
    except InvalidRegionCode:
        raise InvalidQuery("region", "地区代码无效") from None
    if level == 5:
        return "street_code", code[:9] + "000"
    return REGION_FIELDS[level], code


def make_plan(query: SearchQuery, expander: Expander | None = None) -> Plan:
    """Check what the model cannot, and resolve the query into a ``Plan``."""
    if (
        query.min_remaining is not None
        and query.max_remaining is not None
        and query.min_remaining > query.max_remaining
    ):
        raise InvalidQuery("max_remaining", "最高金额不能低于最低金额")
    terms = make_terms(query.q, expander)
    sort: Sort = "urgency" if query.sort == "relevance" and not terms else query.sort
    return Plan(
        terms=terms,
        region=region_filter(query.region) if query.region else None,
        category=tuple(c.value for c in query.category or ()),
        kind=tuple(k.value for k in query.kind or ()),
        urgency=tuple(u.value for u in query.urgency or ()),
        status=tuple(query.status or ()),
        min_remaining=query.min_remaining,
        max_remaining=query.max_remaining,
        deadline_before=query.deadline_before,
        sort=sort,
        offset=(query.page - 1) * query.per_page,
        limit=query.per_page,
        facets=query.facets,
    )
