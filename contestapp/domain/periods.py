"""Assessment periods (考评期) of a merit contest or points assessment, from a schedule.

A schedule cuts the span start..end into calendar-aligned periods (weeks start on Monday; half-months are 1-15 and
16-end; two-month periods are Jan-Feb, Mar-Apr, ...; quarters are calendar quarters), clipped to the span. Each
period's sheets close `deadline_days` after its last day (the deadline is the end of that day).
Codes are stable and sort in time order, so a period is the round of the same code in every event.
"""
from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional, Sequence

from .types import SpecError

SCHEDULES = ("weekly", "half_monthly", "monthly", "bimonthly", "quarterly", "yearly")
SCHEDULE_LABELS = {"weekly": "每周", "half_monthly": "每半月", "monthly": "每月", "bimonthly": "每两月",
                   "quarterly": "每季度", "yearly": "每年"}
_QUARTERS = ("一", "二", "三", "四")


@dataclass(frozen=True)
class PeriodPlan:
    code: str
    name: str
    starts_on: date
    ends_on: date
    deadline: date  # last day on which sheets may be filled in


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _chunks(schedule: str, start: date):
    """Calendar chunks from the one containing `start`: (first day, last day, code, name)."""
    if schedule == "weekly":
        day = start - timedelta(days=start.weekday())
        while True:
            year, week, _ = day.isocalendar()
            yield day, day + timedelta(days=6), f"{year}-W{week:02d}", f"{year}年第{week}周"
            day += timedelta(days=7)
    elif schedule == "half_monthly":
        day = date(start.year, start.month, 1)
        while True:
            y, m = day.year, day.month
            yield day, date(y, m, 15), f"{y}-{m:02d}a", f"{y}年{m}月上半月"
            yield date(y, m, 16), _month_end(y, m), f"{y}-{m:02d}b", f"{y}年{m}月下半月"
            day = _next_month(day)
    elif schedule in ("monthly", "bimonthly", "quarterly"):
        size = {"monthly": 1, "bimonthly": 2, "quarterly": 3}[schedule]
        day = date(start.year, (start.month - 1) // size * size + 1, 1)
        while True:
            y, m = day.year, day.month
            last = _month_end(y, m + size - 1)
            if size == 1:
                code, name = f"{y}-{m:02d}", f"{y}年{m}月"
            elif size == 2:
                code, name = f"{y}-B{(m + 1) // 2}", f"{y}年{m}—{m + 1}月"
            else:
                q = (m - 1) // 3
                code, name = f"{y}-Q{q + 1}", f"{y}年第{_QUARTERS[q]}季度"
            yield day, last, code, name
            day = last + timedelta(days=1)
    elif schedule == "yearly":
        year = start.year
        while True:
            yield date(year, 1, 1), date(year, 12, 31), f"{year}", f"{year}年度"
            year += 1


def plan_periods(schedule: str, start: date, end: date, deadline_days: int = 5) -> list[PeriodPlan]:
    """The periods of `schedule` covering start..end (inclusive), clipped to it."""
    problems = []
    if schedule not in SCHEDULES:
        problems.append(("schedule", f"must be one of {', '.join(SCHEDULES)} / 考评周期取值无效"))
    if end < start:
        problems.append(("end", "must not be before start / 结束日期不能早于开始日期"))
    if deadline_days < 0:
        problems.append(("deadline_days", "must be >= 0 / 不能为负"))
    if problems:
        raise SpecError(problems)
    plans: list[PeriodPlan] = []
    for first, last, code, name in _chunks(schedule, start):
        if first > end:
            break
        if last < start:
            continue
        first, last = max(first, start), min(last, end)
        plans.append(PeriodPlan(code, name + "考评", first, last, last + timedelta(days=deadline_days)))
        if len(plans) > 600:
            raise SpecError([("schedule", "too many periods / 考评期过多")])
    return plans


# The codes each schedule gives its periods (see `_chunks`), most specific first.
_CODE_SHAPES = (("weekly", re.compile(r"\d{4}-W\d{2}")), ("half_monthly", re.compile(r"\d{4}-\d{2}[ab]")),
                ("monthly", re.compile(r"\d{4}-\d{2}")), ("bimonthly", re.compile(r"\d{4}-B[1-6]")),
                ("quarterly", re.compile(r"\d{4}-Q[1-4]")), ("yearly", re.compile(r"\d{4}")))


def schedule_of(codes: Sequence[str]) -> Optional[str]:
    """The schedule whose periods these codes are (every code of one shape), or None: how a contest template's
    rounds ("2025-04", "2025-05", ...) say the schedule they were written for."""
    for schedule, shape in _CODE_SHAPES:
        if codes and all(shape.fullmatch(code) for code in codes):
            return schedule
    return None


def span_from(schedule: str, start: date, count: int) -> tuple[date, date]:
    """The first day of the period of `schedule` containing `start` and the last day of the `count`-th period from
    there: the span a template of `count` periods covers when it is used from `start`."""
    if schedule not in SCHEDULES or count < 1:
        raise SpecError([("schedule", f"must be one of {', '.join(SCHEDULES)} / 考评周期取值无效")])
    chunks = _chunks(schedule, start)
    first = next(chunks)
    while first[1] < start:  # a schedule's chunks may begin before the one containing `start` (half-months)
        first = next(chunks)
    last = first
    for _ in range(count - 1):
        last = next(chunks)
    return first[0], last[1]


def successor(old: Sequence[str], new: Sequence[str], code: str) -> Optional[str]:
    """Where a reference to period `code` (e.g. a tie-break on a period's score) goes when the periods `old` are
    replaced by `new`: itself if it is kept; the last new period if it was the last old one (the latest period stays
    the latest); otherwise the new period at its place, or the last one if there are fewer. None if `new` is empty."""
    if code in new:
        return code
    if not new:
        return None
    if code not in old or old.index(code) == len(old) - 1:
        return new[-1]
    return new[min(old.index(code), len(new) - 1)]
