"""Final results are immutable: nothing changes an event whose results are final (定稿) except through an explicit,
audited reopening (`results.services.reopen`, which gives a reason and keeps the official snapshot as history).

The rule lives here, in the contests area, so that every area below results (entrants, judging) can apply it without
importing results: `Event.final_at` is set when an event's results become final and cleared when they are reopened.

- Services that change an event call `ensure_open(...)` first: the refusal comes before any work, with the event's
  name. Writes that bypass the ORM (bulk inserts, Core updates) rely on this call.
- As a safety net, every ORM flush that adds, changes or deletes a row of a model registered with `watch` (entries,
  sheets, marks, draws, assignments, recusals, decryptions, appeals, rounds, criteria...) is refused when that row
  belongs to an event whose results are final, so a path that forgets the call still cannot change a final event.
  Deleting the event itself (with its contest) is not a change of it and passes.

`EventFinalError` reaches users through one error handler (contestapp/__init__.py): a flashed message on the pages,
a JSON 409 on the API.
"""
from __future__ import annotations

from itertools import chain
from typing import Any, Callable, Iterable, Literal

from sqlalchemy import event as sa_event, select
from sqlalchemy.orm import Session

from contestapp.contests.models import Criterion, Event, Round
from contestapp.extensions import db
from contestapp.i18n import N_

MESSAGE = N_("赛项“%(event)s”的成绩已定稿，不能再修改；如需更正，请由组织者填写理由重新开放成绩")


class EventFinalError(ValueError):
    """A change refused because the event's results are final. `str()` is the Chinese message; views translate
    `template` with `params`."""

    template = MESSAGE

    def __init__(self, event_name: str):
        self.params = {"event": event_name}
        super().__init__(MESSAGE % self.params)


def _final_names(session, event_ids: Iterable[int | None]) -> list[str]:
    """Names of the events among `event_ids` whose results are final. The rows are read FOR SHARE (PostgreSQL), so a
    finalisation running at the same time (which locks the event FOR UPDATE) waits for this change to commit, or
    this change waits for it and then sees the event final."""
    ids = sorted({i for i in event_ids if i is not None})
    if not ids:
        return []
    return list(session.scalars(select(Event.name).where(Event.id.in_(ids), Event.final_at.is_not(None))
                                .order_by(Event.id).with_for_update(read=True)))


def ensure_open_ids(event_ids: Iterable[int | None]) -> None:
    """Refuse (EventFinalError) when any of these events has final results."""
    names = _final_names(db.session, event_ids)
    if names:
        raise EventFinalError(names[0])


def ensure_open(*events: Event) -> None:
    """Refuse (EventFinalError) when any of these events has final results."""
    ensure_open_ids(e.id for e in events if e is not None)


def ensure_rounds_open(round_ids: Iterable[int | None]) -> None:
    ids = sorted({i for i in round_ids if i is not None})
    if ids:
        ensure_open_ids(db.session.scalars(select(Round.event_id).where(Round.id.in_(ids))))


def is_final(event: Event) -> bool:
    return event.final_at is not None


# --- the safety net -------------------------------------------------------------------------------------------------

Via = Literal["event", "round"]
_WATCHED: dict[type, tuple[Callable[[Any], int | None], Via]] = {}


def watch(model: type, key: Callable[[Any], int | None], via: Via = "event") -> None:
    """Refuse ORM writes of `model` rows whose event is final; `key(row)` is the row's event id (via="event") or
    round id (via="round"). Each area registers its own models (in its models module)."""
    _WATCHED[model] = (key, via)


def _event_ids_of(session, objects) -> set[int]:
    events: set[int] = set()
    rounds: set[int] = set()
    for obj in objects:
        key, via = _WATCHED[type(obj)]
        (events if via == "event" else rounds).add(key(obj))
    rounds.discard(None)
    if rounds:
        events |= set(session.scalars(select(Round.event_id).where(Round.id.in_(sorted(rounds)))))
    events.discard(None)
    return events


@sa_event.listens_for(Session, "before_flush")
def _refuse_changes_to_final_events(session, flush_context, instances) -> None:
    if not _WATCHED:
        return
    touched = [o for o in chain(session.new, session.deleted) if type(o) in _WATCHED]
    touched += [o for o in session.dirty
                if type(o) in _WATCHED and session.is_modified(o, include_collections=False)]
    if not touched:
        return
    with session.no_autoflush:
        events = _event_ids_of(session, touched)
        events -= {o.id for o in session.deleted if isinstance(o, Event)}  # the event itself goes: not a change
        names = _final_names(session, events)
    if names:
        raise EventFinalError(names[0])


watch(Round, lambda r: r.event_id if r.event_id is not None else getattr(r.event, "id", None))
watch(Criterion, lambda c: c.round_id if c.round_id is not None else getattr(c.round, "id", None), "round")
