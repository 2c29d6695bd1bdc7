"""How numbers and times are written for people (pages, PDFs, exports): one place for the display time zone and the
plain writing of decimals. Template filters of the same names are registered by contestapp.filters."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app

from contestapp.common.db import plain
from contestapp.domain.types import round_half_up


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return value.astimezone(zone).strftime(fmt)


def number(value, places: int | None = None) -> str:
    if value is None or value == "":
        return ""
    d = Decimal(value)
    if places is not None:
        return str(round_half_up(d, places))
    return str(plain(d))
