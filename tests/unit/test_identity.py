from datetime import date

import pytest

from matching.calendar import add_months
from matching.identity import IdNumberInvalid, check_character, check_id_number
from matching.vocabulary import Programme, ReviewCycle, review_cycle_for


def _number(body: str) -> str:
    return body + check_character(body)


def test_new_county_for_an_old_birth_year_is_valid_with_a_warning() -> None:
    checked = check_id_number(_number("12011619780305123"))
    assert checked.birth_date == date(1978, 3, 5)
    assert checked.warnings


def test_written_forms_normalise() -> None:
    number = _number("11010119900307451")
    spaced = f"{number[:6]} {number[6:14]}-{number[14:]}"
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert check_id_number(spaced).number == number
    assert check_id_number(full_width).number == number


@pytest.mark.parametrize(
    ("value", "code"),
    [("1101011990030745", "id_number_format"), ("110101199013074514", "id_number_birth_date")],
)
def test_errors_have_codes(value: str, code: str) -> None:
    with pytest.raises(IdNumberInvalid) as error:
        check_id_number(value)
    assert error.value.code == code


def test_wrong_check_character() -> None:
    number = _number("11010119900307451")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(IdNumberInvalid, match="校验位错误"):
        check_id_number(wrong)


def test_review_cycles() -> None:
    assert review_cycle_for(Programme.tekun, False) == ReviewCycle.yearly
    assert review_cycle_for(Programme.dibao, True) == ReviewCycle.yearly
    assert review_cycle_for(Programme.low_income, False) == ReviewCycle.half_yearly


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 15), 12) == date(2027, 1, 15)


def test_the_standards_own_example_is_valid() -> None:
    """GB 11643's worked example, whose check character is X."""
    assert check_id_number("11010519491231002X").birth_date == date(1949, 12, 31)
    assert check_id_number("11010519491231002x").number == "11010519491231002X"
