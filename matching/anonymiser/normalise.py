"""One canonical spelling of a text for the detectors, with a map back to the original.

Staff type on phones, office PCs and voice input, in Guangdong, Hong Kong and Taiwan as well
as on the mainland: 歐陽建國 and 欧阳建国, １３９ and 139, Ōuyáng and Ouyang, 一三九一二三四五六七八
and 13912345678 are the same identifier. Every detector is written once, for the canonical
spelling, and runs on this normalised text:

- NFKC (full-width letters and digits, compatibility ideographs such as ⾦, ligatures), except
  for the Chinese punctuation （），：；？！ whose patterns accept both widths already;
- no zero-width or other format characters, no combining marks (so tone marks go: ō → o);
- traditional → simplified script (OpenCC ``t2s``, the converter the search index uses);
- digits read out one by one in Chinese (voice input: 一三九…, 幺 for 1, 〇/零/洞 for 0) as
  ASCII digits, but only in a run of at least four, so 三月 or 一个 stay words;
- the remaining dash and space variants folded to ASCII (``text.fold``).

Findings are made on the normalised text and mapped back with ``Normalised.to_original``, so
staff see, and the public text replaces, exactly the characters they typed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

from matching.anonymiser.text import fold

#: Chinese punctuation NFKC would turn into ASCII; prose patterns already accept both widths.
_KEEP_AS_TYPED = frozenset("，（）：；？！")
_UNCHECKED = str.maketrans(dict.fromkeys("，（）：；？！"))
#: Characters that never carry meaning for a detector: zero-width spaces and joiners,
#: direction marks, the byte-order mark, soft hyphen.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
#: Anything NFKC leaves alone but this module still changes: Latin letters with diacritics,
#: combining marks and the invisible characters above.
_NEEDS_WORK = re.compile(
    "[\u00ad\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)

#: Chinese characters read as single digits (the financial forms too; 两 counts only inside a
#: run of four, so 两万, 两个 stay quantities).
_CN_DIGITS = {
    "〇": "0", "○": "0", "零": "0", "洞": "0", "幺": "1", "一": "1", "二": "2", "三": "3",
    "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9", "壹": "1", "贰": "2",
    "叁": "3", "肆": "4", "伍": "5", "陆": "6", "柒": "7", "捌": "8", "玖": "9", "两": "2",
}  # fmt: skip
_CN_DIGIT_CLASS = "".join(_CN_DIGITS)
_SPOKEN_NUMBER = re.compile(
    rf"[{_CN_DIGIT_CLASS}0-9](?:[ \-]?[{_CN_DIGIT_CLASS}0-9]){{3,}}(?![十百千万亿])"
)
_CN_TO_DIGIT = str.maketrans(_CN_DIGITS)
_SURROGATE = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified, one character for one (OpenCC's phrases may change length,
    and then each character is converted alone so offsets still line up)."""
    if _SURROGATE.search(text):
        # OpenCC takes UTF-8, which a lone surrogate (from a JSON escape) cannot be.
        text = _SURROGATE.sub("\ufffd", text)
    converted: str = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(_one_simplified(char) for char in text)


@lru_cache(maxsize=8192)
def _one_simplified(char: str) -> str:
    converted: str = _t2s().convert(char)
    return converted if len(converted) == 1 else char


@lru_cache(maxsize=8192)
def _canonical_char(char: str) -> str:
    if char in _KEEP_AS_TYPED:
        return char
    if _INVISIBLE.match(char):
        return ""
    out = []
    for piece in unicodedata.normalize("NFKC", char):
        if unicodedata.category(piece) == "Mn":
            continue
        base = unicodedata.normalize("NFKD", piece)[0]
        # ō → o, é → e; a letter of another script keeps its own form.
        out.append(base if base.isascii() and base.isalpha() else piece)
    return "".join(out)


def spoken_digits(text: str) -> str:
    """Digits read out in Chinese as ASCII digits (same length)."""
    if not any(char in _CN_DIGITS for char in text):
        return text
    chars = list(text)
    for match in _SPOKEN_NUMBER.finditer(text):
        if any(char in _CN_DIGITS for char in match.group()):
            chars[match.start() : match.end()] = match.group().translate(_CN_TO_DIGIT)
    return "".join(chars)


@dataclass(frozen=True, slots=True)
class Normalised:
    """The canonical text and, when it differs in length from the original, where each of its
    characters came from (``None`` means character i came from character i)."""

    original: str
    text: str
    origin: tuple[int, ...] | None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original characters behind ``text[start:end]``; never an empty span."""
        if self.origin is None:
            return start, end
        origin = self.origin
        first = origin[start] if start < len(origin) else len(self.original)
        last = origin[end - 1] + 1 if 0 < end <= len(origin) else first + 1
        return first, max(last, first + 1)


def normalise(text: str) -> Normalised:
    if text.isascii():
        return Normalised(text, fold(text), None)
    if unicodedata.is_normalized("NFKC", text.translate(_UNCHECKED)) and not _NEEDS_WORK.search(
        text
    ):
        return Normalised(text, fold(spoken_digits(to_simplified(text))), None)
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        canonical = _canonical_char(char) if not char.isascii() else char
        pieces.append(canonical)
        origin.extend([index] * len(canonical))
    joined = "".join(pieces)
    canonical_text = fold(spoken_digits(to_simplified(joined)))
    same = len(joined) == len(text) and all(i == o for i, o in enumerate(origin))
    return Normalised(text, canonical_text, None if same else tuple(origin))


def normalise_value(value: str) -> str:
    """A known identifier in the same canonical spelling as the texts it is looked for in."""
    return normalise(value).text
