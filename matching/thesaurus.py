"""The domain thesaurus: which words of social assistance mean the same thing, as data.

Charities search in their own words (血透, 看病, 过冬) while staff write in theirs (血液透析,
医疗, 取暖). The built-in vocabulary lives in ``thesaurus.txt`` beside this module, one line per
entry (the file's header explains the three kinds); admins add entries and remove relations
they find wrong, and ``build`` merges both into the ``Thesaurus`` that search expands queries
with. Plain data and pure functions: the search library and the backend both read it, and
Meilisearch receives it as its ``synonyms`` setting (``Thesaurus.synonyms``).

Terms are compared as written here: callers fold Traditional script and case before they
build (search does, with OpenCC), so that this module needs no converter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib import resources

#: Longest term accepted: entries are words and short phrases, not sentences.
MAX_TERM_CHARS = 20
#: Most terms in one entry, as Meilisearch caps the synonyms of one term.
MAX_ENTRY_TERMS = 40

_TERM = re.compile(r"^[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+$")


class Relation(StrEnum):
    """How a term found through the thesaurus relates to the word searched for."""

    synonym = "synonym"  # 同义：互相扩展
    narrower = "narrower"  # 单向：较宽的说法找到较窄的说法
    related = "related"  # 相关：互相扩展，排在同义词之后


RELATION_LABELS = {
    Relation.synonym: "同义词",
    Relation.narrower: "单向（较宽→较窄）",
    Relation.related: "相关词",
}

#: When one pair is related twice, the closer relation wins.
_CLOSENESS = {Relation.synonym: 3, Relation.narrower: 2, Relation.related: 1}


class ThesaurusInvalid(ValueError):
    """An entry that cannot be used, with a message for the person who wrote it."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(f"第 {line} 行：{message}" if line else message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the thesaurus: a synonym or related group, or a one-way expansion.

    ``head`` is set for ``narrower`` only: searching ``head`` also finds ``terms``.
    """

    relation: Relation
    terms: tuple[str, ...]
    head: str | None = None

    def pairs(self) -> Iterable[tuple[str, str]]:
        """(searched, also found) pairs this entry adds."""
        if self.head is not None:
            for term in self.terms:
                yield self.head, term
            return
        for a in self.terms:
            for b in self.terms:
                if a != b:
                    yield a, b

    def text(self) -> str:
        """The entry as a line of ``thesaurus.txt``."""
        if self.relation == Relation.narrower:
            return f"{self.head} => {' '.join(self.terms)}"
        prefix = "~ " if self.relation == Relation.related else ""
        return prefix + " ".join(self.terms)


@dataclass(frozen=True, slots=True)
class Removal:
    """Relations an admin took out: between ``head`` and each of ``terms`` (both ways), or
    every relation of ``head`` when ``terms`` is empty."""

    head: str
    terms: tuple[str, ...] = ()

    def removes(self, a: str, b: str) -> bool:
        if self.head not in (a, b):
            return False
        other = b if a == self.head else a
        return not self.terms or other in self.terms


def normalise_term(raw: str) -> str:
    """NFKC, lower case, no surrounding space; refuses what cannot be a search term."""
    term = unicodedata.normalize("NFKC", raw).strip().lower()
    if not term:
        raise ThesaurusInvalid("词语不能为空")
    if len(term) > MAX_TERM_CHARS:
        raise ThesaurusInvalid(f"词语“{term}”超过 {MAX_TERM_CHARS} 个字")
    if not _TERM.match(term):
        raise ThesaurusInvalid(f"词语“{term}”只能包含汉字、字母和数字，不含空格和标点")
    return term


def make_entry(relation: Relation, terms: Sequence[str], head: str | None = None) -> Entry:
    """A checked entry: normalised terms, no repeats, the right shape for its relation."""
    cleaned: list[str] = []
    for raw in terms:
        term = normalise_term(raw)
        if term not in cleaned:
            cleaned.append(term)
    if len(cleaned) > MAX_ENTRY_TERMS:
        raise ThesaurusInvalid(f"一条最多 {MAX_ENTRY_TERMS} 个词")
    if relation == Relation.narrower:
        if head is None:
            raise ThesaurusInvalid("单向扩展需要填写被搜索的词")
        head = normalise_term(head)
        cleaned = [t for t in cleaned if t != head]
        if not cleaned:
            raise ThesaurusInvalid("单向扩展至少需要一个扩展到的词")
        return Entry(relation, tuple(cleaned), head)
    if head is not None:
        raise ThesaurusInvalid("同义词和相关词不区分被搜索的词")
    if len(cleaned) < 2:
        raise ThesaurusInvalid("同义词或相关词至少需要两个不同的词")
    return Entry(relation, tuple(cleaned))


def parse(text: str) -> list[Entry]:
    """Entries of a thesaurus file; a bad line raises ``ThesaurusInvalid`` naming it."""
    entries: list[Entry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            if "=>" in line:
                left, right = line.split("=>", 1)
                heads = left.split()
                if len(heads) != 1:
                    raise ThesaurusInvalid("“=>”左边应恰好一个词")
                entries.append(make_entry(Relation.narrower, right.split(), heads[0]))
            elif line.startswith("~"):
                entries.append(make_entry(Relation.related, line[1:].split()))
            else:
                entries.append(make_entry(Relation.synonym, line.split()))
        except ThesaurusInvalid as exc:
            raise ThesaurusInvalid(exc.message, line=number) from None
    return entries


@lru_cache(maxsize=1)
def builtin_entries() -> tuple[Entry, ...]:
    """The platform's own entries, from ``thesaurus.txt`` (read once)."""
    text = resources.files("matching").joinpath("thesaurus.txt").read_text("utf-8")
    return tuple(parse(text))


@dataclass(frozen=True)
class Thesaurus:
    """Term → the terms searching it also finds, each with its relation."""

    expansions: Mapping[str, Mapping[str, Relation]] = field(default_factory=dict)

    def expand(self, term: str) -> Mapping[str, Relation]:
        return self.expansions.get(term, {})

    def terms(self) -> frozenset[str]:
        """Every term that appears, searched or found."""
        found = set(self.expansions)
        for targets in self.expansions.values():
            found.update(targets)
        return frozenset(found)

    def synonyms(self) -> dict[str, list[str]]:
        """Meilisearch's ``synonyms`` setting: each term and what it also finds (one-way
        entries stay one-way there too; related terms are synonyms to Meilisearch, which
        cannot rank them lower)."""
        return {term: sorted(targets) for term, targets in sorted(self.expansions.items())}

    @property
    def size(self) -> int:
        """Number of (searched, found) pairs."""
        return sum(len(targets) for targets in self.expansions.values())


def build(entries: Iterable[Entry], removals: Iterable[Removal] = ()) -> Thesaurus:
    """Merge entries (built-in first, then admins'), then take out the removed relations."""
    relations: dict[str, dict[str, Relation]] = {}

    def relate(a: str, b: str, relation: Relation) -> None:
        known = relations.setdefault(a, {}).get(b)
        if known is None or _CLOSENESS[relation] > _CLOSENESS[known]:
            relations[a][b] = relation

    for entry in entries:
        for a, b in entry.pairs():
            relate(a, b, entry.relation)
    # Synonyms stand for each other in other entries: 恶性肿瘤 finds the cancers 癌症 lists
    # (a synonym's narrower and related terms), and 取暖 finds 被子 as it finds 棉被 (a narrower
    # or related term's synonyms). One step each way, so that a chain of entries never relates
    # words nobody related.
    direct = {a: dict(targets) for a, targets in relations.items()}
    for a, targets in direct.items():
        for b, relation in targets.items():
            for c, further in direct.get(b, {}).items():
                if c == a:
                    continue
                if relation == Relation.synonym and further != Relation.synonym:
                    relate(a, c, further)
                elif relation != Relation.synonym and further == Relation.synonym:
                    relate(a, c, relation)
    cuts = list(removals)
    if cuts:
        for a in list(relations):
            targets = relations[a]
            for b in [b for b in targets if any(cut.removes(a, b) for cut in cuts)]:
                del targets[b]
            if not targets:
                del relations[a]
    return Thesaurus(relations)


def builtin() -> Thesaurus:
    return build(builtin_entries())
