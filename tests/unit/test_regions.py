"""The division-code arithmetic behind region scopes."""

import pytest

from matching.regions import InvalidRegionCode, contains, level_of, parent_code


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("120000000000", 1, None),
        ("120100000000", 2, "120000000000"),
        ("120116000000", 3, "120100000000"),
        ("120116001000", 4, "120116000000"),
        ("120116001001", 5, "120116001000"),
        ("370902100000", 4, "370902000000"),
    ],
)
def test_levels_and_parents(code: str, level: int, parent: str | None) -> None:
    assert level_of(code) == level
    assert parent_code(code) == parent


@pytest.mark.parametrize(
    "bad", ["", "12011600100", "1201160010011", "12011600100A", "000000000000"]
)
def test_invalid_codes(bad: str) -> None:
    with pytest.raises(InvalidRegionCode):
        level_of(bad)


def test_contains_is_by_prefix_of_the_scope_level() -> None:
    assert contains("120116000000", "120116001001")  # district holds its communities
    assert contains("120116001000", "120116001000")  # a scope holds itself
    assert not contains("120116001000", "120116000000")  # a street does not hold its district
    assert not contains("120116001000", "120116002001")  # nor a neighbouring street
    assert not contains("120116000000", "500105002001")  # nor another city
