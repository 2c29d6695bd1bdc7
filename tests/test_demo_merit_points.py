"""`flask demo` holds a merit contest and a 1+X points assessment, alive on the day it runs: earlier periods
bulletined with their red flags, this month's open with sheets to fill, this year's declarations under way."""
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from contestapp.extensions import db


def test_the_demo_merit_contest_has_bulletined_periods_and_one_open_now(app):
    from contestapp.contests.definition import problems_of
    from contestapp.contests.models import Contest
    from contestapp.judging.models import ScoreSheet
    from contestapp.merit.models import Bulletin
    from contestapp.merit.periods import periods_of, rounds_of
    from contestapp.merit.standings import red_flag_holders

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "kaoping1 … kaoping3" in result.output and "canjian1 … canjian8" in result.output
    contest = db.session.scalar(select(Contest).where(Contest.kind == "merit"))
    assert problems_of(contest) == []
    periods = periods_of(contest)
    today = date.today()
    assert [p.status for p in periods] == ["published"] * 3 + ["open", "scheduled", "scheduled"]
    current = periods[3]
    assert current.starts_on <= today <= current.ends_on
    for p in periods[:3]:
        bulletin = db.session.scalar(select(Bulletin).where(Bulletin.period_id == p.id))
        assert Path(bulletin.path).read_bytes().startswith(b"%PDF")
    assert list(red_flag_holders(periods[2]).values()) == [["中铁十一局10号线二期SG10-1标项目部",
                                                             "中建八局10号线二期SG10-3标项目部"]]
    sheets = db.session.execute(select(ScoreSheet.status, func.count()).where(
        ScoreSheet.round_id == rounds_of(current)[contest.events[0].id].id).group_by(ScoreSheet.status)).all()
    assert dict(sheets) == {"submitted": 16, "draft": 8}  # two assessors done, the group leader to go


def test_the_demo_points_assessment_is_this_years_and_open_for_declarations(app):
    from contestapp.contests.models import Contest
    from contestapp.merit.models import Evidence
    from contestapp.merit.periods import periods_of

    app.test_cli_runner().invoke(args=["demo"])
    contest = db.session.scalar(select(Contest).where(Contest.kind == "points"))
    [period] = periods_of(contest)
    assert period.status == "open" and period.starts_on == date(date.today().year, 1, 1)
    assert period.deadline_at.date() >= date(date.today().year, 12, 31) + timedelta(days=15)
    statuses = dict(db.session.execute(select(Evidence.status, func.count()).where(Evidence.contest_id == contest.id)
                                       .group_by(Evidence.status)).all())
    assert statuses["pending"] == 6 and statuses["confirmed"] > 60


def test_demo_accounts_reach_their_tasks(app, client):
    app.test_cli_runner().invoke(args=["demo"])
    for username, expected in (("kaoping1", "杭州地铁10号线二期工程"), ("union01", "1+X"), ("canjian3", "填写自评")):
        client.post("/login", data={"username": username, "password": "demo12345"})
        page = client.get("/merit/").get_data(as_text=True)
        assert expected in page, username
        client.post("/logout")
