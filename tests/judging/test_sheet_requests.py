"""Access follows membership (a removed judge's copied session is refused; submitted marks stay; open sheets go to
the chief judge for reassignment), crafted API input answers 404/422 in Chinese, and a recusal or withdrawal of a
submitted sheet waits for the chief judge (issue 14, items 2, 6 and 7)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from contestapp.audit.models import AuditEntry
from contestapp.contests.models import ContestMember
from contestapp.extensions import db
from contestapp.judging.models import Mark, ScoreSheet, SheetRequest
from tests.judging.conftest import Fresh, marks_for, signed_in

EN = {"Accept-Language": "en"}


def sheets_of(client):
    return client.get("/api/v1/assignments").get_json()["rounds"][0]["sheets"]


def sheet_json(client, sheet_id):
    return client.get(f"/api/v1/sheets/{sheet_id}").get_json()


def put(client, sheet_id, version, marks, key):
    return client.put(f"/api/v1/sheets/{sheet_id}/marks", json={"version": version, "marks": marks},
                      headers={"Idempotency-Key": key})


def fill_and_submit(client, sheet_id, key):
    sheet = sheet_json(client, sheet_id)
    r = put(client, sheet_id, sheet["version"], marks_for(sheet), key)
    assert r.status_code == 200, r.get_json()
    r = client.post(f"/api/v1/sheets/{sheet_id}/submit", json={"version": r.get_json()["version"], "confirm": True})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_a_removed_judge_is_refused_at_once_and_the_chief_judge_gets_the_open_sheets(app, jw):
    judge = signed_in(app, "judge2")
    first, second, third = [s["id"] for s in sheets_of(judge)[:3]]
    fill_and_submit(judge, first, "sub-1")
    draft = sheet_json(judge, second)
    assert put(judge, second, draft["version"], marks_for(draft)[:1], "draft-1").status_code == 200
    copied = Fresh(app)  # the judge's cookie, copied before the removal
    copied.client.set_cookie("session", judge.client.get_cookie("session").value)

    organiser = signed_in(app, "org1")
    member = db.session.scalar(select(ContestMember).where(
        ContestMember.contest_id == jw["contest"].id, ContestMember.user_id == jw["j2"].id))
    r = organiser.post(f"/contests/{jw['contest'].id}/members/{member.id}/delete", follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "张未提交的评分表已收回，待裁判长重新分配" in page

    for client in (judge, copied):
        r = put(client, second, draft["version"] + 1, marks_for(draft), "after-removal")
        assert r.status_code == 403 and r.get_json()["error"]["message"] == "您未被分配评此轮次"
        assert client.get(f"/api/v1/sheets/{first}").status_code == 403
        assert client.get("/api/v1/assignments").get_json()["rounds"] == []
    submitted = db.session.get(ScoreSheet, first)
    assert submitted.status == "submitted" and db.session.scalar(
        select(func.count(Mark.id)).where(Mark.sheet_id == first)) == len(marks_for(draft))
    assert db.session.get(ScoreSheet, second).status == "void"
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "judge.removed"))
    assert audit.data["kept"] == [first] and second in audit.data["taken_back"] and third in audit.data["taken_back"]

    chief = signed_in(app, "chief1")
    page = chief.get(f"/contests/{jw['contest'].id}/judging/").get_data(as_text=True)
    assert "待处理申请" in page
    page = chief.get(f"/contests/{jw['contest'].id}/judging/requests").get_data(as_text=True)
    assert "待重新分配" in page and jw["j2"].display_name in page
    req = db.session.scalar(select(SheetRequest).where(SheetRequest.sheet_id == second))
    r = chief.post(f"/contests/{jw['contest'].id}/judging/requests/{req.id}", data={"action": "approve"},
                   follow_redirects=True)
    assert "已批准" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SheetRequest, req.id).status == "approved"


def test_crafted_ids_versions_and_bodies_answer_404_or_422_in_chinese(app, jw):
    c = signed_in(app, "judge2")
    sheet = sheet_json(c, sheets_of(c)[0]["id"])
    crit = next(x for x in sheet["criteria"] if x["kind"] in ("measurement", "judgement") and not x["choices"])
    for sid in (2**63, 2**64 + 5, 2**31):
        assert c.get(f"/api/v1/sheets/{sid}").status_code == 404
        r = put(c, sid, 1, [{"criterion_id": crit["id"], "value": "1"}], f"big-{sid}")
        assert r.status_code == 404 and r.get_json()["error"]["message"] == "评分表不存在"
        assert c.post(f"/api/v1/sheets/{sid}/submit", json={"version": 1, "confirm": True}).status_code == 404
    assert c.get("/api/v1/sheets/-1").status_code == 404
    for version in (2**63, 2**64, -1, 0):
        r = put(c, sheet["id"], version, [{"criterion_id": crit["id"], "value": "1"}], f"v{version}")
        assert r.status_code == 422 and "版本号" in r.get_json()["error"]["message"], r.get_json()
        r = c.post(f"/api/v1/sheets/{sheet['id']}/submit", json={"version": version, "confirm": True})
        assert r.status_code == 422
    for bad in ({}, [], "1", None, True):
        r = put(c, sheet["id"], sheet["version"], [{"criterion_id": bad, "value": "1"}], f"cid-{bad!r}")
        assert r.status_code == 422 and "评分项" in r.get_json()["error"]["message"], r.get_json()
    r = c.put(f"/api/v1/sheets/{sheet['id']}/marks", json=[1, 2], headers={"Idempotency-Key": "list"})
    assert r.status_code == 422 and "JSON" in r.get_json()["error"]["message"]
    for bad in ("1_0", "1e1", "1.2.3", "+1", "0x1", "１_０", 1e30, "NaN", [], {}):
        r = put(c, sheet["id"], sheet["version"], [{"criterion_id": crit["id"], "value": bad}], f"val-{bad!r}")
        assert r.status_code == 422 and "数" in r.get_json()["error"]["message"], (bad, r.get_json())
    assert db.session.scalar(select(func.count(Mark.id)).where(Mark.sheet_id == sheet["id"])) == 0
    r = put(c, sheet["id"], sheet["version"], [{"criterion_id": crit["id"], "value": "２"}], "full-width")
    assert r.status_code == 200 and r.get_json()["marks"][str(crit["id"])] == "2"
    version = r.get_json()["version"]
    for reason, text in (("\x07", "控制字符"), ("理由" * 50_000, "过长"), ("  ", "请填写"), ({"a": 1}, "文字")):
        r = c.post(f"/api/v1/sheets/{sheet['id']}/recusal", json={"reason": reason})
        assert r.status_code == 422 and text in r.get_json()["error"]["message"], r.get_json()
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet["id"]).status == "draft" and db.session.get(
        ScoreSheet, sheet["id"]).version == version


def test_recusal_and_withdrawal_of_a_submitted_sheet_wait_for_the_chief_judge(app, jw):
    c = signed_in(app, "judge2")
    first, second = [s["id"] for s in sheets_of(c)[:2]]
    done = fill_and_submit(c, first, "s1")
    fill_and_submit(c, second, "s2")
    marks_before = db.session.execute(select(Mark.criterion_id, Mark.value).where(Mark.sheet_id == first)).all()

    r = c.post(f"/api/v1/sheets/{first}/recusal", json={"reason": "与选手为师徒关系"})
    assert r.status_code == 202 and r.get_json()["requested"] and "裁判长" in r.get_json()["message"]
    again = c.post(f"/api/v1/sheets/{first}/recusal", json={"reason": "与选手为师徒关系"})
    assert again.get_json()["request_id"] == r.get_json()["request_id"]
    r2 = c.post(f"/api/v1/sheets/{second}/withdrawal", json={"reason": "第三项录入有误"})
    assert r2.status_code == 202
    db.session.expire_all()
    assert db.session.get(ScoreSheet, first).status == "submitted"  # before approval nothing changes
    assert db.session.execute(select(Mark.criterion_id, Mark.value).where(Mark.sheet_id == first)).all() == marks_before
    assert sheet_json(c, first)["version"] == done["version"]

    chief = signed_in(app, "chief1")
    url = f"/contests/{jw['contest'].id}/judging/requests"
    page = chief.get(url).get_data(as_text=True)
    assert "回避申请" in page and "与选手为师徒关系" in page and "撤回申请" in page and "第三项录入有误" in page
    recusal, withdrawal = r.get_json()["request_id"], r2.get_json()["request_id"]
    page = chief.post(f"{url}/{recusal}", data={"action": "refuse", "d-decision": ""},
                      follow_redirects=True).get_data(as_text=True)
    assert "请填写处理意见" in page
    page = chief.post(f"{url}/{recusal}", data={"action": "refuse", "d-decision": "关系已核实不影响公正"},
                      follow_redirects=True).get_data(as_text=True)
    assert "已驳回" in page and "关系已核实不影响公正" in page
    db.session.expire_all()
    assert db.session.get(ScoreSheet, first).status == "submitted"
    assert db.session.execute(select(Mark.criterion_id, Mark.value).where(Mark.sheet_id == first)).all() == marks_before
    assert "该申请已处理" in chief.post(f"{url}/{recusal}", data={"action": "approve"},
                                   follow_redirects=True).get_data(as_text=True)  # decided once
    assert db.session.get(SheetRequest, recusal).status == "refused"

    chief.post(f"{url}/{withdrawal}", data={"action": "approve", "d-decision": "同意更正"})
    db.session.expire_all()
    back = db.session.get(ScoreSheet, second)
    assert back.status == "returned" and back.signature is None and "第三项录入有误" in back.returned_reason
    assert sheet_json(c, second)["status"] == "returned"

    r = c.post(f"/api/v1/sheets/{first}/recusal", json={"reason": "新发现亲属关系"})
    assert r.status_code == 202
    chief.post(f"{url}/{r.get_json()['request_id']}", data={"action": "approve"})
    db.session.expire_all()
    assert db.session.get(ScoreSheet, first).status == "void"
    assert db.session.execute(select(Mark.criterion_id, Mark.value).where(Mark.sheet_id == first)).all() == marks_before
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"sheet.recusal_request", "sheet.withdrawal_request", "sheet.request_refused",
            "sheet.request_approved", "recusal.declare"} <= actions


def test_a_judge_given_the_round_again_gets_back_the_sheets_taken_from_them(app, jw):
    judge = signed_in(app, "judge2")
    first, second = [s["id"] for s in sheets_of(judge)[:2]]
    fill_and_submit(judge, first, "sub-1")
    draft = sheet_json(judge, second)
    typed = marks_for(draft)[:1]
    assert put(judge, second, draft["version"], typed, "draft-1").status_code == 200
    organiser = signed_in(app, "org1")
    cid = jw["contest"].id
    member = db.session.scalar(select(ContestMember).where(
        ContestMember.contest_id == cid, ContestMember.user_id == jw["j2"].id))
    organiser.post(f"/contests/{cid}/members/{member.id}/delete")
    assert db.session.get(ScoreSheet, second).status == "void"

    # the organiser makes judge2 staff again and gives them the round again: the sheet taken back is theirs again,
    # with the mark typed before; the chief judge's reassignment request is closed
    round_id = db.session.get(ScoreSheet, second).round_id
    r = organiser.post(f"/contests/{cid}/members", data={"username": "judge2", "role": "judge"}, follow_redirects=True)
    assert "已添加" in r.get_data(as_text=True)
    assert sheet_json(judge, second).get("status") != "draft"  # staff again, but not yet given the round
    r = organiser.post(f"/contests/{cid}/judging/assignments", data={"a-judge_id": jw["j2"].id, "a-round_ids": [round_id]},
                       follow_redirects=True)
    assert "已分配" in r.get_data(as_text=True), re.findall(r"flash[^>]*>([^<]*)<", r.get_data(as_text=True))
    assert second in [s["id"] for s in sheets_of(judge)]
    back = sheet_json(judge, second)
    assert back["status"] == "draft" and back["marks"][str(typed[0]["criterion_id"])] not in (None, "")
    assert sheet_json(judge, first)["status"] == "submitted"
    db.session.expire_all()
    req = db.session.scalar(select(SheetRequest).where(SheetRequest.sheet_id == second))
    assert req.status == "approved" and "交还原裁判" in req.decision
    handed = [e.data["sheet_id"] for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "sheet.handed_back"))]
    assert second in handed and first not in handed
    chief = signed_in(app, "chief1")
    page = chief.get(f"/contests/{cid}/judging/requests").get_data(as_text=True)
    assert "交还原裁判" in page and f"{jw['j2'].display_name} 已不再担任本竞赛裁判" in page
    page = chief.get(f"/contests/{cid}/judging/requests", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "the sheet went back to them" in page and "is no longer a judge of this contest" in page


def test_the_chief_judges_decisions_are_shown_as_written_and_the_hand_back_in_the_readers_language(app, jw):
    """A decision the chief judge typed is never looked up in the catalogue, even when it reads like one of its
    texts (待处理, or the hand-back's own sentence on a withdrawal); the hand-back's decision on a reassignment is the
    system's and is translated."""
    from contestapp.judging.models import HANDED_BACK

    c = signed_in(app, "judge2")
    first, second = [s["id"] for s in sheets_of(c)[:2]]
    fill_and_submit(c, first, "w1")
    fill_and_submit(c, second, "w2")
    withdrawal = c.post(f"/api/v1/sheets/{first}/withdrawal", json={"reason": "录入有误"}).get_json()["request_id"]
    recusal = c.post(f"/api/v1/sheets/{second}/recusal", json={"reason": "师徒关系"}).get_json()["request_id"]
    chief = signed_in(app, "chief1")
    url = f"/contests/{jw['contest'].id}/judging/requests"
    chief.post(f"{url}/{withdrawal}", data={"action": "refuse", "d-decision": HANDED_BACK})
    chief.post(f"{url}/{recusal}", data={"action": "refuse", "d-decision": "待处理"})
    db.session.expire_all()
    assert db.session.get(SheetRequest, recusal).decision == "待处理"

    def decisions(headers):
        page = chief.get(url, headers=headers).get_data(as_text=True)
        decided = page[page.index('id="decided"'):] if 'id="decided"' in page else page
        return re.findall(r"<td>([^<]*)</td></tr>", decided)

    assert sorted(decisions(EN)) == sorted(decisions({})) == sorted(["待处理", HANDED_BACK])

    # a reassignment the hand-back closed: the system's decision, in the reader's language
    db.session.get(SheetRequest, withdrawal).kind = "reassign"
    db.session.commit()
    assert sorted(decisions(EN)) == sorted(["待处理", "The judge was given the round again; the sheet went back to them"])
    assert sorted(decisions({})) == sorted(["待处理", HANDED_BACK])


def test_the_systems_reasons_are_kept_as_messages_and_shown_in_the_readers_language(app, jw):
    """A withdrawal approved returns the sheet with the system's reason (the judge's words inside it, as written): the
    chief judge's sheet page and the judge's tablet API give it in the reader's language; a chief judge's own return
    reason is shown as written. A judge removed from the staff: the request's reason is kept with the name then."""
    c = signed_in(app, "judge2")
    first, second = [s["id"] for s in sheets_of(c)[:2]]
    fill_and_submit(c, first, "s1")
    fill_and_submit(c, second, "s2")
    request_id = c.post(f"/api/v1/sheets/{second}/withdrawal", json={"reason": "第三项录入有误"}).get_json()["request_id"]
    chief = signed_in(app, "chief1")
    cid = jw["contest"].id
    chief.post(f"/contests/{cid}/judging/requests/{request_id}", data={"action": "approve"})
    db.session.expire_all()
    sheet = db.session.get(ScoreSheet, second)
    assert sheet.returned_reason == "撤回申请已批准：第三项录入有误" and sheet.returned_detail  # Chinese kept as before
    url = f"/contests/{cid}/judging/sheets/{second}"
    assert "Withdrawal approved: 第三项录入有误" in chief.get(url, headers=EN).get_data(as_text=True)
    assert "撤回申请已批准：第三项录入有误" in chief.get(url).get_data(as_text=True)
    assert sheet_json(c, second)["returned_reason"] == "撤回申请已批准：第三项录入有误"
    assert c.get(f"/api/v1/sheets/{second}", headers=EN).get_json()["returned_reason"] == \
        "Withdrawal approved: 第三项录入有误"
    listed = c.get("/api/v1/assignments", headers=EN).get_json()["rounds"][0]["sheets"]
    assert [s["returned_reason"] for s in listed if s["id"] == second] == ["Withdrawal approved: 第三项录入有误"]

    # the chief judge returns a sheet in their own words: shown as written, never as the earlier approval
    fill_and_submit(c, second, "s3")
    r = chief.post(f"/contests/{cid}/judging/sheets/{second}/return", data={"r-reason": "请复核第二项"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(ScoreSheet, second).returned_detail is None
    assert "请复核第二项" in chief.get(url, headers=EN).get_data(as_text=True)
    assert c.get(f"/api/v1/sheets/{second}", headers=EN).get_json()["returned_reason"] == "请复核第二项"

    # a judge removed from the staff: the reason keeps the name the judge had then, shown in the reader's language
    organiser = signed_in(app, "org1")
    member = db.session.scalar(select(ContestMember).where(
        ContestMember.contest_id == cid, ContestMember.user_id == jw["j2"].id))
    name = jw["j2"].display_name
    organiser.post(f"/contests/{cid}/members/{member.id}/delete")
    jw["j2"].display_name = "改名后的裁判"
    db.session.commit()
    req = db.session.scalar(select(SheetRequest).where(SheetRequest.kind == "reassign"))
    assert req.reason == f"{name} 已不再担任本竞赛裁判" and req.reason_detail
    page = chief.get(f"/contests/{cid}/judging/requests", headers=EN).get_data(as_text=True)
    assert f"{name} is no longer a judge of this contest" in page and "已不再担任" not in page
    assert f"{name} 已不再担任本竞赛裁判" in chief.get(f"/contests/{cid}/judging/requests").get_data(as_text=True)


def test_the_migration_keeps_the_messages_of_existing_rows_only_where_their_text_says_so(app, jw):
    """Migration e2c6a9d4f7b1 on rows written before it: a reassignment's reason and a sheet returned by an approved
    withdrawal get the message the services now keep; a chief judge's return that merely reads the same does not."""
    import importlib.util

    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import update

    from tests.conftest import ROOT

    c = signed_in(app, "judge2")
    first, second = [s["id"] for s in sheets_of(c)[:2]]
    for sid, key in ((first, "m1"), (second, "m2")):
        fill_and_submit(c, sid, key)
    request_id = c.post(f"/api/v1/sheets/{second}/withdrawal", json={"reason": "录入有误"}).get_json()["request_id"]
    chief = signed_in(app, "chief1")
    cid = jw["contest"].id
    chief.post(f"/contests/{cid}/judging/requests/{request_id}", data={"action": "approve"})
    chief.post(f"/contests/{cid}/judging/sheets/{first}/return", data={"r-reason": "撤回申请已批准：录入有误"})
    organiser = signed_in(app, "org1")
    member = db.session.scalar(select(ContestMember).where(
        ContestMember.contest_id == cid, ContestMember.user_id == jw["j2"].id))
    organiser.post(f"/contests/{cid}/members/{member.id}/delete")
    db.session.expire_all()
    kept = {"sheet": db.session.get(ScoreSheet, second).returned_detail,
            "request": db.session.scalar(select(SheetRequest.reason_detail).where(SheetRequest.kind == "reassign"))}
    assert all(kept.values()) and db.session.get(ScoreSheet, first).returned_detail is None
    db.session.execute(update(ScoreSheet).values(returned_detail=None))
    db.session.execute(update(SheetRequest).values(reason_detail=None))
    db.session.commit()
    db.session.remove()

    path = next((ROOT / "migrations" / "versions").glob("*_e2c6a9d4f7b1_*.py"))
    spec = importlib.util.spec_from_file_location("e2c6a9d4f7b1", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        migration.downgrade()  # as before the migration: the rows keep only their Chinese text
        migration.upgrade()
    assert db.session.get(ScoreSheet, second).returned_detail == kept["sheet"]
    assert db.session.get(ScoreSheet, first).returned_detail is None  # the chief judge's own words
    assert db.session.scalar(select(SheetRequest.reason_detail).where(SheetRequest.kind == "reassign")) == \
        kept["request"]
