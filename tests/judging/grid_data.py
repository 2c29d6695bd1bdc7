"""A round for the marks grid: 电工·实际操作 (city-skills.json: drop the highest and the lowest of five, spread alert
above 3), five judges of their own units, four entrants drawn; every sheet submitted with the marks below except
where a test says otherwise."""
from __future__ import annotations

from decimal import Decimal as D

from sqlalchemy import select

from contestapp.extensions import db

JUDGES = ("gj1", "gj2", "gj3", "gj4", "gj5", "gj6", "gj7")
M1 = {"gj1": "20", "gj2": "22", "gj3": "21", "gj4": "28", "gj5": "19"}   # spread 9 > 3: 28 and 19 dropped, 21
MORE = {"gj6": "21", "gj7": "20"}                                         # for a panel of seven
OTHER = {"m2": "25", "m3": "16", "safety": "1", "craft": "0", "time": "3600"}


def build(make, entrants: int = 4, submit=lambda entry_index, judge: True, panel: int = 5):
    from contestapp.entrants.models import Entry
    from contestapp.judging.assignments import assign
    from contestapp.judging.draws import draw_event
    from contestapp.judging.models import Mark, ScoreSheet

    org = make.org("甲市总工会", "city")
    organiser = make.user("org1", "organiser", org)
    chief = make.user("chief1", "chief_judge", org)
    judges = [make.user(name, "judge", make.org(f"{name}单位", "unit")) for name in JUDGES[:panel]]
    contest = make.contest(org)
    make.member(contest, chief)
    make.roster(contest, entrants)
    event = contest.events[0]
    practical = next(r for r in event.rounds if r.code == "practical")
    draw_event(event, organiser, levels=1, seed=777)
    for judge in judges:
        assign(contest, judge, [practical], None, organiser)
    crit = {c.code: c.id for c in practical.criteria}
    entries = sorted(db.session.scalars(select(Entry).where(Entry.event_id == event.id)), key=lambda e: e.code)
    index = {e.id: i for i, e in enumerate(entries)}
    for sheet in db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == practical.id)):
        name = sheet.judge.username
        for code, value in {"m1": {**M1, **MORE}[name], **OTHER}.items():
            sheet.marks.append(Mark(criterion_id=crit[code], value=D(value)))
        if submit(index[sheet.entry_id], name):
            sheet.status = "submitted"
    db.session.commit()
    return {"contest": contest, "event": event, "round": practical, "entries": entries,
            "judges": {j.username: j for j in judges}, "chief": chief, "organiser": organiser}
