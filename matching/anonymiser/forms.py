"""Finding known written forms in a text by plain substring search on skeletons of it.

Forms are matched on skeletons of the normalised text that written-form variations do not
change: spaces and brackets dropped for phrases; separators between digits dropped for
numbers; for pinyin, only the letters (case, spaces, dots, hyphens and tone numbers dropped).
Compiling a regular expression per form per narrative cost more than everything else the
anonymiser does, so each form is one ``str.find`` loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from matching.anonymiser.model import Finding
from matching.anonymiser.text import fold, written_form_note


@dataclass(frozen=True, slots=True)
class Form:
    """One written form to look for: a canonical string matched against a skeleton text."""

    kind: str
    value: str
    #: "text" ignores spaces and brackets; "number" also skips separators between digits and
    #: refuses to match inside a longer number; "mobile" also takes a +86/0086 prefix along;
    #: "latin" matches letters only, as a whole word.
    style: str
    replacement: str
    reason: str
    #: True when the reason should say which written form was matched (spaces, full-width …).
    note_form: bool = False


#: Dropped from phrases: spaces, brackets and the marks typed between characters to get a
#: name past a filter (欧-阳-建-国, 阿依古丽·买买提 and 阿依古丽买买提 alike).
_TEXT_DROPPED = frozenset(" \t\r\n\u3000()（）-_.·•・*/~|")
_NUMBER_SEPARATORS = frozenset(" \t-·.()（）")
_MAX_SEPARATORS = 3
#: Dropped between letters of a pinyin name: separators and tone numbers (ou1yang2).
_LATIN_DROPPED = frozenset(" \t-_.'·•・12345")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TEXT_DROP_TABLE = str.maketrans(dict.fromkeys(_TEXT_DROPPED))
_NUMBER_DROP_TABLE = str.maketrans(dict.fromkeys(_NUMBER_SEPARATORS))
_NOT_DIGIT = re.compile("[^0-9X]")
_LETTER = re.compile("[A-Za-z]")


def text_key(value: str) -> str:
    """What a phrase looks like on the text skeleton."""
    return "".join(c for c in fold(value) if c not in _TEXT_DROPPED).translate(_ASCII_LOWER)


def _is_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


class Skeleton:
    """Three views of a normalised text that written-form variations do not change."""

    def __init__(self, folded: str) -> None:
        self.folded = folded
        self.text_positions = [i for i, c in enumerate(folded) if c not in _TEXT_DROPPED]
        self.text = folded.translate(_TEXT_DROP_TABLE).translate(_ASCII_LOWER)
        self.number_positions = [i for i, c in enumerate(folded) if c not in _NUMBER_SEPARATORS]
        self.numbers = _NOT_DIGIT.sub("|", folded.translate(_NUMBER_DROP_TABLE).replace("x", "X"))
        self._latin: tuple[str, list[int]] | None = None

    def _latin_view(self) -> tuple[str, list[int]]:
        if self._latin is None:
            chars: list[str] = []
            positions: list[int] = []
            for index, char in enumerate(self.folded):
                if _is_letter(char):
                    chars.append(char.lower())
                    positions.append(index)
                elif char not in _LATIN_DROPPED:
                    chars.append("|")
                    positions.append(index)
            self._latin = ("".join(chars), positions)
        return self._latin

    def has_letters(self) -> bool:
        return _LETTER.search(self.folded) is not None

    def find_text(self, key: str) -> Iterator[tuple[int, int]]:
        positions, folded = self.text_positions, self.folded
        index = self.text.find(key)
        while index >= 0:
            start, end = positions[index], positions[index + len(key) - 1] + 1
            if start and folded[start - 1] in "(（" and any(c in ")）" for c in folded[start:end]):
                start -= 1  # (3)班: the bracket opened before the match closes inside it
            yield start, end
            index = self.text.find(key, index + 1)

    def find_latin(self, key: str) -> Iterator[tuple[int, int]]:
        """A whole word (or run of words) of letters, never letters inside a longer word."""
        latin, positions = self._latin_view()
        index = latin.find(key)
        while index >= 0:
            last = index + len(key) - 1
            start, end = positions[index], positions[last] + 1
            gaps = all(positions[i + 1] - positions[i] - 1 <= 2 for i in range(index, last))
            before = self.folded[start - 1] if start else " "
            after = self.folded[end] if end < len(self.folded) else " "
            if gaps and not _is_letter(before) and not _is_letter(after):
                yield start, end
            index = latin.find(key, index + 1)

    def find_number(self, digits: str, mobile: bool = False) -> Iterator[tuple[int, int]]:
        numbers, positions = self.numbers, self.number_positions
        index = numbers.find(digits)
        while index >= 0:
            last = index + len(digits) - 1
            spaced = all(
                positions[i + 1] - positions[i] - 1 <= _MAX_SEPARATORS for i in range(index, last)
            )
            if spaced:
                start = self._with_prefix(index) if mobile else positions[index]
                end = positions[last] + 1
                if not self._digit_touches(start - 1) and not self._digit_touches(end):
                    yield self._with_bracket(start, end), end
            index = numbers.find(digits, index + 1)

    def number_runs(self) -> Iterator[tuple[str, list[int]]]:
        """Each run of digits (separators between them dropped) with the offset of each digit."""
        numbers, positions = self.numbers, self.number_positions
        start = 0
        for piece in numbers.split("|"):
            if len(piece) >= 4:
                yield piece, positions[start : start + len(piece)]
            start += len(piece) + 1

    def _with_bracket(self, start: int, end: int) -> int:
        """Take the bracket of a bracketed area code, (022)2345 6789, along with the number."""
        folded = self.folded
        if start > 0 and folded[start - 1] in "(（" and any(c in ")）" for c in folded[start:end]):
            return start - 1
        return start

    def _digit_touches(self, offset: int) -> bool:
        return 0 <= offset < len(self.folded) and self.folded[offset].isdigit()

    def _with_prefix(self, index: int) -> int:
        """The start of a mobile number including a +86, 0086 or (+86) written before it."""
        start = self.number_positions[index]
        if index < 2 or self.numbers[index - 2 : index] != "86":
            return start
        candidate = self.number_positions[index - 2]
        if self.number_positions[index - 1] != candidate + 1 or start - candidate > 5:
            return start
        if index >= 4 and self.numbers[index - 4 : index - 2] == "00":
            zeros = self.number_positions[index - 4]
            if zeros + 2 == candidate:
                return zeros
        if candidate > 0 and self.folded[candidate - 1] == "+":
            candidate -= 1
        if candidate > 0 and self.folded[candidate - 1] in "(（":
            candidate -= 1
        return candidate


def find_known(
    skeleton: Skeleton,
    forms: list[Form],
    source: str = "known",
    written: Callable[[int, int], str] | None = None,
) -> list[Finding]:
    """Every occurrence of every form; ``written`` gives the characters as typed, for the
    reasons that say which written form was matched."""
    found: list[Finding] = []
    letters: bool | None = None
    for form in forms:
        if not form.value:
            continue
        if form.style == "text":
            spans = skeleton.find_text(form.value)
        elif form.style == "latin":
            if letters is None:
                letters = skeleton.has_letters()
            if not letters:
                continue
            spans = skeleton.find_latin(form.value)
        else:
            spans = skeleton.find_number(form.value, mobile=form.style == "mobile")
        for start, end in spans:
            note = ""
            if form.note_form:
                note = written_form_note(written(start, end) if written else "")
            found.append(
                Finding(form.kind, start, end, form.replacement, source, form.reason + note)
            )
    return found
