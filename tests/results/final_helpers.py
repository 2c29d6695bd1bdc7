"""A city-skills contest whose 电工 event is ready to publish: the example roster (4 electricians) and paper marks by
five judges, judge j1 also assigned on the tablet to the practical round (its sheets are the paper ones, submitted),
so the event has a judged round the chief judge must confirm. Helpers move it through publicity to final."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from contestapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
MARKS = ROOT / "examples" / "marks"
T0 = datetime(2025, 5, 20, 9, 0, tzinfo=timezone.utc)  # a Tuesday, 17:00 in Hangzhou: the event ends


def ready_event(make) -> dict:
    from contestapp.contests.definition import create_contest, read_definition
    from contestapp.entrants.services import check_roster, import_roster
    from contestapp.judging.assignments import assign
    from contestapp.results.marks import check_files, import_checked

    org = make.org("示例市总工会")
    people = {name: make.user(name, role, org) for name, role in [
        ("j1", "judge"), ("j2", "judge"), ("j3", "judge"), ("j4", "judge"), ("j5", "judge"), ("org1", "organiser"),
        ("org2", "organiser"), ("org3", "organiser"), ("chief", "chief_judge"), ("arb", "arbitrator")]}
    path = ROOT / "examples" / "city-skills.json"
    contest = create_contest(read_definition(path.read_bytes(), path.name), org, None)
    make.member(contest, people["arb"])
    make.member(contest, people["chief"])
    checked = check_roster(contest, (MARKS / "city-skills-roster.csv").read_bytes(), "roster.csv")
    assert checked.ok
    import_roster(contest, checked, None)
    marks = check_files(contest, (MARKS / "city-skills-marks.csv").read_bytes(), "m.csv",
                        (MARKS / "city-skills-extras.csv").read_bytes(), "x.csv")
    assert marks.ok, marks.problems
    import_checked(contest, marks, None)
    event = contest.events[0]
    practical = next(r for r in event.rounds if r.code == "practical")
    assign(contest, people["j1"], [practical], None, people["org1"])
    db.session.commit()
    return {"contest": contest, "event": event, "practical": practical, **people}


def publish(world: dict, end: datetime = T0) -> None:
    """The chief judge confirms the judged round; the organiser records the end and publishes an hour later."""
    from contestapp.judging.signoff import confirm_round
    from contestapp.results import services

    confirm_round(world["practical"], world["chief"])
    services.record_end(world["event"], world["org1"], end)
    services.publish_preliminary(world["event"], world["org1"], end + timedelta(hours=1))
    db.session.commit()


def make_final(world: dict) -> None:
    """Published, then finalised once publicity (5 working days) is over."""
    from contestapp.results import services

    publish(world)
    state = services.state_of(world["event"])
    services.finalise(world["event"], world["org1"], state.publicity_ends_at + timedelta(minutes=1))
    db.session.commit()
