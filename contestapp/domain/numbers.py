"""Numbers from people and files, checked before any arithmetic or storage: one rule for every mark and setting.

- A mark is written with ASCII or full-width digits (a Chinese input method types ８５．５), an optional minus sign
  (a 通报批评 adjustment below zero) and at most one decimal point: nothing else (no exponent, no "1_0", no "+").
- Every decimal the application keeps fits its storage: at most PLACES decimal places (the database keeps exact
  ten-thousandths) and a magnitude below LIMIT; every whole number fits a 32-bit column.
Errors are NumberError with a Chinese reason (marked N_, or a Message: `tr` shows it in the reader's language), for
the caller to put beside the field or row.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .messages import N_, Message

PLACES = 4
LIMIT = Decimal(10) ** 12          # well inside the 64-bit scaled integers the database stores (9.2e14)
INT_LIMIT = 2**31 - 1               # 32-bit integer columns

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－", "0123456789.-")
_MARK = re.compile(r"-?[0-9]+(\.[0-9]+)?|-?\.[0-9]+")


class NumberError(ValueError):
    """The text is not a number this application accepts; str() is the reason in Chinese, `english` in English."""

    def __init__(self, chinese: str, english: str):
        super().__init__(chinese)
        self.english = english


def _not_a_number() -> NumberError:
    return NumberError(N_("须为数字"), 'must be a number, e.g. "30.5"')


def _bounded(value: Decimal, places: int = PLACES) -> Decimal:
    if not value.is_finite():
        raise NumberError(N_("须为有限数值"), "must be a finite number")
    if value.as_tuple().exponent < -places:
        raise NumberError(Message(N_("最多 %(places)s 位小数"), places=places), f"at most {places} decimal places")
    if abs(value) >= LIMIT:
        raise NumberError(N_("数值过大"), "is too large")
    return value


def parse_mark(raw: Any, places: int = PLACES) -> Decimal:
    """A mark typed by a judge or read from a file: digits (ASCII or full-width), an optional minus sign and at most
    one decimal point. JSON numbers (int, or a float written with a decimal point) are accepted as written."""
    if isinstance(raw, bool) or raw is None:
        raise _not_a_number()
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        text = repr(raw)  # 85.5, not 85.4999...; an exponent form (1e+30) is refused below
    elif isinstance(raw, str):
        text = raw.strip().translate(_FULL_WIDTH)
    else:
        raise _not_a_number()
    if not _MARK.fullmatch(text):
        raise _not_a_number()
    return _bounded(Decimal(text), places)


def read_decimal(raw: Any, places: int = PLACES) -> Decimal:
    """A decimal setting from a definition file or a form (a string such as "30.5", an int, or a float)."""
    if isinstance(raw, Decimal):
        if re.search(r"[eE]", str(raw)) and raw != raw.to_integral_value():  # 1E-30
            raise _exponent()
        return _bounded(raw, places)
    if (isinstance(raw, str) and re.search(r"[eE_]", raw)) or (isinstance(raw, float) and "e" in repr(raw)):
        try:
            Decimal(raw if isinstance(raw, str) else repr(raw))
        except InvalidOperation:
            raise _not_a_number() from None
        raise _exponent()
    return parse_mark(raw, places)


def _exponent() -> NumberError:
    return NumberError(N_("请写成普通小数，如 30.5（不接受科学计数法）"), 'must be written plainly, e.g. "30.5" (no exponent)')


def read_int(raw: Any) -> int:
    """A whole number (JSON integer) that fits a 32-bit column."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise NumberError(N_("须为整数"), "must be a whole number")
    if abs(raw) > INT_LIMIT:
        raise NumberError(N_("整数过大"), "is too large")
    return raw
