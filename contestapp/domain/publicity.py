"""Publicity (成绩公示), the appeal window (申诉期) and finalisation (定稿): when results may become final.

- Publicity lasts a number of working days (Monday to Friday) from publication (default 5).
- Appeals are accepted for `appeal_hours` after the event's recorded end (default 2); when no end was recorded,
  they stay possible until the publicity period ends (the system cannot know the window, so it keeps it open).
- Results become final only once publicity is over, no appeal is possible any more, none is waiting for the
  arbitration group's ruling, and the chief judge has confirmed every judged round. Each unmet condition is a `Hold`
  the results page shows beside its disabled button.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Optional, Sequence

DRAFT, PUBLICITY, FINAL, REOPENED = "draft", "publicity", "final", "reopened"


def add_working_days(start: datetime, days: int) -> datetime:
    """`days` working days (Monday to Friday) after `start`, at the same time of day (公示期 counts working days)."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def appeal_deadline(ended_at: Optional[datetime], appeal_hours: int) -> Optional[datetime]:
    """`appeal_hours` after the event's recorded end; None when no end is recorded."""
    return None if ended_at is None else ended_at + timedelta(hours=appeal_hours)


def appeals_close_at(ended_at: Optional[datetime], appeal_hours: int,
                     publicity_ends_at: Optional[datetime]) -> Optional[datetime]:
    """When appeals stop being accepted: the appeal deadline; without a recorded end, the end of publicity; None
    while neither is known (before publication with no recorded end: still open)."""
    return appeal_deadline(ended_at, appeal_hours) or publicity_ends_at


def appeals_open(now: datetime, stage: str, closes_at: Optional[datetime]) -> bool:
    """Whether an appeal lodged at `now` is still in time (never once the results are final or reopened)."""
    return stage in (DRAFT, PUBLICITY) and (closes_at is None or now <= closes_at)


@dataclass(frozen=True)
class Hold:
    """A reason the results cannot be finalised yet: `code` (see FINALISE_HOLDS) and the values its message needs."""

    code: str
    params: dict = field(default_factory=dict)


FINALISE_HOLDS = ("draft", "final", "reopened", "publicity", "appeal_window", "appeals_pending", "unconfirmed")


def finalise_holds(stage: str, now: datetime, publicity_ends_at: Optional[datetime],
                   appeals_close: Optional[datetime], pending_appeals: int,
                   unconfirmed_rounds: Sequence[str] = ()) -> list[Hold]:
    """Every reason finalisation must wait now (empty: the results may become final)."""
    if stage != PUBLICITY:
        return [Hold(stage if stage in (DRAFT, FINAL, REOPENED) else DRAFT)]
    holds = []
    in_publicity = publicity_ends_at is None or now < publicity_ends_at
    if in_publicity:
        holds.append(Hold("publicity", {"until": publicity_ends_at}))
    if appeals_close is not None and now <= appeals_close and not (in_publicity and appeals_close == publicity_ends_at):
        holds.append(Hold("appeal_window", {"until": appeals_close}))  # (said once when it is the publicity end)
    if pending_appeals:
        holds.append(Hold("appeals_pending", {"n": pending_appeals}))
    if unconfirmed_rounds:
        holds.append(Hold("unconfirmed", {"rounds": "、".join(unconfirmed_rounds)}))
    return holds
