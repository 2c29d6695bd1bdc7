"""`flask demo` builds a realistic contest a new user can open at once."""
from sqlalchemy import func, select

from contestapp.auth.models import User
from contestapp.contests.definition import problems_of
from contestapp.contests.models import Contest, ContestMember
from contestapp.domain.idcard import parse_id_number
from contestapp.entrants.models import Entrant, Entry
from contestapp.extensions import db


def test_demo_command_creates_contest_accounts_and_roster(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "/login" in result.output and "organiser" in result.output and "demo12345" in result.output
    contest = db.session.scalar(select(Contest).where(Contest.kind == "skills"))
    assert len(contest.events) == 2 and problems_of(contest) == []
    people = db.session.scalars(select(Entrant)).all()
    assert 38 <= len(people) <= 42
    for p in people:
        assert parse_id_number(p.id_number).gender == p.gender  # valid checksums, consistent genders
    assert db.session.scalar(select(func.count(Entry.id))) == len(people)
    roles = {m.role for m in db.session.scalars(select(ContestMember).where(ContestMember.contest_id == contest.id))}
    assert roles == {"chief_judge", "judge", "arbitrator"}
    # mid-contest: lots drawn, a unit recusal, cards issued, the first event marked, the second half-way
    from contestapp.judging.models import JudgeCard, Recusal, ScoreSheet
    from contestapp.results.engine import ranking

    assert all(e.code for e in db.session.scalars(select(Entry)))
    assert db.session.scalar(select(func.count(Recusal.id))) >= 1
    assert db.session.scalar(select(func.count(JudgeCard.id))) == 6
    first, second = contest.events
    statuses = {ev.code: {s.status for s in db.session.scalars(select(ScoreSheet).join(ScoreSheet.round).where(
        ScoreSheet.round.has(event_id=ev.id)))} for ev in (first, second)}
    assert statuses[first.code] == {"submitted"} and statuses[second.code] == {"submitted", "draft"}
    assert len(ranking(first).ranked) == 20 and ranking(first).unscored == {}
    assert db.session.scalar(select(func.count(User.id)).where(User.role == "judge")) >= 5
    # running it again changes nothing; --reset rebuilds
    contests = db.session.scalar(select(func.count(Contest.id)))
    again = app.test_cli_runner().invoke(args=["demo"])
    assert again.exit_code == 0 and db.session.scalar(select(func.count(Contest.id))) == contests


def test_demo_organiser_can_open_the_console(app, client):
    app.test_cli_runner().invoke(args=["demo"])
    response = client.post("/login", data={"username": "organiser", "password": "demo12345"})
    assert response.status_code == 302
    contest = db.session.scalar(select(Contest).where(Contest.kind == "skills"))
    page = client.get(f"/contests/{contest.id}/entrants/").get_data(as_text=True)
    assert "共 40 名" in page
