"""Award and title rules (from the definition file) applied to a final result snapshot, via the domain.

The results workflow announces each effective final snapshot (`results.services.final_snapshot`); `apply_awards` is
connected to it here, so results never imports this area."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from sqlalchemy import select

from contestapp.awards.models import AwardGrant
from contestapp.contests.definition import spec_of
from contestapp.contests.models import Event
from contestapp.domain import (
    Entrant as DEntrant,
    EntryResult,
    Explanation,
    Ranked,
    assign_awards,
    grant_titles,
)
from contestapp.entrants.models import Entrant, Entry
from contestapp.extensions import db
from contestapp.results.aggregate import event_spec
from contestapp.results.models import ResultSnapshot
from contestapp.results.services import final_snapshot, official_snapshot, official_snapshot_id


def ranked_from_snapshot(snap: ResultSnapshot) -> list[Ranked]:
    """The snapshot's ranking as domain objects (what awards and titles look at)."""
    out = []
    for row in snap.data["ranking"]:
        result = EntryResult(row["number"], Decimal(row["total"]), Decimal(row["time"]) if row["time"] else None,
                             row["vetoed"], (), row["passed"], (), Explanation(()))
        out.append(Ranked(row["number"], row["rank"], result, tuple(row["tied_with"]), False, row["decision"]))
    return out


def apply_awards(snap: ResultSnapshot) -> list[AwardGrant]:
    """Write the awards and titles of an effective final snapshot (once per snapshot)."""
    if snap.status != "effective" or snap.kind != "final":
        return []
    if db.session.scalar(select(AwardGrant.id).where(AwardGrant.snapshot_id == snap.id).limit(1)):
        return []
    event: Event = snap.event
    spec = event_spec(event)
    ranked = ranked_from_snapshot(snap)
    entry_ids = {row["number"]: row["entry_id"] for row in snap.data["ranking"]}
    awards = assign_awards(spec.awards, ranked) if spec.awards else []
    grants: list[AwardGrant] = []
    for a in awards:
        if a.level:
            grants.append(AwardGrant(snapshot_id=snap.id, event_id=event.id, entry_id=entry_ids[a.entry],
                                     kind="award", name=a.level, rank=a.rank, reason=a.reason[:300]))
    if spec.titles:
        people = {}
        for number, gender, birth, category in db.session.execute(
                select(Entry.number, Entrant.gender, Entrant.birth_date, Entrant.category)
                .join(Entrant, Entrant.id == Entry.entrant_id).where(Entry.event_id == event.id)):
            people[number] = DEntrant(number, birth, gender if gender in ("M", "F") else None,
                                      category if category in ("worker", "manager") else None)
        contest_date = _contest_date(event)
        for t in grant_titles(spec.titles, ranked, people, contest_date, awards):
            grants.append(AwardGrant(snapshot_id=snap.id, event_id=event.id, entry_id=entry_ids[t.entry],
                                     kind="title", name=t.title, rank=t.rank, reason=f"名次 {t.rank}"))
    db.session.add_all(grants)
    db.session.flush()
    return grants


@final_snapshot.connect
def _awards_of_final(snap: ResultSnapshot, **_kw) -> None:
    apply_awards(snap)


def _contest_date(event: Event):
    return spec_of(event.contest).date


@dataclass
class GrantRow:
    rank: int
    number: str
    code: Optional[str]
    name: str
    unit: str
    total: str
    award: Optional[str]
    titles: list[str]


def official_awards(event: Event) -> dict[int, str]:
    """Entry id -> award of the official result, from the grants alone (what the big screen polls for)."""
    snapshot_id = official_snapshot_id(event)
    if snapshot_id is None:
        return {}
    g = AwardGrant.__table__.c
    return dict(db.session.execute(select(g.entry_id, g.name).where(g.snapshot_id == snapshot_id,
                                                                     g.kind == "award")).all())


def current_grants(event: Event) -> tuple[Optional[ResultSnapshot], list[GrantRow]]:
    """The official awards of an event: those of its latest effective final snapshot, one row per entry."""
    snap = official_snapshot(event)
    if snap is None:
        return None, []
    grants = list(db.session.scalars(select(AwardGrant).where(AwardGrant.snapshot_id == snap.id)))
    award = {g.entry_id: g.name for g in grants if g.kind == "award"}
    titles: dict[int, list[str]] = {}
    for g in grants:
        if g.kind == "title":
            titles.setdefault(g.entry_id, []).append(g.name)
    rows = []
    for row in snap.data["ranking"]:
        i = row["entry_id"]
        if i in award or i in titles:
            rows.append(GrantRow(row["rank"], row["number"], row["code"], row["name"], row["unit"], row["total"],
                                 award.get(i), titles.get(i, [])))
    return snap, rows
