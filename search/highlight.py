"""Highlighting matched words in a need's original text, HTML-escaped, the story cropped.

Done here rather than by the engine because the engine matched folded tokens (Simplified,
lower case, segmented) while the page shows what staff wrote. The text is folded character by
character so that a match found in the folded text maps back to the same positions in the
original: 醫療 is marked where the query said 医疗.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

from search.chinese import is_latin_or_digits, to_simplified
from search.documents import NeedDocument
from search.index import Highlights, SearchHit
from search.plan import FormKind, Term

#: Characters of story shown around the first match.
STORY_CROP = 120
ELLIPSIS = "…"

_ALNUM_RUN = re.compile(r"[a-z0-9]+")


#: NFKC of single characters seen so far, as a str.translate table (only those that change
#: to exactly one other character: a longer result would shift positions).
_NFKC_TABLE: dict[int, str] = {}
_NFKC_SEEN: set[str] = set()


def fold(text: str) -> str:
    """A string of the same length as ``text``: NFKC per character, Simplified, lower case."""
    unseen = set(text) - _NFKC_SEEN
    for c in unseen:
        n = unicodedata.normalize("NFKC", c)
        if len(n) == 1 and n != c:
            _NFKC_TABLE[ord(c)] = n
        _NFKC_SEEN.add(c)
    plain = text.translate(_NFKC_TABLE)
    simplified = to_simplified(plain)
    if len(simplified) != len(plain):  # a phrase changed length: keep positions right instead
        simplified = plain
    lowered = simplified.lower()
    if len(lowered) == len(simplified):
        return lowered
    return "".join(low if len(low := c.lower()) == 1 else c for c in simplified)


def within_one_edit(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance ≤ 1: one substitution, insertion, deletion or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i, j = diffs[0], diffs[-1]
        return len(diffs) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def match_spans(folded: str, terms: Sequence[Term]) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) spans of ``folded`` that the terms match, in any of their
    forms: as typed, through the thesaurus (血透 marks 血液透析) or corrected (学废 marks 学费).

    Chinese forms match anywhere (透析 inside 肾透析); Latin and digit words match whole runs
    only (ct not inside doctor, 3000 not inside 30000), or a run they start, or one typo away.
    """
    spans: list[tuple[int, int]] = []
    runs: list[re.Match[str]] | None = None
    for term in terms:
        for form, text in ((f, t) for f in term.forms() for t in f.marks):
            if not text:
                continue
            if is_latin_or_digits(text):
                if runs is None:
                    runs = list(_ALNUM_RUN.finditer(folded))
                exact = form.kind == FormKind.exact
                for run in runs:
                    word = run.group()
                    if (
                        word == text
                        or (exact and term.prefix and word.startswith(text))
                        or (exact and term.fuzzy and within_one_edit(word, text))
                    ):
                        spans.append(run.span())
                continue
            start = folded.find(text)
            while start != -1:
                spans.append((start, start + len(text)))
                start = folded.find(text, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def render(
    text: str, spans: Sequence[tuple[int, int]], start: int = 0, end: int | None = None
) -> str:
    """Escape ``text[start:end]`` and wrap the spans (clipped to it) in ``<mark>``."""
    end = len(text) if end is None else end
    out = []
    cursor = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(html.escape(text[cursor:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


def highlight(text: str, terms: Sequence[Term], crop: int | None = None) -> str:
    """``text`` escaped with its matches marked, cropped to ``crop`` characters around the
    first match (or from the start when nothing matched), ``…`` marking each cut."""
    spans = match_spans(fold(text), terms) if terms else []
    if crop is None or len(text) <= crop:
        return render(text, spans)
    first = spans[0][0] if spans else 0
    start = max(0, first - crop // 4)
    end = min(len(text), start + crop)
    start = max(0, end - crop)
    body = render(text, spans, start, end)
    return (ELLIPSIS if start > 0 else "") + body + (ELLIPSIS if end < len(text) else "")


def search_hit(doc: NeedDocument, terms: Sequence[Term]) -> SearchHit:
    """A need as a search returns it: its title marked, its story marked and cropped."""
    return SearchHit(
        document=doc,
        highlights=Highlights(
            title=highlight(doc.title, terms),
            story=highlight(doc.story, terms, crop=STORY_CROP),
        ),
    )
