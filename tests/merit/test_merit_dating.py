"""Examples loaded today are usable today, and re-dating a contest never breaks it.

Guards (issue 12): a merit template loaded today had periods dated 2025 that stayed 未开始 for ever; re-dating a
contest and generating its periods left the tie-break pointing at a deleted round and the period page answered
HTTP 500; a definition change could remove a round that a tie-break or a period still named.
"""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from contestapp.extensions import db
from tests.conftest import ROOT
from tests.merit.merit_helpers import client_for


def _template(name):
    from contestapp.contests.definition import read_definition

    path = ROOT / "examples" / name
    return read_definition(path.read_bytes(), path.name)


@pytest.fixture
def office(app, make):
    org = make.org("市重点工程指挥部", "city")
    return {"org": org, "organiser": make.user("hq", "organiser", org)}


def test_the_merit_example_loaded_today_has_its_periods_from_today_and_the_first_is_open(app, office):
    from contestapp.contests.definition import load_template, problems_of
    from contestapp.merit.periods import periods_of, project_of

    today = date.today()
    contest, notes = load_template(_template("merit-project.json"), office["org"], office["organiser"], today)
    db.session.commit()
    periods = periods_of(contest)
    assert len(periods) == 3  # the template's three monthly periods, from this month on
    assert periods[0].starts_on == today.replace(day=1) and periods[0].status == "open"
    assert [p.status for p in periods[1:]] == ["scheduled", "scheduled"]
    assert all(p.starts_on.year >= today.year for p in periods)
    assert contest.year == periods[-1].ends_on.year and "2025" not in contest.name
    project = project_of(contest)
    assert (project.schedule, project.starts_on, project.ends_on) == ("monthly", periods[0].starts_on,
                                                                      periods[-1].ends_on)
    # the template's tie-break on its last period now names the last period of the contest; the definition is sound
    assert contest.events[0].rules["tie_break"] == [{"key": "round", "code": periods[-1].code}]
    assert [r.code for r in contest.events[0].rounds] == [p.code for p in periods]
    assert problems_of(contest) == []
    assert notes and "已开始考评" in notes[0]


def test_the_points_example_loaded_today_is_this_years_assessment_open_now(app, office):
    from contestapp.contests.definition import load_template
    from contestapp.merit.periods import periods_of

    today = date.today()
    contest, _notes = load_template(_template("points-1x.json"), office["org"], office["organiser"], today)
    [period] = periods_of(contest)
    assert (period.code, period.name, period.status) == ("year", f"{today.year}年度考评", "open")
    assert (period.starts_on, period.ends_on) == (date(today.year, 1, 1), date(today.year, 12, 31))
    assert contest.name.startswith(f"{today.year}年度") and contest.year == today.year


def test_flask_contest_load_dates_a_template_from_the_day_given(app, office):
    from contestapp.contests.models import Contest
    from contestapp.merit.periods import periods_of

    result = app.test_cli_runner().invoke(args=["contest", "load", str(ROOT / "examples" / "merit-project.json"),
                                                "--start", "2031-03-10", "--org", "市重点工程指挥部"])
    assert result.exit_code == 0, result.output
    assert "已按 2031-03-10 起的日期生成考评期 3 个" in result.output
    contest = db.session.scalar(select(Contest))
    assert [p.code for p in periods_of(contest)] == ["2031-03", "2031-04", "2031-05"]
    assert contest.code == "2031-metro-line3-merit" and all(p.status == "scheduled" for p in periods_of(contest))


def test_the_console_import_dates_a_template_and_says_so(app, office, client):
    from contestapp.contests.models import Contest
    from tests.conftest import login

    login(client, "hq")
    path = ROOT / "examples" / "points-1x.json"
    with path.open("rb") as f:
        page = client.post("/contests/import", data={"file": (f, path.name), "start": "2030-05-01"},
                           content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "已按 2030-05-01 起的日期生成考评期 1 个" in page
    assert db.session.scalar(select(Contest.name)) == "2030年度基层工会主席“1+X”绩效积分考核"


@pytest.fixture
def q2(app, office):
    """The merit example created as it is (2025's periods as its rounds), as contests made before dating existed."""
    from contestapp.contests.definition import create_contest

    contest = create_contest(_template("merit-project.json"), office["org"], office["organiser"])
    db.session.commit()
    return contest


def test_re_dating_a_contest_and_generating_its_periods_keeps_the_tie_break_and_the_period_page(app, q2):
    """Issue 12: re-dated, then 按考评周期生成考评期 -> the tie-break named a deleted round and the period page gave
    HTTP 500."""
    from contestapp.contests.definition import problems_of
    from contestapp.merit.periods import periods_of

    org = client_for(app, "hq")
    cid = q2.id
    r = org.post(f"/contests/{cid}/merit/project", data={
        "name": "地铁3号线工程", "starts_on": "2026-07-01", "ends_on": "2026-12-31", "schedule": "monthly",
        "deadline_days": "5", "red_flags": "3", "review_weight": "0.2", "top_flag": "20"})
    assert r.status_code == 302
    page = org.post(f"/contests/{cid}/merit/periods", follow_redirects=True).get_data(as_text=True)
    assert "已生成 6 个考评期" in page
    assert "平局规则中引用的考评期已随之更新：参建单位：2025-06 → 2026-12" in page
    db.session.expire_all()
    assert problems_of(q2) == [] and q2.events[0].rules["tie_break"] == [{"key": "round", "code": "2026-12"}]
    for period in periods_of(q2):
        assert org.get(f"/contests/{cid}/merit/periods/{period.id}").status_code == 200


def test_a_round_named_by_a_tie_break_or_a_period_cannot_be_deleted_or_recoded(app, q2):
    from contestapp.contests.models import Round
    from contestapp.merit.periods import generate_periods, save_project

    org = client_for(app, "hq")
    cid = q2.id
    last = q2.events[0].rounds[-1]
    page = org.post(f"/contests/{cid}/round/{last.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "被引用" in page and "平局规则第 1 项（2025-06）" in page
    r = org.post(f"/contests/{cid}/rounds/{last.id}/edit", data={
        "code": "june", "name": "6月考评", "weight": "1", "aggregate": "mean", "drop_high": "0", "drop_low": "0",
        "reduce": "mean", "min_judges": "1", "combine": "sum", "places": "2"}, follow_redirects=True)
    assert "被引用" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Round, last.id).code == "2025-06"

    # a period's round: the period names it
    save_project(q2, {"starts_on": date(2025, 4, 1), "ends_on": date(2025, 6, 30), "schedule": "monthly"}, None)
    generate_periods(q2, None)
    db.session.commit()
    first = q2.events[0].rounds[0]
    page = org.post(f"/contests/{cid}/round/{first.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "考评期“2025年4月考评”" in page
    page = org.post(f"/contests/{cid}/event/{q2.events[0].id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "被引用" in page
    db.session.expire_all()
    assert db.session.get(Round, first.id) is not None and len(q2.events) == 1
    # a round nothing names may still go
    spare = Round(event=q2.events[0], code="spare", name="备用", order=9, rules={})
    db.session.add(spare)
    db.session.commit()
    org.post(f"/contests/{cid}/round/{spare.id}/delete")
    db.session.expire_all()
    assert db.session.get(Round, spare.id) is None


def test_periods_that_would_break_the_definition_are_refused_and_nothing_changes(app, q2):
    from contestapp.merit.periods import MeritError, generate_periods, periods_of, save_project

    q2.events[0].rules = {**q2.events[0].rules, "combine": "weighted_sum"}  # weights 1/3 each would not sum to 1
    db.session.commit()
    save_project(q2, {"starts_on": date(2026, 1, 1), "ends_on": date(2026, 3, 31), "schedule": "monthly"}, None)
    with pytest.raises(MeritError, match="竞赛定义将出错"):
        generate_periods(q2, None)
    db.session.rollback()
    assert periods_of(q2) == [] and [r.code for r in q2.events[0].rounds] == ["2025-04", "2025-05", "2025-06"]


def test_a_broken_definition_gets_a_chinese_page_not_a_server_error(app, q2):
    from contestapp.merit.periods import generate_periods, open_period, periods_of, save_project

    save_project(q2, {"starts_on": date(2025, 4, 1), "ends_on": date(2025, 6, 30), "schedule": "monthly"}, None)
    generate_periods(q2, None)
    open_period(periods_of(q2)[0], datetime(2025, 4, 2, tzinfo=timezone.utc))  # open: the page ranks it live
    q2.events[0].rules = {**q2.events[0].rules, "tie_break": [{"key": "round", "code": "gone"}]}  # edited by hand
    db.session.commit()
    period = periods_of(q2)[0]
    r = client_for(app, "hq").get(f"/contests/{q2.id}/merit/periods/{period.id}")
    assert r.status_code == 409
    assert "竞赛定义有问题" in r.get_data(as_text=True) and "gone" in r.get_data(as_text=True)


def test_an_organiser_opens_a_due_period_by_hand(app, q2, make):
    """Periods opened only when the scheduler ran (which `make run` did not start)."""
    from contestapp.judging.models import ScoreSheet
    from contestapp.merit.periods import generate_periods, periods_of, save_project

    make.member(q2, make.user("assessor", "judge", q2.organisation))
    today = date.today()
    save_project(q2, {"starts_on": today - timedelta(days=40), "ends_on": today + timedelta(days=70),
                      "schedule": "monthly"}, None)
    generate_periods(q2, None)
    db.session.commit()
    periods = periods_of(q2)
    now = datetime.now(timezone.utc)
    due = next(p for p in periods if p.opens_at <= now < p.deadline_at)
    future = periods[-1]
    org = client_for(app, "hq")
    page = org.get(f"/contests/{q2.id}/merit/periods/{due.id}").get_data(as_text=True)
    assert "立即开启考评" in page
    assert "立即开启考评" not in org.get(f"/contests/{q2.id}/merit/periods/{future.id}").get_data(as_text=True)
    page = org.post(f"/contests/{q2.id}/merit/periods/{due.id}/open", follow_redirects=True).get_data(as_text=True)
    assert "已开始考评" in page
    db.session.expire_all()
    assert due.status == "open" and due.opened_at is not None
    page = org.post(f"/contests/{q2.id}/merit/periods/{future.id}/open", follow_redirects=True).get_data(as_text=True)
    assert "不能提前开启" in page
    db.session.expire_all()
    assert future.status == "scheduled"
    assert db.session.scalar(select(ScoreSheet.id).where(ScoreSheet.judge_id.isnot(None))) is None  # no units yet
