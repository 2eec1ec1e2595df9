"""Typo tolerance for Chinese words: one wrong character in a word of two to four still finds.

Levenshtein distance, which engines use for Latin words, means little for Chinese: nearly every
two-character word is one character away from hundreds of others. People mistype Chinese in
two ways, and each has its own key:

- **the right sound, the wrong character** (学废 for 学费, 自闭证 for 自闭症, 论椅 for 轮椅), from
  pinyin input methods: the word's *pinyin key*, its syllables without tones (pypinyin), with
  the sounds many speakers merge folded together as pinyin input methods' 模糊音 does
  (zh/z, ch/c, sh/s, -ang/-an, -eng/-en, -ing/-in);
- **another character in the same place** (透折 for 透析, a look-alike), from handwriting and
  shape-based input: the word's *skeletons*, the word with one character replaced by ``?``.

A word is only corrected to words that exist (a ``Lexicon``: the terms the index holds, or the
thesaurus's), homophones first and, only when there is none, the most frequent same-skeleton
words. Documents carry the keys of their words (``lexicon_entries``) so that the embedded index
can answer both look-ups from its term dictionary, and Meilisearch can match pinyin keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Protocol

from pypinyin import Style, lazy_pinyin

from search.chinese import is_han

#: Words this long (in characters) are keyed and corrected; one character is too little to
#: tell a typo from another word, and long words are split by the segmenter first.
MIN_TYPO_CHARS = 2
MAX_TYPO_CHARS = 4
#: Look-alike substitutions are sought in words this short: a four-character word with one
#: character replaced is most often another word, and its skeletons would double the lexicon.
MAX_SKELETON_CHARS = 3
#: At most this many corrections of one word are searched.
MAX_CORRECTIONS = 3

PINYIN_PREFIX = "p"
SKELETON_PREFIX = "s"
SEPARATOR = "|"
HOLE = "?"

_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))
_LETTERS = re.compile(r"^[a-z]+$")


def _fold_syllable(syllable: str) -> str:
    for long, short in _INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    for long, short in _FINALS:
        if syllable.endswith(long):
            return syllable[: -len(long)] + short
    return syllable


@lru_cache(maxsize=200_000)
def pinyin_key(word: str) -> str:
    """The word's sound without tones, merged sounds folded: 学费 and 学废 → ``xuefei``.

    pypinyin reads polyphones in context from its phrase dictionary (重庆 → chongqing).
    Characters with no reading (Latin, digits) are kept as they are.
    """
    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="default")
    return "".join(_fold_syllable(s.lower()) for s in syllables)


def skeletons(word: str) -> list[str]:
    """The word with each of its characters in turn replaced by ``?``."""
    return [word[:i] + HOLE + word[i + 1 :] for i in range(len(word))]


def correctable(word: str) -> bool:
    """A Chinese word of two to four characters, all of them Chinese."""
    return MIN_TYPO_CHARS <= len(word) <= MAX_TYPO_CHARS and all(is_han(c) for c in word)


@lru_cache(maxsize=200_000)
def _entries_of(word: str) -> tuple[str, ...]:
    if not correctable(word):
        return ()
    pinyin = f"{PINYIN_PREFIX}{pinyin_key(word)}{SEPARATOR}{word}"
    if len(word) > MAX_SKELETON_CHARS:
        return (pinyin,)
    return (pinyin, *(f"{SKELETON_PREFIX}{s}{SEPARATOR}{word}" for s in skeletons(word)))


def lexicon_entries(tokens: Iterable[str]) -> list[str]:
    """What a document adds to the lexicon: ``p<key>|word`` and ``s<skeleton>|word`` for each
    distinct correctable word, so that the term dictionary maps keys to the words behind them.
    Computed once per word (documents share most of theirs): the indexing budget needs it."""
    entries: list[str] = []
    for word in tokens if isinstance(tokens, set) else dict.fromkeys(tokens):
        entries.extend(_entries_of(word))
    return entries


def pinyin_keys(tokens: Iterable[str]) -> list[str]:
    """Distinct pinyin keys of the correctable words, for an engine that matches keys."""
    return list(dict.fromkeys(pinyin_key(t) for t in tokens if correctable(t)))


class Lexicon(Protocol):
    """The words a search could correct to, with how many needs hold each."""

    def frequency(self, word: str) -> int:
        """Needs holding this exact word; 0 for a word no need holds."""
        ...

    def entries(self, prefix: str) -> Sequence[tuple[str, int]]:
        """Lexicon entries (``p<key>|word`` …) starting with ``prefix``, with their counts."""
        ...


class Lexicons:
    """Several lexicons read as one: the index's words and the thesaurus's, say."""

    def __init__(self, *lexicons: Lexicon) -> None:
        self._lexicons = lexicons

    def frequency(self, word: str) -> int:
        return max(lexicon.frequency(word) for lexicon in self._lexicons)

    def entries(self, prefix: str) -> list[tuple[str, int]]:
        merged: dict[str, int] = {}
        for lexicon in self._lexicons:
            for entry, count in lexicon.entries(prefix):
                merged[entry] = max(merged.get(entry, 0), count)
        return list(merged.items())


def _words_under(lexicon: Lexicon, prefix: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for entry, count in lexicon.entries(prefix):
        word = entry.split(SEPARATOR, 1)[1]
        found[word] = max(found.get(word, 0), count)
    return found


def homophones(word: str, lexicon: Lexicon) -> dict[str, int]:
    """Words that sound like ``word`` (itself excluded), with their counts."""
    found = _words_under(lexicon, f"{PINYIN_PREFIX}{pinyin_key(word)}{SEPARATOR}")
    found.pop(word, None)
    return found


def corrections(
    word: str, lexicon: Lexicon, *, substitutions: bool = True, limit: int = MAX_CORRECTIONS
) -> list[str]:
    """What ``word`` was probably meant to be: homophones, else (with ``substitutions``)
    one-character substitutions, the most frequent first; nothing for a word that cannot be
    corrected."""
    if not correctable(word):
        return []
    found = homophones(word, lexicon)
    if not found and substitutions and len(word) <= MAX_SKELETON_CHARS:
        for skeleton in skeletons(word):
            found.update(_words_under(lexicon, f"{SKELETON_PREFIX}{skeleton}{SEPARATOR}"))
        found.pop(word, None)
    return [w for w, _ in sorted(found.items(), key=lambda item: (-item[1], item[0]))[:limit]]


def _edit_distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance, stopping early above ``cap``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > cap:
            return cap + 1
        previous = current
    return previous[-1]


def suggestion(word: str, lexicon: Lexicon, *, merged: bool = False) -> str | None:
    """A word to offer as "did you mean" when ``word`` found nothing, or ``None``.

    Wider than ``corrections``: pinyin typed in Latin letters (lunyi → 轮椅, one letter off
    at most), and, for a run of characters that is no word, a known word whose pinyin key is
    one or two letters away (透折 touze → 透析 touxi). A word that is a word (钢琴) gets only
    homophones: nothing else about it says it was mistyped.
    """
    if _LETTERS.match(word):
        if len(word) < 4:
            return None
        key, cap = _fold_pinyin_letters(word), 1
    elif correctable(word):
        direct = corrections(word, lexicon, substitutions=merged, limit=1)
        if direct or not merged:
            return direct[0] if direct else None
        key, cap = pinyin_key(word), 2
    else:
        return None
    best: tuple[int, int, str] | None = None
    for entry, count in lexicon.entries(f"{PINYIN_PREFIX}{key[:1]}"):
        entry_key, candidate = entry[len(PINYIN_PREFIX) :].split(SEPARATOR, 1)
        distance = _edit_distance(entry_key, key, cap)
        if distance <= cap and candidate != word:
            rank = (distance, -count, candidate)
            if best is None or rank < best:
                best = rank
    return best[2] if best else None


def _fold_pinyin_letters(letters: str) -> str:
    """Latin letters typed as pinyin, folded like a key. Syllable boundaries are unknown, but
    zh, ch and sh only begin syllables and the nasal finals fold the same wherever they are."""
    out = letters
    for long, short in _INITIALS:
        out = out.replace(long, short)
    for long, short in _FINALS:
        out = out.replace(long, short)
    return out
