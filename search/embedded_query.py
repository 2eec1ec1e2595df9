"""What the embedded engine indexes for a need, and the tantivy query a plan becomes.

Fields (text is analysed in Python, ``search.chinese``, and indexed as space-separated tokens):

- ``title_t``, ``label_t`` (category, kind and urgency labels: chosen by staff, as telling
  as a title), ``item_t`` (goods items and service type), ``place_t`` (region names at every
  level), ``story_t``: search-mode tokens with their frequencies, weighted in that order;
- ``text_p``: the same texts in precise-mode tokens with positions, for phrases (a term typed
  as several pieces, or a thesaurus term of several words) and for the proximity boost;
- ``lex``: the lexicon, ``p<pinyin key>|word`` and ``s<skeleton>|word`` for each word, so that
  typo corrections are read from the term dictionary (``search.typos``).

Scoring follows the plan's rules (``search.plan``): every term matched adds a constant, so a
need matching more terms always ranks first; then each term adds more the closer its best
form is to the word as typed (exact, synonym … typo); BM25 over the weighted fields and
forms orders needs that match alike, and two adjacent query words found side by side add a
little more.
"""

from __future__ import annotations

from itertools import pairwise

import tantivy

from search.chinese import analyse, is_latin_or_digits
from search.documents import NeedDocument
from search.plan import FORM_WEIGHTS, Form, FormKind, Plan, Term
from search.typos import lexicon_entries

#: Searched text fields and their weight in relevance.
TEXT_FIELDS: dict[str, float] = {
    "title_t": 3.0,
    "label_t": 3.0,
    "item_t": 2.5,
    "place_t": 2.0,
    "story_t": 1.0,
}
_TOP_FIELD = max(TEXT_FIELDS.values())
PHRASE_FIELD = "text_p"
PHRASE_WEIGHT = 2.0
#: A phrase may be in any text, title or story: weighed between the two.
_PHRASE_SHARE = PHRASE_WEIGHT / _TOP_FIELD
LEXICON_FIELD = "lex"
#: Exact-value fields: filters and facets.
KEYWORD_FIELDS = (
    "category",
    "kind",
    "urgency",
    "status",
    "province_code",
    "city_code",
    "district_code",
    "street_code",
)
INT_FIELDS = (
    "remaining_fen",
    "deadline_day",
    "sort_urgency",
    "sort_deadline",
    "sort_newest",
    "sort_remaining",
)
#: What matching a term adds: far above what BM25 adds, so that the number of terms matched
#: decides the order first; then how well each matched, by its best form's weight (the word as
#: typed 1, a synonym 0.8 … a typo 0.5) times its field's share of the title's weight, so a
#: word in a title beats it in a story, and typo and related matches rank below exact ones.
MATCHED = 1000.0
QUALITY = 300.0
#: A term in more than this share of needs is too common to make a need a match on its own
#: (需要, 家庭, 困难); from this many needs on, where shares mean something.
COMMON_SHARE = 0.25
COMMON_MIN_NEEDS = 50
#: Most index terms a prefix expands to, per field, the most frequent first.
MAX_PREFIX_TERMS = 50
#: Words apart (at most) for two adjacent query words to earn the proximity boost.
PROXIMITY_SLOP = 2

_U32 = 2**32 - 1
_U20 = 2**20 - 1


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=False, fast=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        # No positions: search-mode tokens overlap, so phrases are matched on text_p.
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field(PHRASE_FIELD, tokenizer_name="whitespace", index_option="position")
    builder.add_text_field(LEXICON_FIELD, tokenizer_name="whitespace", index_option="basic")
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    for name in INT_FIELDS:
        builder.add_integer_field(name, indexed=True, fast=True)
    builder.add_bytes_field("doc", stored=True)
    return builder.build()


SCHEMA = build_schema()


def sort_keys(doc: NeedDocument) -> dict[str, int]:
    """Integer keys that order like the multi-key sorts, newest first among equals.

    deadline: day << 32 | (newest first); urgency: (urgent 0, else 1) << 52 | deadline key;
    remaining: fen << 20 | hours. Each part is clamped to its bits.
    """
    published = min(max(doc.published_ts, 0), _U32)
    deadline_day = doc.deadline.toordinal()
    by_deadline = (deadline_day << 32) | (_U32 - published)
    urgent = 0 if doc.urgency == "urgent" else 1
    return {
        "deadline_day": deadline_day,
        "sort_deadline": by_deadline,
        "sort_urgency": (urgent << 52) | by_deadline,
        "sort_newest": published,
        "sort_remaining": (min(doc.remaining_fen, 2**42 - 1) << 20)
        | min(doc.remaining_hours, _U20),
    }


_SHARED: dict[str, tuple[list[str], list[str]]] = {}


def _shared(text: str) -> tuple[list[str], list[str]]:
    """Labels and region names repeat across needs: analysed once each."""
    found = _SHARED.get(text)
    if found is None:
        if len(_SHARED) > 4096:
            _SHARED.clear()
        found = _SHARED[text] = analyse(text)
    return found


def to_tantivy(doc: NeedDocument) -> tantivy.Document:
    """The indexed form of a document; the document itself is stored as JSON beside it."""
    out = tantivy.Document()
    out.add_text("id", doc.id)
    texts = doc.search_texts()
    title, items, story = analyse(texts["title"]), analyse(texts["items"]), analyse(texts["story"])
    labels, places = _shared(texts["labels"]), _shared(texts["places"])
    fields = {
        "title_t": title,
        "item_t": items,
        "label_t": labels,
        "place_t": places,
        "story_t": story,
    }
    for name, (search_mode, _) in fields.items():
        out.add_text(name, " ".join(search_mode))
    for _, precise in (title, items, story, labels, places):
        out.add_text(PHRASE_FIELD, " ".join(precise))
    words = set(title[0]).union(items[0], story[0], labels[0], places[0])
    out.add_text(LEXICON_FIELD, " ".join(lexicon_entries(words)))
    for name in KEYWORD_FIELDS:
        value = getattr(doc, name)
        if value is not None:
            out.add_text(name, str(value))
    out.add_integer("remaining_fen", doc.remaining_fen)
    for name, value in sort_keys(doc).items():
        out.add_integer(name, value)
    out.add_bytes("doc", doc.model_dump_json().encode())
    return out


class IndexLexicon:
    """The words of the index (``search.typos.Lexicon``), read from one searcher."""

    def __init__(self, searcher: tantivy.Searcher) -> None:
        self._searcher = searcher
        self._counts: dict[str, int] = {}

    def frequency(self, word: str) -> int:
        """Needs holding ``word`` in their most common field (cached for this search)."""
        count = self._counts.get(word)
        if count is None:
            count = max(self._searcher.doc_freq(name, word) for name in TEXT_FIELDS)
            self._counts[word] = count
        return count

    def entries(self, prefix: str) -> list[tuple[str, int]]:
        return list(self._searcher.terms_with_prefix(LEXICON_FIELD, prefix))


def _prefix_terms(searcher: tantivy.Searcher, field_name: str, prefix: str) -> list[str]:
    """Index terms that start with ``prefix`` (itself excluded), most frequent first.

    Read from the term dictionary (tens of µs); a regex query would compile an automaton for
    every field of every query, about 0.5 ms each.
    """
    found = searcher.terms_with_prefix(field_name, prefix, limit=MAX_PREFIX_TERMS + 1)
    return [term for term, _ in found if term != prefix][:MAX_PREFIX_TERMS]


Q = tantivy.Query
SHOULD, MUST = tantivy.Occur.Should, tantivy.Occur.Must


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    return queries[0] if len(queries) == 1 else Q.boolean_query([(SHOULD, q) for q in queries])


#: Where the parts of a compound are looked for: what staff wrote, not the labels and places.
WRITTEN_FIELDS = ("title_t", "item_t", "story_t")


def _written(tokens: tuple[str, ...], fields: tuple[str, ...] = WRITTEN_FIELDS) -> tantivy.Query:
    """Any of these tokens in these fields; scored as a constant, as the compound form's
    value is in finding, and BM25 over a part as common as 老人 costs more than it tells."""
    found = [_tokens_in(name, list(tokens)) for name in fields]
    return Q.const_score_query(_any(found), 0.0)


def _parts_ways(form: Form) -> list[tuple[tantivy.Query, float]]:
    """The parts of a compound all in one written field, weighed as that field (透析 and 费用
    in a title count as a title match), or spread over several, weighed as a story."""
    parts = form.choices or tuple((t,) for t in form.tokens)
    ways = [
        (
            Q.boolean_query([(MUST, _written(part, (name,))) for part in parts]),
            form.weight * TEXT_FIELDS[name] / _TOP_FIELD,
        )
        for name in WRITTEN_FIELDS
    ]
    spread = Q.boolean_query([(MUST, _written(part)) for part in parts])
    return [*ways, (spread, form.weight * TEXT_FIELDS["story_t"] / _TOP_FIELD)]


def _phrase_or_parts(form: Form) -> tantivy.Query:
    """A form of several tokens: a phrase (side by side, in order) on ``text_p``, or, for
    the parts of a compound, each part anywhere in what staff wrote."""
    if form.together:
        words: list[str | tuple[int, str]] = list(form.tokens)
        return Q.phrase_query(SCHEMA, PHRASE_FIELD, words)
    parts = form.choices or tuple((t,) for t in form.tokens)
    return Q.boolean_query([(MUST, _written(part)) for part in parts])


def _ways(term: Term, searcher: tantivy.Searcher) -> list[tuple[tantivy.Query, float]]:
    """Every way one term may be found, each with its weight (form × field: 1 for the word as
    typed in a title). Single tokens of equal weight go into one term-set query per field, so
    that a term with forty thesaurus forms costs a handful of queries, not two hundred."""
    ways: list[tuple[tantivy.Query, float]] = []
    by_weight: dict[float, list[str]] = {}
    for form in term.forms():
        if len(form.tokens) == 1:
            by_weight.setdefault(round(form.weight, 6), []).append(form.tokens[0])
        elif form.together:
            ways.append((_phrase_or_parts(form), form.weight * _PHRASE_SHARE))
        else:
            ways += _parts_ways(form)
    prefix_weight, typo_weight = FORM_WEIGHTS[FormKind.prefix], FORM_WEIGHTS[FormKind.typo]
    for name, boost in TEXT_FIELDS.items():
        share = boost / _TOP_FIELD
        for weight, tokens in by_weight.items():
            ways.append((_tokens_in(name, tokens), weight * share))
        if term.prefix and (longer := _prefix_terms(searcher, name, term.text)):
            ways.append((_tokens_in(name, longer), prefix_weight * share))
        if term.fuzzy:
            fuzzy = Q.fuzzy_term_query(SCHEMA, name, term.text, distance=1)
            ways.append((fuzzy, typo_weight * share))
    return ways


def _tokens_in(name: str, tokens: list[str]) -> tantivy.Query:
    """Any of the tokens in one field. A boolean of term queries: tantivy's term-set query
    walks the term dictionary with an automaton, many times slower for a few terms."""
    return _any([Q.term_query(SCHEMA, name, token) for token in tokens])


def _as_typed(term: Term) -> tantivy.Query:
    """BM25 of the term as typed, over the weighted fields: orders needs matched alike."""
    exact = term.exact
    if len(exact.tokens) > 1:
        return Q.boost_query(_phrase_or_parts(exact), PHRASE_WEIGHT)
    return _any(
        [
            Q.boost_query(Q.term_query(SCHEMA, name, exact.tokens[0]), boost)
            for name, boost in TEXT_FIELDS.items()
        ]
    )


def _term_query(term: Term, searcher: tantivy.Searcher) -> tantivy.Query:
    """``MATCHED`` for being found at all, plus ``QUALITY`` times the best way it was found,
    plus the BM25 of the term as typed."""
    best = Q.disjunction_max_query(
        [
            Q.const_score_query(query, MATCHED + QUALITY * weight)
            for query, weight in _ways(term, searcher)
        ]
    )
    return Q.boolean_query([(SHOULD, best), (SHOULD, _as_typed(term))])


def _proximity(terms: tuple[Term, ...]) -> list[tantivy.Query]:
    """Phrase boosts for adjacent query words of one token each (独居 老人 side by side)."""
    boosts = []
    for a, b in pairwise(terms):
        if len(a.exact.tokens) == 1 and len(b.exact.tokens) == 1:
            pair: list[str | tuple[int, str]] = [a.exact.tokens[0], b.exact.tokens[0]]
            boosts.append(Q.phrase_query(SCHEMA, PHRASE_FIELD, pair, slop=PROXIMITY_SLOP))
    return boosts


def _common(term: Term, lexicon: IndexLexicon, needs: int) -> bool:
    if needs < COMMON_MIN_NEEDS or len(term.exact.tokens) != 1 or is_latin_or_digits(term.text):
        return False
    return lexicon.frequency(term.text) > COMMON_SHARE * needs


def text_query(
    plan: Plan, searcher: tantivy.Searcher, lexicon: IndexLexicon
) -> tantivy.Query | None:
    """Needs matching any term, at least one that is not common when there is one."""
    if not plan.terms:
        return None
    needs = searcher.num_docs
    rare: list[tantivy.Query] = []
    common: list[tantivy.Query] = []
    for term in plan.terms:
        (common if _common(term, lexicon, needs) else rare).append(_term_query(term, searcher))
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    if rare and common:
        clauses.append((MUST, _any(rare)))
    else:
        clauses += [(SHOULD, q) for q in rare]
    clauses += [(SHOULD, q) for q in common]
    clauses += [(SHOULD, q) for q in _proximity(plan.terms)]
    return Q.boolean_query(clauses)


def filter_query(plan: Plan) -> tantivy.Query | None:
    """The filters, all required, scoring nothing so they never sway relevance."""
    clauses: list[tantivy.Query] = []
    if plan.region:
        clauses.append(Q.term_query(SCHEMA, plan.region[0], plan.region[1]))
    for name in ("category", "kind", "urgency", "status"):
        values: tuple[str, ...] = getattr(plan, name)
        if len(values) == 1:
            clauses.append(Q.term_query(SCHEMA, name, values[0]))
        elif values:
            clauses.append(Q.term_set_query(SCHEMA, name, list(values)))
    if plan.min_remaining is not None or plan.max_remaining is not None:
        clauses.append(
            Q.range_query(
                SCHEMA,
                "remaining_fen",
                tantivy.FieldType.Integer,
                plan.min_remaining,
                plan.max_remaining,
            )
        )
    if plan.deadline_before is not None:
        day = plan.deadline_before.toordinal()
        clauses.append(Q.range_query(SCHEMA, "deadline_day", tantivy.FieldType.Integer, None, day))
    if not clauses:
        return None
    combined = Q.boolean_query([(MUST, c) for c in clauses])
    return Q.const_score_query(combined, 0.0)


def build_query(plan: Plan, searcher: tantivy.Searcher, lexicon: IndexLexicon) -> tantivy.Query:
    text, filters = text_query(plan, searcher, lexicon), filter_query(plan)
    if text is not None and filters is not None:
        return Q.boolean_query([(MUST, text), (MUST, filters)])
    return text or filters or Q.all_query()
