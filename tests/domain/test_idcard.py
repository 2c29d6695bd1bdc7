"""Resident ID numbers: checksum, birth date, gender, masking."""
from datetime import date

import pytest

from contestapp.domain.idcard import IdNumberError, make_id_number, mask_id_number, parse_id_number


def test_a_published_valid_number_parses():
    parsed = parse_id_number("11010519491231002X")
    assert parsed.birth_date == date(1949, 12, 31) and parsed.gender == "F"


def test_lower_case_x_and_spaces_are_accepted():
    assert parse_id_number(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize("number, message", [
    ("110105194912310021", "校验位错误"),
    ("11010519491331002X", "出生日期无效"),
    ("1101051949123100", "18位"),
    ("11010519491231002Y", "18位"),
    ("", "18位"),
])
def test_bad_numbers_are_explained(number, message):
    with pytest.raises(IdNumberError, match=message):
        parse_id_number(number)


def test_made_numbers_are_valid_and_carry_gender_and_birth():
    for i in range(100):
        gender = "M" if i % 2 else "F"
        number = make_id_number("330102", date(1990, 2, 28), i, gender)
        parsed = parse_id_number(number)
        assert parsed.gender == gender and parsed.birth_date == date(1990, 2, 28)


def test_masking_keeps_region_and_last_four():
    assert mask_id_number("330106198503010015") == "3301**********0015"
