"""Shared form pieces: date-times entered in the contest's time zone.

The database keeps aware UTC datetimes (`common.db.UTCDateTime`); people type wall-clock time where the contest
happens (the app's BABEL_DEFAULT_TIMEZONE, Asia/Shanghai by default, or a contest's own `time_zone` if it has one).
`ZonedDateTimeField` (WTForms) and `local_datetime` (plain forms) are the one place that converts between the two;
`common.formatting` names the zone (`contest_zone`) and shows stored values back in it (`local_time`)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField

from contestapp.common.formatting import contest_zone
from contestapp.i18n import N_

FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
ZONE_LABELS = {"Asia/Shanghai": N_("北京时间"), "Asia/Hong_Kong": N_("香港时间"), "Asia/Macau": N_("澳门时间"),
               "Asia/Taipei": N_("台北时间"), "Asia/Urumqi": N_("乌鲁木齐时间"), "UTC": N_("协调世界时")}


class DateTimeTextError(ValueError):
    """A typed date-time that cannot be read; str() is the Chinese message."""


def zone_label(contest: Any = None) -> str:
    """The zone's name next to a date-time field (北京时间), translated."""
    zone = contest_zone(contest).key
    return _(ZONE_LABELS[zone]) if zone in ZONE_LABELS else zone


def local_datetime(text: Optional[str], contest: Any = None) -> Optional[datetime]:
    """A wall-clock date-time as a `<input type="datetime-local">` sends it (2025-05-20T15:30) in the contest's zone,
    as an aware UTC datetime; None when empty. Raises DateTimeTextError (Chinese) when it cannot be read."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=contest_zone(contest)).astimezone(timezone.utc)
    raise DateTimeTextError(_("时间格式不正确：请用日期时间选择器选择（年-月-日 时:分）"))


class ZonedDateTimeField(DateTimeLocalField):
    """`<input type="datetime-local">` in the contest's time zone. `.data` is an aware UTC datetime (as the
    UTCDateTime columns expect); a stored value is shown as wall-clock time in the zone, and the zone's name is
    offered as `zone_label` (the `field` macro shows it next to the input). `contest` (optional) picks a contest's
    own zone."""

    def __init__(self, label=None, validators=None, contest: Any = None, **kwargs):
        kwargs.setdefault("format", list(FORMATS))
        super().__init__(label, validators, **kwargs)
        self.contest = contest

    @property
    def zone_label(self) -> str:
        return zone_label(self.contest)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data is None:
            return ""
        value = self.data.astimezone(contest_zone(self.contest)) if self.data.tzinfo else self.data
        return value.strftime(self.format[0])

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        try:
            self.data = local_datetime(" ".join(valuelist), self.contest)
        except DateTimeTextError as exc:
            self.data = None
            raise ValueError(str(exc)) from None
        if self.data is None:
            raise ValueError(_l("请选择日期和时间"))
