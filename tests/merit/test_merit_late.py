"""Late additions get what the others already have, without waiting for the scheduler.

Guard (issue 12): an assessor added after a period opened never got a sheet (judge1 saw 暂无开放的考评表).
"""
from sqlalchemy import func, select

from contestapp.extensions import db
from tests.merit.merit_helpers import UNITS, at, client_for, csv_bytes, merit, run_all, sheets_of  # noqa: F401


def test_an_assessor_added_after_the_period_opened_gets_its_sheets_at_once(app, make, merit):
    from contestapp.merit.periods import periods_of

    contest = merit["contest"]
    april = periods_of(contest)[0]
    run_all(at(2025, 4, 1))
    late = make.user("late_assessor", "judge", contest.organisation)
    db.session.commit()
    org = client_for(app, "organiser1")
    page = org.post(f"/contests/{contest.id}/members", data={"username": "late_assessor", "role": "judge"},
                    follow_redirects=True).get_data(as_text=True)
    assert "已为其发放开放中考评期的考评表 4 份" in page
    assert set(sheets_of(april, late)) == set(UNITS)
    listing = client_for(app, "late_assessor").get(f"/contests/{contest.id}/merit/assess").get_data(as_text=True)
    assert "暂无开放的考评表" not in listing and all(name in listing for name in UNITS)


def test_an_assessor_added_through_the_judging_console_gets_them_too(app, make, merit):
    from contestapp.merit.periods import periods_of

    contest = merit["contest"]
    run_all(at(2025, 4, 1))
    late = make.user("late2", "judge", contest.organisation)
    db.session.commit()
    client_for(app, "organiser1").post(f"/contests/{contest.id}/judging/judges", data={"j-username": "late2"})
    assert len(sheets_of(periods_of(contest)[0], late)) == 4


def test_an_assessor_whose_membership_came_another_way_finds_the_sheets_on_the_list(app, make, merit):
    """However the membership was made (an import, a script), the assessor's own list gives the missing sheets."""
    from contestapp.contests.models import ContestMember
    from contestapp.merit.periods import periods_of

    contest = merit["contest"]
    run_all(at(2025, 4, 1))
    late = make.user("late3", "judge", contest.organisation)
    db.session.add(ContestMember(contest=contest, user=late, role="judge"))
    db.session.commit()
    assert sheets_of(periods_of(contest)[0], late) == {}
    listing = client_for(app, "late3").get(f"/contests/{contest.id}/merit/assess").get_data(as_text=True)
    assert all(name in listing for name in UNITS) and "草稿" in listing


def test_units_imported_after_the_period_opened_get_their_sheets_and_self_assessments(app, merit):
    from contestapp.merit import participants
    from contestapp.merit.models import SelfSheet
    from contestapp.merit.periods import periods_of

    contest, judges = merit["contest"], merit["judges"]
    april = periods_of(contest)[0]
    run_all(at(2025, 4, 1))
    table = [["名称", "类别", "参建角色", "所属单位", "身份证号", "账号"], ["中交二航局五标项目部", "标段", "施工", "", "", ""]]
    checked = participants.check_participants(contest, csv_bytes(table), "late.csv")
    participants.import_participants(contest, checked, merit["organiser"])
    db.session.commit()
    assert "中交二航局五标项目部" in sheets_of(april, judges[0]) and "中交二航局五标项目部" in sheets_of(april, judges[1])
    assert db.session.scalar(select(func.count(SelfSheet.id)).where(SelfSheet.period_id == april.id)) == 5


def test_a_unit_account_named_in_the_import_may_open_its_self_assessment(app, make, merit):
    from contestapp.merit import participants

    contest = merit["contest"]
    make.user("unit_e", "unit", contest.organisation)
    db.session.commit()
    table = [["名称", "类别", "参建角色", "所属单位", "身份证号", "账号"], ["中交二航局五标项目部", "标段", "施工", "", "", "unit_e"]]
    participants.import_participants(contest, participants.check_participants(contest, csv_bytes(table), "e.csv"),
                                     merit["organiser"])
    db.session.commit()
    run_all(at(2025, 4, 1))
    page = client_for(app, "unit_e").get(f"/contests/{contest.id}/merit/self")
    assert page.status_code == 200 and "中交二航局五标项目部" in page.get_data(as_text=True)


def test_the_open_periods_job_also_fills_open_periods(app, make, merit):
    from contestapp.contests.models import ContestMember
    from contestapp.jobs import tasks  # noqa: F401
    from contestapp.jobs.runner import run_job
    from contestapp.merit.periods import periods_of

    contest = merit["contest"]
    run_all(at(2025, 4, 1))
    late = make.user("late4", "judge", contest.organisation)
    db.session.add(ContestMember(contest=contest, user=late, role="judge"))
    db.session.commit()
    run = run_job("open_periods", at(2025, 4, 2))
    assert run.status == "ok" and "补发（考评表 4" in run.message
    assert len(sheets_of(periods_of(contest)[0], late)) == 4


def test_a_judge_assigned_late_to_a_running_skills_round_gets_its_sheets_on_the_tablet(app, make):
    """Skills contests: the sheets of a round follow its judges (assignment) and its drawn entries, whoever came
    first: a judge assigned after marking began, and entries drawn after the assignment."""
    from contestapp.judging.assignments import assign
    from contestapp.judging.draws import draw_event
    from contestapp.judging.models import ScoreSheet

    org = make.org()
    organiser = make.user("org", "organiser", org)
    first, late = make.user("j1", "judge", org), make.user("j9", "judge", org)
    contest = make.contest(org)
    make.roster(contest, 6)
    event = contest.events[0]
    rnd = event.rounds[-1]
    assign(contest, first, [rnd], None, organiser)      # before the draw: no coded entries yet
    draw_event(event, organiser, seed=7)
    db.session.commit()
    assert db.session.scalar(select(func.count(ScoreSheet.id)).where(ScoreSheet.judge_id == first.id)) == 6
    assign(contest, late, [rnd], None, organiser)  # after marking began: the same sheets at once
    db.session.commit()
    assert db.session.scalar(select(func.count(ScoreSheet.id)).where(ScoreSheet.judge_id == late.id)) == 6
    tablet = client_for(app, "j9").get("/api/v1/assignments").get_json()
    assert [len(r["sheets"]) for r in tablet["rounds"]] == [6]
