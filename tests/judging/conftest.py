"""A judged event: 8 entrants of 4 units in 电工, three judges (one from 单位0) on the practical round, a chief judge,
the organiser; lots drawn. Entrants have phones so anonymity tests can look for them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from contestapp.extensions import db


@pytest.fixture
def jw(app, make):
    from contestapp.entrants.models import Entrant, Entry
    from contestapp.judging.assignments import assign
    from contestapp.judging.draws import draw_event

    org = make.org("甲市总工会", "city")
    contest = make.contest(org)
    make.roster(contest, 8)
    people = {
        "organiser": make.user("org1", "organiser", org),
        "chief": make.user("chief1", "chief_judge", org),
        "j1": make.user("judge1", "judge", org, unit_name="单位0"),
        "j2": make.user("judge2", "judge", org, unit_name="某检测中心"),
        "j3": make.user("judge3", "judge", org),
    }
    make.member(contest, people["chief"])
    for i, e in enumerate(db.session.scalars(select(Entrant).where(Entrant.contest_id == contest.id))):
        e.phone = f"1390000{i:04d}"
    event = contest.events[0]
    practical = next(r for r in event.rounds if r.code == "practical")
    draw_event(event, people["organiser"], levels=2, seed=12345)
    for key in ("j1", "j2", "j3"):
        assign(contest, people[key], [practical], None, people["organiser"])
    db.session.commit()
    entries = list(db.session.scalars(select(Entry).where(Entry.event_id == event.id)))
    return {"contest": contest, "event": event, "round": practical, "entries": entries, **people}


def secrets_of(contest):
    """Every entrant name, unit, ID number and phone of the contest (what judges must never receive)."""
    from contestapp.entrants.models import Entrant, Unit

    out = set()
    for e in db.session.scalars(select(Entrant).where(Entrant.contest_id == contest.id)):
        out.update(x for x in (e.name, e.id_number, e.phone) if x)
    out.update(db.session.scalars(select(Unit.name).where(Unit.contest_id == contest.id)))
    return out


def marks_for(sheet, value_of=None):
    """A complete, valid marks body for a sheet JSON (criteria in it)."""
    out = []
    for c in sheet["criteria"]:
        if c["kind"] == "deduction":
            v = "1"
        elif c["kind"] == "time":
            v = "3600"
        elif c["choices"]:
            v = c["choices"][0]["value"]
        else:
            v = c["step"] or "1"
        out.append({"criterion_id": c["id"], "value": value_of(c) if value_of else v})
    return out


class Fresh:
    """A test client whose every request runs in a fresh app context: Flask-Login keeps the user in `g`, which the
    test's own app context would otherwise share between clients of different users."""

    def __init__(self, app, client=None):
        self.app, self.client = app, client or app.test_client()

    def open(self, *args, **kwargs):
        with self.app.app_context():
            response = self.client.open(*args, **kwargs)
            response.get_data()
        db.session.expire_all()
        return response

    def get(self, *a, **k):
        return self.open(*a, method="GET", **k)

    def post(self, *a, **k):
        return self.open(*a, method="POST", **k)

    def put(self, *a, **k):
        return self.open(*a, method="PUT", **k)


def signed_in(app, username, password="secret-pass-1"):
    c = Fresh(app)
    r = c.post("/login", data={"username": username, "password": password})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return c
