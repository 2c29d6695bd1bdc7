"""Access follows membership (issue 14 item 2), the merit side: an assessor or a unit account removed from a merit
contest loses its pages at once; submitted marks stay; the organiser is told what waits for reassignment."""
from sqlalchemy import select

from contestapp.extensions import db
from tests.merit.merit_helpers import UNITS, at, client_for, merit, run_all, sheets_of  # noqa: F401


def _member_id(contest, user):
    from contestapp.contests.models import ContestMember

    return db.session.scalar(select(ContestMember.id).where(ContestMember.contest_id == contest.id,
                                                            ContestMember.user_id == user.id))


def test_a_removed_assessor_loses_the_sheets_at_once_and_submitted_marks_stay(app, merit):
    from contestapp.merit.periods import periods_of
    from contestapp.merit.sheets import save_assessment
    from contestapp.merit.standings import missing_sheets

    contest, (gone, stays) = merit["contest"], merit["judges"]
    april = periods_of(contest)[0]
    run_all(at(2025, 4, 1))
    mine = sheets_of(april, gone)
    done = mine[UNITS[0]]
    save_assessment(done, gone, {}, submit=True)
    db.session.commit()
    marks = sorted((m.criterion_id, m.value) for m in done.marks)
    assessor = client_for(app, gone.username)
    assert assessor.get(f"/contests/{contest.id}/merit/assess/{mine[UNITS[1]].id}").status_code == 200

    page = client_for(app, "organiser1").post(f"/contests/{contest.id}/members/{_member_id(contest, gone)}/delete",
                                              follow_redirects=True).get_data(as_text=True)
    assert f"{gone.display_name} 的 3 份未提交的考评表已收回，待重新分配；已提交的 1 份保留" in page

    for url in (f"/contests/{contest.id}/merit/assess", f"/contests/{contest.id}/merit/assess/{mine[UNITS[1]].id}"):
        refused = assessor.get(url)
        assert refused.status_code == 403 and "无权访问" in refused.get_data(as_text=True)
    posted = assessor.post(f"/contests/{contest.id}/merit/assess/{mine[UNITS[1]].id}", data={"submit": "1"})
    assert posted.status_code == 403

    db.session.expire_all()
    statuses = {name: s.status for name, s in sheets_of(april, gone).items()}
    assert statuses[UNITS[0]] == "submitted" and sorted((m.criterion_id, m.value) for m in done.marks) == marks
    assert sorted(v for k, v in statuses.items() if k != UNITS[0]) == ["void"] * 3
    # nobody waits for (or reminds) the removed assessor; the other assessor's sheets are untouched
    assert gone.id not in dict(missing_sheets(april)["assessors"]) and stays.id in dict(missing_sheets(april)["assessors"])
    assert {s.status for s in sheets_of(april, stays).values()} == {"draft"}

    # added back: the sheets taken back are the assessor's again (drafts); the submitted one is untouched
    back = client_for(app, "organiser1").post(f"/contests/{contest.id}/members",
                                              data={"username": gone.username, "role": "judge"}, follow_redirects=True)
    assert "已为其发放开放中考评期的考评表 3 份" in back.get_data(as_text=True)
    db.session.expire_all()
    assert sorted(s.status for s in sheets_of(april, gone).values()) == ["draft"] * 3 + ["submitted"]
    assert assessor.get(f"/contests/{contest.id}/merit/assess/{mine[UNITS[1]].id}").status_code == 200


def test_a_removed_unit_account_loses_its_self_assessment(app, merit):
    contest, unit_user = merit["contest"], merit["unit_user"]
    run_all(at(2025, 4, 1))
    unit = client_for(app, "unit_a")
    assert unit.get(f"/contests/{contest.id}/merit/self").status_code == 200

    page = client_for(app, "organiser1").post(
        f"/contests/{contest.id}/members/{_member_id(contest, unit_user)}/delete",
        follow_redirects=True).get_data(as_text=True)
    assert "已移除：未提交的自评表 1 份待重新指定填报账号" in page

    refused = unit.get(f"/contests/{contest.id}/merit/self")
    assert refused.status_code == 403 and "无权访问" in refused.get_data(as_text=True)
