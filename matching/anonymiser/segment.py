"""Words and their parts of speech, from jieba, with offsets into the text.

jieba's full part-of-speech pass with its HMM costs about 25 µs per character: some 10 ms for
a 400-character narrative, twice the 5 ms the whole anonymiser may spend (200 narratives/s).
Its expensive step, a Viterbi search over ~250 states per character, only matters for runs of
characters its dictionary could not join into words, and among those only where a name can
start. So the text is cut without the HMM first, and just those runs get the HMM: that is
where jieba finds the names it has never seen.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

import jieba
import jieba.posseg

from matching.anonymiser.text import COMPOUND_SURNAMES, SURNAMES

jieba.setLogLevel(logging.WARNING)

#: jieba's own notion of a Chinese character (it knows nothing above U+9FD5).
_HAN_RUN = re.compile("[\u4e00-\u9fd5]+")

#: Stands in for text already found (see ``engine``): not a letter, digit, separator or Chinese
#: character, so no pattern matches it or joins the text on either side into one number.
MASK = "\u25a1"

#: Characters a name can start with: a surname, or 小/老/阿 of a familiar form.
_NAME_START = frozenset(SURNAMES | {s[0] for s in COMPOUND_SURNAMES} | set("小老阿"))


class Token(NamedTuple):
    """A word with its offsets (a tuple: hundreds are made per narrative)."""

    start: int
    end: int
    word: str
    flag: str
    #: True when the HMM proposed the word (it is not a dictionary entry): jieba's dictionary
    #: tags tens of thousands of ordinary words (康复, 洪水, 明白) as names, its HMM far fewer.
    guessed: bool


def warm_up() -> None:
    """Load jieba's dictionary (about a second) before the first narrative needs it."""
    jieba.initialize()


_HMM_PIECE = 24


@lru_cache(maxsize=16384)
def _tag_run(run: str) -> tuple[tuple[int, int, str, str, bool], ...]:
    """Tag one run of Chinese characters; runs repeat across narratives, hence the cache."""
    pos = jieba.posseg.dt
    freq = jieba.dt.FREQ
    out: list[tuple[int, int, str, str, bool]] = []
    offset = 0
    pending: list[tuple[str, str]] = []

    def flush() -> None:
        nonlocal offset
        buffer = "".join(word for word, _ in pending)
        if len(pending) > 1 and not freq.get(buffer) and any(c in _NAME_START for c in buffer):
            # Names are short; cutting a long run keeps a pathological input from costing
            # seconds in the Viterbi search without changing what it finds in real prose.
            for piece in range(0, len(buffer), _HMM_PIECE):
                for pair in pos.lcut(buffer[piece : piece + _HMM_PIECE], HMM=True):
                    word, flag = str(pair.word), str(pair.flag)
                    out.append((offset, offset + len(word), word, flag, not freq.get(word)))
                    offset += len(word)
        else:
            for word, flag in pending:
                out.append((offset, offset + 1, word, flag, False))
                offset += 1
        pending.clear()

    for pair in pos.lcut(run, HMM=False):
        word, flag = str(pair.word), str(pair.flag)
        if len(word) == 1:
            pending.append((word, flag))
            continue
        flush()
        out.append((offset, offset + len(word), word, flag, False))
        offset += len(word)
    flush()
    return tuple(out)


class Words:
    """The tokens of one text, with the lookups the detectors need."""

    def __init__(self, text: str) -> None:
        self.text = text
        tokens: list[Token] = []
        for match in _HAN_RUN.finditer(text):
            base = match.start()
            tokens.extend(
                Token(base + s, base + e, w, f, g) for s, e, w, f, g in _tag_run(match.group())
            )
        self.tokens: Sequence[Token] = tokens
        self._by_end = {t.end: t for t in tokens}
        self._by_start = {t.start: t for t in tokens}
        self._starts = [t.start for t in tokens]

    def ending_at(self, offset: int) -> Token | None:
        return self._by_end.get(offset)

    def starting_at(self, offset: int) -> Token | None:
        return self._by_start.get(offset)

    def containing(self, offset: int) -> Token | None:
        """The word that straddles ``offset`` (starts before it and ends after it)."""
        index = bisect.bisect_left(self._starts, offset) - 1
        if index >= 0 and self.tokens[index].end > offset:
            return self.tokens[index]
        return None

    def extend_left(self, offset: int, stop: Callable[[Token], bool], limit: int) -> int:
        """Walk whole words leftwards from ``offset`` until ``stop`` says a word is not part of
        the name being delimited, or the name would grow beyond ``limit`` characters.

        Chinese has no spaces, so this is how "住滨海新区塘沽街道幸福小区" yields 幸福小区 and
        not the street, which the need is allowed to show.
        """
        start = offset
        straddling = self.containing(offset)
        if straddling is not None and not stop(straddling):
            start = straddling.start
        while True:
            token = self._by_end.get(start)
            if token is None:
                # Already-found text (a known given name in 建国路12号) belongs to the name.
                masked = start
                while masked > 0 and self.text[masked - 1] == MASK and offset - masked < limit:
                    masked -= 1
                if masked == start:
                    return start
                start = masked
                continue
            if stop(token) or offset - token.start > limit:
                return start
            start = token.start
