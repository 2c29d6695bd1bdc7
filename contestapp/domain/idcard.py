"""Resident identity card numbers (居民身份证号, GB 11643-1999): checksum, birth date, gender, masking."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .messages import N_

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class IdNumberError(ValueError):
    """The number is not a valid 18-digit ID number; the message is for the user, in Chinese (marked N_)."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    gender: str  # "M" or "F": the 17th digit is odd for men


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def parse_id_number(raw: str) -> IdNumber:
    number = (raw or "").strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError(N_("身份证号应为18位（前17位为数字，末位为数字或X）"))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(N_("身份证号中的出生日期无效")) from None
    if born.year < 1900 or born > date.today():
        raise IdNumberError(N_("身份证号中的出生日期无效"))
    if check_digit(number[:17]) != number[17]:
        raise IdNumberError(N_("身份证号校验位错误"))
    return IdNumber(number, born, "M" if int(number[16]) % 2 else "F")


def mask_id_number(number: str) -> str:
    """3301**********1234: the region prefix and the last four digits only."""
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def make_id_number(region: str, born: date, sequence: int, gender: str) -> str:
    """A valid-checksum number, for demo data and tests (sequence 0-99; the gender digit is chosen to fit)."""
    gender_digit = (sequence % 5) * 2 + (1 if gender == "M" else 0)
    first17 = f"{region}{born:%Y%m%d}{sequence // 5 % 100:02d}{gender_digit}"
    return first17 + check_digit(first17)
