"""Tests of matching.anonymiser, and the small builders they share."""

from __future__ import annotations

from matching.anonymiser import Known, anonymise
from matching.anonymiser.text import id_check_character


def valid_id(first_17: str) -> str:
    """Complete 17 digits into a resident ID number with the right check character."""
    return first_17 + id_check_character(first_17 + "0")


def wrong_check(number: str) -> str:
    """The same ID number with a check character that is certainly wrong."""
    return number[:17] + ("1" if number[17] != "1" else "2")


def public(text: str, known: Known | None = None) -> str:
    return anonymise(text, known).text


def found(text: str, known: Known | None = None) -> list[tuple[str, str]]:
    """What was found, as (kind, the input characters) pairs, for readable assertions."""
    return [(f.kind, text[f.start : f.end]) for f in anonymise(text, known).findings]
