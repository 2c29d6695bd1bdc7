"""Entrant services: roster import (all or nothing), listing, export, revealing an ID number. Never commit."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import selectinload

from contestapp.audit.service import record
from contestapp.common.db import insert_rows
from contestapp.contests.finality import ensure_open, ensure_open_ids
from contestapp.contests.models import Contest, Event
from contestapp.entrants.models import Entrant, EntrantKind, Entry, Unit
from contestapp.entrants.roster import RosterCheck, RosterProblem, check_rows, read_table
from contestapp.extensions import db
from contestapp.i18n import N_, Message


def event_lookup(contest: Contest) -> dict[str, str]:
    """Event code and event name -> code (a roster may use either)."""
    names: dict[str, str] = {}
    for event in contest.events:
        names[event.code] = event.code
        names[event.name] = event.code
    return names


def registered_ids(contest: Contest) -> set[str]:
    return set(db.session.scalars(
        select(Entrant.id_number).where(Entrant.contest_id == contest.id, Entrant.id_number.is_not(None))))


def check_roster(contest: Contest, content: bytes, filename: str) -> RosterCheck:
    """Every problem of a roster file, row by row; a row entering an event whose results are final is one."""
    checked = check_rows(read_table(content, filename), event_lookup(contest), registered_ids(contest))
    final = {e.code: e.name for e in contest.events if e.final_at is not None}
    for row in checked.rows:
        for code in row.events:
            if code in final:
                checked.problems.append(RosterProblem(row.row, "参赛赛项", Message(
                    N_("赛项“%(event)s”的成绩已定稿，不能再报名"), event=final[code])))
    checked.problems.sort(key=lambda p: p.row)
    return checked


def _ensure_units(contest: Contest, names: set[str]) -> dict[str, int]:
    existing = dict(db.session.execute(
        select(Unit.name, Unit.id).where(Unit.contest_id == contest.id, Unit.name.in_(names))).all())
    missing = sorted(names - existing.keys())
    if missing:
        rows = db.session.execute(insert(Unit).returning(Unit.name, Unit.id),
                                  [{"contest_id": contest.id, "name": n} for n in missing]).all()
        existing.update(dict(rows))
    return existing


def _next_numbers(events: dict[str, Event]) -> dict[str, int]:
    counts = dict(db.session.execute(
        select(Entry.event_id, func.count(Entry.id)).where(Entry.event_id.in_([e.id for e in events.values()]))
        .group_by(Entry.event_id)).all())
    return {code: counts.get(event.id, 0) for code, event in events.items()}


def import_roster(contest: Contest, checked: RosterCheck, actor) -> int:
    """Insert every row of a clean check in bulk (10,000 rows in a few statements); returns the entrant count."""
    if not checked.ok:
        raise ValueError("roster has problems; nothing may be imported")
    events = {e.code: e for e in contest.events}
    ensure_open_ids(events[code].id for r in checked.rows for code in r.events)
    units = _ensure_units(contest, {r.unit for r in checked.rows})
    teams: dict[tuple[str, str], int] = {}
    team_names = {(r.unit, r.team) for r in checked.rows if r.team}
    if team_names:
        existing = db.session.execute(select(Entrant.name, Entrant.unit_id, Entrant.id).where(
            Entrant.contest_id == contest.id, Entrant.kind == EntrantKind.TEAM)).all()
        by_key = {(name, unit_id): ident for name, unit_id, ident in existing}
        for unit, team in sorted(team_names):
            key = (team, units[unit])
            if key not in by_key:
                by_key[key] = db.session.execute(insert(Entrant).returning(Entrant.id), [{
                    "contest_id": contest.id, "kind": EntrantKind.TEAM, "name": team, "unit_id": units[unit]}]
                ).scalar_one()
            teams[(unit, team)] = by_key[key]
    # One INSERT for all (`insert_rows`), then the new ids read back by ID number (unique in the contest: the check
    # refuses a number already registered). With RETURNING, SQLAlchemy would send 1,000-row VALUES lists whose
    # 12,000 placeholders psycopg parses in Python: ~1.3 s for 10,000 people.
    insert_rows(db.session, Entrant.__table__, [{
        "contest_id": contest.id, "kind": EntrantKind.PERSON, "name": r.name, "gender": r.gender,
        "birth_date": r.birth_date, "id_number": r.id_number, "phone": r.phone, "unit_id": units[r.unit],
        "trade": r.trade, "vocational_level": r.vocational_level, "category": r.category,
        "team_id": teams.get((r.unit, r.team)) if r.team else None,
    } for r in checked.rows])
    ids = dict(db.session.execute(select(Entrant.id_number, Entrant.id).where(
        Entrant.contest_id == contest.id, Entrant.kind == EntrantKind.PERSON, Entrant.id_number.is_not(None))).all())
    seq = _next_numbers(events)
    entries, team_entries = [], set()
    for r in checked.rows:
        for code in r.events:
            event = events[code]
            if event.mode == "team" and r.team:
                team_entries.add((code, teams[(r.unit, r.team)]))
                # a team scored as the sum of its members' results needs the members' own entries too
                if (event.rules or {}).get("team_combine", "sum_members") != "sum_members":
                    continue
            seq[code] += 1
            entries.append({"event_id": event.id, "entrant_id": ids[r.id_number],
                            "number": r.number or f"{code}-{seq[code]:04d}"})
    for code, team_id in sorted(team_entries):
        already = db.session.scalar(select(Entry.id).where(Entry.event_id == events[code].id,
                                                           Entry.entrant_id == team_id))
        if already is None:
            seq[code] += 1
            entries.append({"event_id": events[code].id, "entrant_id": team_id, "number": f"{code}-{seq[code]:04d}"})
    if entries:
        insert_rows(db.session, Entry.__table__, entries)  # (PostgreSQL: one statement, versioned at once)
    record(actor, "roster.import", contest, contest_id=contest.id,
           summary=f"导入报名表 {len(checked.rows)} 人，报名 {len(entries)} 项",
           data={"entrants": len(checked.rows), "entries": len(entries)})
    return len(checked.rows)


def entrant_query(contest: Contest, q: str = "", event_id: int | None = None, unit_id: int | None = None):
    """The filtered entrant list (people and teams), with units and entries loaded up front (no N+1)."""
    query = (select(Entrant).where(Entrant.contest_id == contest.id)
             .options(selectinload(Entrant.unit), selectinload(Entrant.entries).selectinload(Entry.event))
             .order_by(Entrant.id))
    if q:  # what was typed is matched literally: % and _ are not wildcards (autoescape)
        q = q.strip()
        query = query.where(or_(Entrant.name.contains(q, autoescape=True), Entrant.phone.contains(q, autoescape=True),
                                Entrant.id_number.endswith(q, autoescape=True),
                                Entrant.id.in_(select(Entry.entrant_id).where(
                                    Entry.number.contains(q, autoescape=True)))))
    if event_id:
        query = query.where(Entrant.id.in_(select(Entry.entrant_id).where(Entry.event_id == event_id)))
    if unit_id:
        query = query.where(Entrant.unit_id == unit_id)
    return query


def units_of(contest: Contest) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.contest_id == contest.id).order_by(Unit.name)))


CATEGORY_LABELS = {"worker": "一线职工", "manager": "管理人员"}


def export_rows(contest: Contest, reveal: bool) -> list[list[str]]:
    """One row per entry (a person in two events gets two rows), in the template's columns."""
    entrants = db.session.scalars(entrant_query(contest).where(Entrant.kind == EntrantKind.PERSON)).all()
    team_names = dict(db.session.execute(select(Entrant.id, Entrant.name).where(
        Entrant.contest_id == contest.id, Entrant.kind == EntrantKind.TEAM)).all())
    rows = []
    for p in entrants:
        id_text = (p.id_number if reveal else p.masked_id_number) or ""
        base = [p.name, p.gender_label, id_text, p.phone or "", p.unit_name, p.trade or "", p.vocational_level or "",
                CATEGORY_LABELS.get(p.category or "", "")]
        team = team_names.get(p.team_id, "") if p.team_id else ""
        entries = p.entries or []
        if not entries:
            rows.append(base + ["", "", team, "", ""])
        for e in entries:
            rows.append(base + [e.event.name, e.number, team, e.workstation or "", e.code or ""])
    return rows


def reveal_id_number(entrant: Entrant, actor) -> str:
    record(actor, "entrant.reveal_id", entrant, contest_id=entrant.contest_id,
           summary=f"查看 {entrant.name} 的完整身份证号")
    return entrant.id_number or ""


def delete_entrant(entrant: Entrant, actor) -> None:
    ensure_open(*(e.event for e in entrant.entries))
    record(actor, "entrant.delete", entrant, contest_id=entrant.contest_id,
           summary=f"删除参赛者 {entrant.name}", data={"id_number": entrant.masked_id_number})
    db.session.delete(entrant)


def entries_by_event(contest: Contest) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for event_id, n in db.session.execute(
            select(Entry.event_id, func.count(Entry.id)).join(Event).where(Event.contest_id == contest.id)
            .group_by(Entry.event_id)):
        counts[event_id] = n
    return counts
