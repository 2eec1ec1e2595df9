"""The thesaurus as the search applies it: words of a query found in it, and what they expand to.

``Expander`` wraps a ``matching.thesaurus.Thesaurus`` with its terms folded the way queries are
(Simplified, lower case) and each expansion analysed once into the tokens documents are indexed
under, so that 血液透析 is searched as the word the segmenter makes of it. A query's words are
matched against the thesaurus longest first, across adjacent words: 独居 + 老人 is the entry
独居老人, and ct + 检查 the entry ct检查.

``ThesaurusLexicon`` lets the thesaurus stand in for an index's term dictionary as the words a
typo may be corrected to (``search.typos``): Meilisearch has no term dictionary to ask.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from matching.thesaurus import Relation, Thesaurus
from search.chinese import fold_for_tokens, query_words
from search.typos import lexicon_entries

#: Longest run of query words looked up as one thesaurus entry.
MAX_SPAN_WORDS = 4


@dataclass(frozen=True, slots=True)
class Expansion:
    """A term the thesaurus adds to a query word: its text and the tokens that must match."""

    text: str
    tokens: tuple[str, ...]
    relation: Relation


def _fold(term: str) -> str:
    return "".join(fold_for_tokens(term).split())


class Expander:
    """A thesaurus ready for queries: folded keys, analysed expansions."""

    def __init__(self, thesaurus: Thesaurus) -> None:
        self.thesaurus = thesaurus
        table: dict[str, dict[str, Relation]] = {}
        for term, targets in thesaurus.expansions.items():
            key = _fold(term)
            into = table.setdefault(key, {})
            for target, relation in targets.items():
                folded = _fold(target)
                if folded != key and folded not in into:
                    into[folded] = relation
        self._table = table
        self._keys = sorted(table)
        self._analysed: dict[str, tuple[str, ...]] = {}

    def __contains__(self, text: str) -> bool:
        return text in self._table

    def expansions(self, text: str) -> tuple[Expansion, ...]:
        """What searching ``text`` also finds (nothing for a word the thesaurus lacks)."""
        found = []
        for target, relation in self._table.get(text, {}).items():
            tokens = self._analysed.get(target)
            if tokens is None:
                tokens = self._analysed[target] = tuple(query_words(target))
            if tokens:
                found.append(Expansion(target, tokens, relation))
        return tuple(found)

    def longer_entries(self, prefix: str, limit: int) -> list[str]:
        """Thesaurus terms that start with ``prefix`` (itself excluded), shortest first."""
        start = bisect_left(self._keys, prefix)
        found = []
        for key in self._keys[start:]:
            if not key.startswith(prefix):
                break
            if key != prefix:
                found.append(key)
        return sorted(found, key=lambda k: (len(k), k))[:limit]

    def longest_entry(self, words: Sequence[str], start: int) -> int:
        """How many words from ``start`` form the longest thesaurus entry (0: none)."""
        for end in range(min(len(words), start + MAX_SPAN_WORDS), start, -1):
            if "".join(words[start:end]) in self._table:
                return end - start
        return 0

    @cached_property
    def lexicon(self) -> ThesaurusLexicon:
        return ThesaurusLexicon(self.thesaurus.terms())


class ThesaurusLexicon:
    """The thesaurus's words as a ``search.typos.Lexicon``: each word counts once."""

    def __init__(self, terms: frozenset[str]) -> None:
        folded = {_fold(term) for term in terms}
        self._words = folded
        self._entries = sorted(lexicon_entries(sorted(folded)))

    def frequency(self, word: str) -> int:
        return 1 if word in self._words else 0

    def entries(self, prefix: str) -> list[tuple[str, int]]:
        start = bisect_left(self._entries, prefix)
        found = []
        for entry in self._entries[start:]:
            if not entry.startswith(prefix):
                break
            found.append((entry, 1))
        return found
