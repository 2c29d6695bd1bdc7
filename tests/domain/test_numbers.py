"""One rule for numbers from people and files (contestapp.domain.numbers), and the definition file refusing, by
path, the numbers that used to escape as exceptions or fail at the insert."""
from decimal import Decimal as D

import pytest

from contestapp.domain.definition import DefinitionError, parse_contest
from contestapp.domain.numbers import NumberError, parse_mark, read_decimal, read_int


@pytest.mark.parametrize("raw, value", [
    ("85.5", D("85.5")), ("８５．５", D("85.5")), (" 40 ", D(40)), ("-2", D(-2)), ("－３", D(-3)), (".5", D("0.5")),
    (7, D(7)), (8.25, D("8.25")), ("0.0001", D("0.0001")),
])
def test_marks_accept_ascii_and_full_width_digits_with_one_point(raw, value):
    assert parse_mark(raw) == value


@pytest.mark.parametrize("raw", [
    "1_0", "1e1", "1E1", "+5", "5.", "1.2.3", "--1", "NaN", "Infinity", "", " ", "٣", "10分", "1,5", True, None,
    {}, [], 1e30, "1e30", "99999999999999", "0.00001",
])
def test_marks_refuse_everything_else(raw):
    with pytest.raises(NumberError):
        parse_mark(raw)


def test_settings_refuse_exponents_overflow_and_too_many_places_with_reasons():
    assert read_decimal("30.5") == D("30.5") and read_decimal(3) == D(3)
    for raw, reason in [("1e-30", "科学计数法"), ("1e1000000", "科学计数法"), ("0.00001", "最多 4 位小数"),
                        (1e300, "科学计数法"), ("1" + "0" * 13, "数值过大"), ("abc", "须为数字")]:
        with pytest.raises(NumberError, match=reason):
            read_decimal(raw)
    assert read_int(2026) == 2026
    for raw in (2**63, -(2**31) - 5, "2026", 2026.0, True):
        with pytest.raises(NumberError):
            read_int(raw)


def definition(**changes):
    criterion = {"code": "a", "name": "A", "max": "10", **changes.pop("criterion", {})}
    rnd = {"code": "r", "name": "实操", **changes.pop("round", {}), "criteria": [criterion]}
    return {"code": "c", "name": "竞赛", "year": 2026, **changes,
            "events": [{"code": "e", "name": "电工", "rounds": [rnd]}]}


@pytest.mark.parametrize("changes, path", [
    ({"criterion": {"step": "1e-30"}}, "events[0].rounds[0].criteria[0].step"),
    ({"criterion": {"max": "1e1000000"}}, "events[0].rounds[0].criteria[0].max"),
    ({"criterion": {"step": "0.00001"}}, "events[0].rounds[0].criteria[0].step"),
    ({"criterion": {"weight": "1e1000000"}}, "events[0].rounds[0].criteria[0].weight"),
    ({"round": {"weight": "1e1000000"}}, "events[0].rounds[0].weight"),
    ({"year": 2**63}, "year"),
])
def test_crafted_numbers_in_a_definition_are_refused_by_path(changes, path):
    with pytest.raises(DefinitionError) as caught:
        parse_contest(definition(**changes))
    assert path in dict(caught.value.problems)
