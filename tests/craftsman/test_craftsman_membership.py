"""Access follows membership (issue 14 item 2), the craftsman side: an expert removed from the selection loses the
candidates' list and materials at once, the tablet no longer lists the expert's open sheets, submitted marks stay,
and the office is told how many sheets wait for reassignment."""
from sqlalchemy import select

from contestapp.extensions import db
from tests.craftsman.craftsman_helpers import build_world, marks_for, nominate
from tests.merit.merit_helpers import client_for


def test_a_removed_expert_loses_access_and_open_sheets_are_reported(app, make):
    from decimal import Decimal

    from contestapp.contests.models import ContestMember
    from contestapp.craftsman import calls, nominations, review
    from contestapp.craftsman.models import Stage
    from contestapp.judging.models import ScoreSheet

    w = build_world(make, units=6, experts=5, vote=False)
    call, office, contest = w["call"], w["organiser"], w["contest"]
    noms = [nominate(call, w["units"][i], i) for i in range(4)]
    calls.set_stage(call, Stage.CHECKING, office)
    for n in noms:
        nominations.decide(call, n, "eligible", "", office)
    review.start_review(call, office, acknowledged=True)
    gone = w["experts"][0]
    review.record_marks(gone, noms[0], "review", marks_for(Decimal("0.8"), 0))  # one submitted sheet
    db.session.commit()
    material = noms[1].files[0].id

    expert = client_for(app, gone.username)
    assert "候选人01" in expert.get("/craftsman/expert").get_data(as_text=True)
    assert expert.get(f"/craftsman/files/{material}").status_code == 200
    listed = expert.get("/api/v1/assignments").get_json()
    assert sum(len(r["sheets"]) for r in listed["rounds"]) == 4

    member = db.session.scalar(select(ContestMember.id).where(ContestMember.contest_id == contest.id,
                                                              ContestMember.user_id == gone.id))
    page = client_for(app, "office").post(f"/contests/{contest.id}/members/{member}/delete",
                                          follow_redirects=True).get_data(as_text=True)
    assert f"{gone.display_name} 的 3 张未提交的评分表已收回，待重新分配；已提交的 1 张保留" in page

    assert "候选人01" not in expert.get("/craftsman/expert").get_data(as_text=True)
    refused = expert.get(f"/craftsman/files/{material}")
    assert refused.status_code == 404 and "页面不存在" in refused.get_data(as_text=True)
    listed = expert.get("/api/v1/assignments").get_json() or {}
    open_sheets = [s for r in listed.get("rounds", []) for s in r["sheets"] if s.get("status") != "submitted"]
    assert open_sheets == []

    db.session.expire_all()
    statuses = sorted(s.status for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.judge_id == gone.id)))
    assert statuses == ["submitted", "void", "void", "void"]
    submitted = db.session.scalar(select(ScoreSheet).where(ScoreSheet.judge_id == gone.id,
                                                           ScoreSheet.status == "submitted"))
    assert len(submitted.marks) == len(marks_for(Decimal("0.8"), 0))
