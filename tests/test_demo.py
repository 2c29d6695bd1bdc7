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
    people = db.session.scalars(select(Entrant).where(Entrant.contest_id == contest.id)).all()
    assert 38 <= len(people) <= 42
    for p in people:
        assert parse_id_number(p.id_number).gender == p.gender  # valid checksums, consistent genders
    entries = select(Entry).join(Entrant).where(Entrant.contest_id == contest.id)
    assert db.session.scalar(select(func.count()).select_from(entries.subquery())) == len(people)
    roles = {m.role for m in db.session.scalars(select(ContestMember).where(ContestMember.contest_id == contest.id))}
    assert roles == {"chief_judge", "judge", "arbitrator"}
    # mid-contest: lots drawn, a unit recusal, cards issued, the first event marked, the second half-way
    from contestapp.judging.models import JudgeCard, Recusal, ScoreSheet
    from contestapp.results.engine import ranking

    assert all(e.code for e in db.session.scalars(entries))
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


def test_demo_has_one_event_final_and_one_in_progress_dated_from_today(app):
    """The first event (电工) took place 12 days before the demo's day and is final: rounds confirmed, decrypted, the
    end recorded, an appeal lodged in time and ruled, published the next morning, finalised once publicity was over,
    awards applied. The second (焊工) runs today, half-way. Every date follows `today`, so the demo works any day."""
    from datetime import date, datetime, timedelta, timezone

    from contestapp.awards.models import AwardGrant
    from contestapp.demo import create_demo
    from contestapp.judging.common import round_confirmed
    from contestapp.judging.signoff import decryption_of, judged_rounds
    from contestapp.results import services as results
    from contestapp.results.models import Appeal

    today = date.today() - timedelta(days=3)  # any day: a Friday, so publicity spans a weekend
    today -= timedelta(days=(today.weekday() - 4) % 7)
    create_demo(today=today)
    db.session.commit()
    contest = db.session.scalar(select(Contest))
    first, second = contest.events
    assert contest.starts_on == today - timedelta(days=12) and contest.ends_on == today
    state = results.state_of(first)
    assert state.stage == "final" and first.final_at is not None
    assert state.ended_at.date() == contest.starts_on  # 17:00 in Hangzhou on the event's day
    assert state.publicity_ends_at < first.final_at < datetime.combine(today, datetime.min.time(), timezone.utc)
    assert all(round_confirmed(r.id) for r in judged_rounds(first)) and decryption_of(first) is not None
    appeals = db.session.scalars(select(Appeal).where(Appeal.event_id == first.id)).all()
    assert [a.status for a in appeals] == ["rejected"] and appeals[0].lodged_at <= results.appeal_deadline(state)
    official = results.official_snapshot(first)
    assert official.number == "demo-city-skills/electrician/F1"
    assert db.session.scalar(select(func.count(AwardGrant.id)).where(AwardGrant.snapshot_id == official.id)) > 0
    assert results.finalise_holds(first) == [(results.HOLD_MESSAGES["final"], {})]
    assert results.state_of(second, create=False).stage == "draft" and second.final_at is None


def test_certificates_issue_from_the_finished_event(app, tmp_path):
    """`flask certificates issue <contest>` on the demo writes the award certificates of the final event."""
    import subprocess

    from contestapp.awards.services import current_grants
    from contestapp.demo import DEMO_CODE

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["certificates", "issue", DEMO_CODE, "--here", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    pdfs = sorted(tmp_path.glob("*.pdf"))
    assert len(pdfs) == 1 and sorted(tmp_path.glob("*.zip"))
    text = subprocess.run(["pdftotext", str(pdfs[0]), "-"], capture_output=True, text=True, check=True).stdout
    _snap, grants = current_grants(db.session.scalar(select(Contest)).events[0])
    winners = [g for g in grants if g.award]
    assert winners and all(g.name in text for g in winners)
    assert "一等奖" in text and "电工" in text and "证书编号" in text


def test_every_demo_account_has_the_role_its_line_says(app):
    """Each kind's demo names its own accounts; one username reused by two kinds would silently give one of them the
    other's role (the 1+X office once shared `xihu` with a craftsman nominating unit)."""
    from contestapp.demo import create_demo

    lines = create_demo()
    db.session.commit()
    roles = {"organiser": "organiser", "unit accounts": "unit", "experts": "judge", "assessors": "judge",
             "reviewer": "judge", "union accounts": "unit", "office": "organiser", "chief judge": "chief_judge",
             "arbitrator": "arbitrator"}
    for who, login, _secret in lines:
        wanted = next((role for key, role in roles.items() if who.endswith(key)), None)
        if wanted is None or "…" in login:
            continue
        for username in login.split():
            user = db.session.scalar(select(User).where(User.username == username))
            assert user is not None and user.role == wanted, (who, username, user and user.role)
