"""How numbers and times are written for people (pages, PDFs, exports): one place for the display time zone and the
plain writing of decimals. Template filters of the same names are registered by contestapp.filters."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from contestapp.common.db import plain
from contestapp.domain.types import round_half_up


DEFAULT_ZONE = "Asia/Shanghai"


def contest_zone(contest: Any = None, app: Any = None) -> ZoneInfo:
    """The zone date-times are shown and typed in: the contest's own (`time_zone`) if it has one, else the app's
    BABEL_DEFAULT_TIMEZONE (Asia/Shanghai). `common.forms` reads typed date-times in the same zone; the scheduler's
    cron times and local dates use the app's (pass `app` outside an app context)."""
    config = (app or current_app).config
    name = getattr(contest, "time_zone", None) or config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE
    return ZoneInfo(name)


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(contest_zone()).strftime(fmt)


def number(value, places: int | None = None) -> str:
    if value is None or value == "":
        return ""
    d = Decimal(value)
    if places is not None:
        return str(round_half_up(d, places))
    return str(plain(d))
