"""A refused action on the judging console (the blueprint's refusal handler, `common.refusals`): nothing is written,
the user goes back to the page the action belongs to (and its part of the page) and reads why; asked for JSON, the
same refusal is {"error": {"code", "message"}} with the service's status."""
from sqlalchemy import func, select

from contestapp.extensions import db
from tests.conftest import PASSWORD
from tests.judging.conftest import jw, signed_in  # noqa: F401  (jw: the judging fixture)


def _refused(client, url, data, location_end, message):
    r = client.post(url, data=data)
    assert r.status_code == 302 and r.headers["Location"].endswith(location_end), r.headers.get("Location")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert message in page, page[:500]


def test_refusals_go_back_to_their_page_with_the_reason(app, jw):  # noqa: F811
    from contestapp.judging.models import Mark, RoundConfirmation, ScoreSheet, TieDecision
    from contestapp.judging.sheets import judge_assignments

    cid, rid, eid = jw["contest"].id, jw["round"].id, jw["event"].id
    base = f"/contests/{cid}/judging"
    judge_assignments(jw["j1"])
    sheet = db.session.scalars(select(ScoreSheet).where(ScoreSheet.judge_id == jw["j1"].id)).first()
    db.session.add(Mark(sheet_id=sheet.id, criterion_id=jw["round"].criteria[0].id, entry_id=sheet.entry_id,
                        round_id=rid, value=1))
    db.session.commit()
    sheet_id = sheet.id

    organiser = signed_in(app, "org1", PASSWORD)
    _refused(organiser, f"{base}/events/{eid}/draw", {"d-levels": "1"}, f"{base}/setup#draws", "该赛项已有评分，不能重新抽签")

    chief = signed_in(app, "chief1", PASSWORD)
    _refused(chief, f"{base}/rounds/{rid}/confirm", {}, f"{base}/rounds/{rid}", "张评分表未签名提交，不能确认")
    _refused(chief, f"{base}/events/{eid}/decrypt", {}, f"{base}/", "以下轮次尚未确认，不能解密")
    _refused(chief, f"{base}/events/{eid}/ties", {"t-order": "NOPE1,NOPE2", "t-reason": "同分"}, f"{base}/",
             "未知的加密号：NOPE1、NOPE2")
    _refused(chief, f"{base}/sheets/{sheet_id}/return", {"r-reason": ""}, f"{base}/sheets/{sheet_id}", "请填写退回理由")
    assert db.session.scalar(select(func.count(RoundConfirmation.id))) == 0
    assert db.session.scalar(select(func.count(TieDecision.id))) == 0

    asked = chief.post(f"{base}/rounds/{rid}/confirm", headers={"Accept": "application/json"})
    assert asked.status_code == 409 and asked.get_json()["error"]["code"] == "not_all_signed"
