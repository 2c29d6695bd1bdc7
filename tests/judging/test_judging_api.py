"""The tablet API: assignments by code, idempotent marks, stale sheets, submission, return, access per route."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from contestapp.extensions import db
from contestapp.judging.models import Mark, MarkWrite, Recusal, ScoreSheet
from tests.judging.conftest import Fresh, marks_for, signed_in


def client_for(app, username):
    return signed_in(app, username)


def first_sheet(client):
    data = client.get("/api/v1/assignments").get_json()
    sid = data["rounds"][0]["sheets"][0]["id"]
    return client.get(f"/api/v1/sheets/{sid}").get_json()


def put(client, sheet_id, version, marks, key):
    return client.put(f"/api/v1/sheets/{sheet_id}/marks", json={"version": version, "marks": marks},
                      headers={"Idempotency-Key": key})


def test_assignments_list_own_sheets_by_code_and_block_same_unit(app, jw):
    data = client_for(app, "judge1").get("/api/v1/assignments").get_json()
    (rnd,) = data["rounds"]
    codes = {s["code"] for s in rnd["sheets"]}
    assert all(e.code2 in codes for e in jw["entries"] if e.entrant.unit.name != "单位0")
    blocked = [e for e in jw["entries"] if e.entrant.unit.name == "单位0"]
    assert blocked and not any(e.code2 in codes for e in blocked)
    assert db.session.scalar(select(func.count(Recusal.id)).where(Recusal.source == "unit")) == len(blocked)
    assert {s["status"] for s in rnd["sheets"]} == {"not_started"}
    data2 = client_for(app, "judge2").get("/api/v1/assignments").get_json()
    assert len(data2["rounds"][0]["sheets"]) == len(jw["entries"])


def test_marks_are_idempotent_and_validated(app, jw):
    c = client_for(app, "judge2")
    sheet = first_sheet(c)
    crit = sheet["criteria"][0]
    r1 = put(c, sheet["id"], sheet["version"], [{"criterion_id": crit["id"], "value": "25.5"}], "k-1")
    assert r1.status_code == 200, r1.get_json()
    r2 = put(c, sheet["id"], sheet["version"], [{"criterion_id": crit["id"], "value": "25.5"}], "k-1")
    assert r2.status_code == 200 and r2.get_json()["replayed"] is True
    assert r2.get_json()["version"] == r1.get_json()["version"] == sheet["version"] + 1
    assert db.session.scalar(select(func.count(Mark.id)).where(Mark.sheet_id == sheet["id"])) == 1
    assert db.session.scalar(select(func.count(MarkWrite.id))) == 1
    # the same key with another body is refused
    r3 = put(c, sheet["id"], sheet["version"], [{"criterion_id": crit["id"], "value": "20"}], "k-1")
    assert r3.status_code == 422 and r3.get_json()["error"]["code"] == "key_reused"
    # out of range and wrong step: the server applies CriterionSpec.check_mark
    for bad, text in (("31", "之间"), ("25.3", "整数倍"), ("abc", "数字")):
        r = put(c, sheet["id"], sheet["version"] + 1, [{"criterion_id": crit["id"], "value": bad}], f"bad-{bad}")
        assert r.status_code == 422 and text in r.get_json()["error"]["message"], r.get_json()
    # a missing key is refused
    r = c.put(f"/api/v1/sheets/{sheet['id']}/marks", json={"version": 2, "marks": []})
    assert r.status_code == 400 and r.get_json()["error"]["message"]


def test_stale_version_changes_nothing(app, jw):
    c = client_for(app, "judge2")
    sheet = first_sheet(c)
    crit = sheet["criteria"][0]
    assert put(c, sheet["id"], 1, [{"criterion_id": crit["id"], "value": "20"}], "a").status_code == 200
    r = put(c, sheet["id"], 1, [{"criterion_id": crit["id"], "value": "10"}], "b")
    assert r.status_code == 409
    body = r.get_json()["error"]
    assert body["code"] == "stale" and body["detail"]["sheet"]["marks"][str(crit["id"])] == "20"
    assert db.session.scalar(select(Mark.value).where(Mark.sheet_id == sheet["id"])) == 20


def test_submit_return_correct_resubmit(app, jw):
    c = client_for(app, "judge2")
    sheet = first_sheet(c)
    r = c.post(f"/api/v1/sheets/{sheet['id']}/submit", json={"version": 1, "confirm": True})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "incomplete"
    r = put(c, sheet["id"], 1, marks_for(sheet), "all")
    assert r.status_code == 200, r.get_json()
    v = r.get_json()["version"]
    assert c.post(f"/api/v1/sheets/{sheet['id']}/submit", json={"version": v}).status_code == 400  # no confirm
    r = c.post(f"/api/v1/sheets/{sheet['id']}/submit", json={"version": v, "confirm": True})
    assert r.status_code == 200 and r.get_json()["status"] == "submitted"
    again = c.post(f"/api/v1/sheets/{sheet['id']}/submit", json={"version": v, "confirm": True})
    assert again.status_code == 200  # a retried submission is answered, not refused
    locked = put(c, sheet["id"], v + 1, marks_for(sheet), "after")
    assert locked.status_code == 409 and "锁定" in locked.get_json()["error"]["message"]
    row = db.session.get(ScoreSheet, sheet["id"])
    assert row.signature and len(row.signature) == 64

    chief = client_for(app, "chief1")
    cid = jw["contest"].id
    r = chief.post(f"/contests/{cid}/judging/sheets/{sheet['id']}/return", data={"r-reason": "模块一分数请复核"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet["id"]).status == "returned"
    # the tablet that still holds the old version is told so
    stale = put(c, sheet["id"], v + 1, [{"criterion_id": sheet["criteria"][0]["id"], "value": "10"}], "old")
    assert stale.status_code == 409 and "退回" in stale.get_json()["error"]["message"]
    fresh = c.get(f"/api/v1/sheets/{sheet['id']}").get_json()
    assert fresh["status"] == "returned" and fresh["returned_reason"] == "模块一分数请复核"
    r = put(c, sheet["id"], fresh["version"], [{"criterion_id": sheet["criteria"][0]["id"], "value": "10"}], "fix")
    assert r.status_code == 200
    r = c.post(f"/api/v1/sheets/{sheet['id']}/submit", json={"version": r.get_json()["version"], "confirm": True})
    assert r.status_code == 200 and r.get_json()["status"] == "submitted"


def test_a_judge_cannot_touch_another_judges_sheet(app, jw):
    own = first_sheet(client_for(app, "judge2"))
    other = client_for(app, "judge3")
    sid = own["id"]
    assert other.get(f"/api/v1/sheets/{sid}").status_code == 404
    assert put(other, sid, 1, marks_for(own), "x").status_code == 404
    assert other.post(f"/api/v1/sheets/{sid}/submit", json={"version": 1, "confirm": True}).status_code == 404
    assert other.post(f"/api/v1/sheets/{sid}/recusal", json={"reason": "x"}).status_code == 404
    assert db.session.scalar(select(func.count(Mark.id))) == 0
    # and their own list does not include it
    ids = {s["id"] for r in other.get("/api/v1/assignments").get_json()["rounds"] for s in r["sheets"]}
    assert sid not in ids


def test_a_recused_entry_is_closed_on_every_route(app, jw):
    c = client_for(app, "judge2")
    sheet = first_sheet(c)
    sid = sheet["id"]
    assert put(c, sid, 1, marks_for(sheet)[:1], "before").status_code == 200
    r = c.post(f"/api/v1/sheets/{sid}/recusal", json={"reason": ""})
    assert r.status_code == 422 and r.get_json()["error"]["message"] == "请填写回避理由"
    assert c.post(f"/api/v1/sheets/{sid}/recusal", json={"reason": "参赛者是本人徒弟"}).status_code == 200
    assert c.get(f"/api/v1/sheets/{sid}").status_code == 403
    assert put(c, sid, 2, marks_for(sheet), "after").status_code == 403
    assert c.post(f"/api/v1/sheets/{sid}/submit", json={"version": 2, "confirm": True}).status_code == 403
    assert c.post(f"/api/v1/sheets/{sid}/recusal", json={"reason": "again"}).status_code == 403
    ids = {s["id"] for r in c.get("/api/v1/assignments").get_json()["rounds"] for s in r["sheets"]}
    assert sid not in ids
    # also the automatically blocked same-unit entries: judge1 has no sheet and cannot get one
    blocked = [e for e in jw["entries"] if e.entrant.unit.name == "单位0"]
    assert db.session.scalar(select(func.count(ScoreSheet.id)).where(
        ScoreSheet.judge_id == jw["j1"].id, ScoreSheet.entry_id.in_([e.id for e in blocked]))) == 0


def test_errors_are_json_with_chinese_messages(app, jw):
    c = Fresh(app)
    r = c.get("/api/v1/assignments")
    assert r.status_code == 401 and r.get_json()["error"]["message"] == "请先登录"
    c = client_for(app, "judge2")
    r = c.get("/api/v1/sheets/999999")
    assert r.status_code == 404 and r.get_json()["error"]["message"] == "评分表不存在"
    r = c.put("/api/v1/sheets/999999/marks", data="nope", headers={"Idempotency-Key": "z"})
    assert r.status_code == 404
    sheet = first_sheet(c)
    r = c.put(f"/api/v1/sheets/{sheet['id']}/marks", data="nope", content_type="application/json",
              headers={"Idempotency-Key": "z"})
    assert r.status_code == 400 and "JSON" in r.get_json()["error"]["message"]


def test_api_writes_need_the_csrf_token(app, jw):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = client_for_csrf(app)
        sheet = first_sheet(c)
        r = put(c, sheet["id"], 1, marks_for(sheet)[:1], "no-token")
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf"
        page = c.get("/judging/").get_data(as_text=True)
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
        r = c.put(f"/api/v1/sheets/{sheet['id']}/marks", json={"version": 1, "marks": marks_for(sheet)[:1]},
                  headers={"Idempotency-Key": "with-token", "X-CSRFToken": token})
        assert r.status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def client_for_csrf(app):
    c = Fresh(app)
    page = c.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = c.post("/login", data={"username": "judge2", "password": "secret-pass-1", "csrf_token": token})
    assert r.status_code == 302
    return c


def test_openapi_document_is_valid_and_covers_every_route(app, client):
    from openapi_spec_validator import validate

    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = rule.rule.replace("<int:", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
