"""Merit contests on the tablet: every deduction (bonus, veto) carries its reason with the mark, stored in
merit_mark_notes in the same transaction and audited; a sheet is signed only when every reason is there."""
from __future__ import annotations

from sqlalchemy import select

from contestapp.extensions import db
from tests.judging.conftest import marks_for, signed_in
from tests.merit.merit_helpers import UNITS, at, merit, sheets_of  # noqa: F401


def _assessor_sheet(app, merit):
    from contestapp.jobs.runner import run_job
    from contestapp.judging.assignments import assign
    from contestapp.merit.periods import periods_of, rounds_of

    contest, (judge1, _) = merit["contest"], merit["judges"]
    run_job("open_periods", at(2025, 4, 1))
    april = periods_of(contest)[0]
    assign(contest, judge1, list(rounds_of(april).values()), None, merit["organiser"])
    db.session.commit()
    client = signed_in(app, "assessor1")
    sheet = sheets_of(april, judge1)[UNITS[1]]
    return client, client.get(f"/api/v1/sheets/{sheet.id}").get_json()


def _put(client, sheet, marks, key):
    return client.put(f"/api/v1/sheets/{sheet['id']}/marks", json={"version": sheet["version"], "marks": marks},
                      headers={"Idempotency-Key": key})


def test_merit_marks_carry_notes_and_submit_needs_them(app, merit):
    from contestapp.audit.models import AuditEntry
    from contestapp.judging.models import MarkNote

    client, sheet = _assessor_sheet(app, merit)
    crit = {c["code"]: c for c in sheet["criteria"]}
    assert crit["quality"]["note_required"] and not crit["quality"]["document_required"]
    assert crit["praise"]["note_required"] and crit["praise"]["document_required"]
    assert crit["honour_owner"]["note_required"] and not crit["honour_owner"]["document_required"]
    assert sheet["notes"] == {}
    zero = [{"criterion_id": c["id"], "value": "0"} for c in sheet["criteria"] if c["kind"] == "deduction"]
    r = _put(client, sheet, zero + [{"criterion_id": crit["quality"]["id"], "value": "2"}], "m-1")
    assert r.status_code == 200, r.get_json()
    sheet["version"] = r.get_json()["version"]

    refused = client.post(f"/api/v1/sheets/{sheet['id']}/submit", json={"version": sheet["version"], "confirm": True})
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "notes_required"
    assert error["message"] == "以下扣分（加分）须填写原因：" + crit["quality"]["name"]
    again = client.get(f"/api/v1/sheets/{sheet['id']}").get_json()
    assert again["status"] == "draft" and again["version"] == sheet["version"]  # nothing changed

    too_long = _put(client, sheet, [{"criterion_id": crit["quality"]["id"], "value": "2", "note": "长" * 501}], "m-x")
    assert too_long.status_code == 422 and too_long.get_json()["error"]["code"] == "invalid_note"
    assert db.session.scalar(select(MarkNote).where(MarkNote.sheet_id == sheet["id"])) is None

    r = _put(client, sheet, [{"criterion_id": crit["quality"]["id"], "value": "2", "note": "混凝土养护不到位"},
                             {"criterion_id": crit["praise"]["id"], "value": "1", "note": "业主表扬",
                              "document_no": "地铁〔2025〕12号"}], "m-2")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["notes"][str(crit["quality"]["id"])] == {"note": "混凝土养护不到位", "document_no": None}
    sheet["version"] = body["version"]
    notes = {n.criterion_id: (n.note, n.document_no)
             for n in db.session.scalars(select(MarkNote).where(MarkNote.sheet_id == sheet["id"]))}
    assert notes == {crit["quality"]["id"]: ("混凝土养护不到位", None),
                     crit["praise"]["id"]: ("业主表扬", "地铁〔2025〕12号")}
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mark.write")
                               .order_by(AuditEntry.id.desc())).first()
    assert {x["criterion"]: (x["old_note"], x["new_note"]) for x in audit.data["notes"]} == {
        "quality": (None, "混凝土养护不到位"), "praise": (None, "业主表扬")}
    assert "混凝土养护不到位" in audit.summary
    got = client.get(f"/api/v1/sheets/{sheet['id']}").get_json()
    assert got["notes"][str(crit["praise"]["id"])]["document_no"] == "地铁〔2025〕12号"
    assignments = client.get("/api/v1/assignments").get_json()
    listed = next(s for r in assignments["rounds"] for s in r["sheets"] if s["id"] == sheet["id"])
    assert listed["notes"] == got["notes"]

    # an empty note deletes it (audited old -> new), and the sheet cannot be signed again until it is back
    r = _put(client, sheet, [{"criterion_id": crit["quality"]["id"], "value": "2", "note": ""}], "m-3")
    sheet["version"] = r.get_json()["version"]
    assert db.session.scalar(select(MarkNote).where(MarkNote.sheet_id == sheet["id"],
                                                    MarkNote.criterion_id == crit["quality"]["id"])) is None
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mark.write")
                               .order_by(AuditEntry.id.desc())).first()
    assert audit.data["notes"][0]["old_note"] == "混凝土养护不到位" and audit.data["notes"][0]["new_note"] is None
    assert client.post(f"/api/v1/sheets/{sheet['id']}/submit",
                       json={"version": sheet["version"], "confirm": True}).status_code == 422
    r = _put(client, sheet, [{"criterion_id": crit["quality"]["id"], "value": "2", "note": "钢筋保护层不足"}], "m-4")
    sheet["version"] = r.get_json()["version"]
    done = client.post(f"/api/v1/sheets/{sheet['id']}/submit", json={"version": sheet["version"], "confirm": True})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "submitted"


def test_other_contests_ignore_notes(app, jw):
    from contestapp.judging.models import MarkNote

    client = signed_in(app, "judge2")
    data = client.get("/api/v1/assignments").get_json()
    sheet = client.get(f"/api/v1/sheets/{data['rounds'][0]['sheets'][0]['id']}").get_json()
    assert "notes" not in sheet and not any(c["note_required"] for c in sheet["criteria"])
    marks = [dict(m, note="无关", document_no="x") for m in marks_for(sheet)]
    r = client.put(f"/api/v1/sheets/{sheet['id']}/marks", json={"version": sheet["version"], "marks": marks},
                   headers={"Idempotency-Key": "n-1"})
    assert r.status_code == 200 and "notes" not in r.get_json()
    assert db.session.scalar(select(MarkNote)) is None
    done = client.post(f"/api/v1/sheets/{sheet['id']}/submit",
                       json={"version": r.get_json()["version"], "confirm": True})
    assert done.status_code == 200, done.get_json()


def test_reasons_still_missing_are_named_in_the_readers_language(app, merit):  # noqa: F811
    """The refusal to sign names each deduction or bonus still without its reason (and whether the document number
    is what is missing) in the tablet's language; the criteria keep the names the tablet shows for them."""
    client, sheet = _assessor_sheet(app, merit)
    crit = {c["code"]: c for c in sheet["criteria"]}
    zero = [{"criterion_id": c["id"], "value": "0"} for c in sheet["criteria"] if c["kind"] == "deduction"]
    r = _put(client, sheet, zero + [{"criterion_id": crit["quality"]["id"], "value": "2"},
                                    {"criterion_id": crit["praise"]["id"], "value": "1", "note": "业主表扬"}], "m-1")
    assert r.status_code == 200, r.get_json()
    quality, praise = crit["quality"]["name"], crit["praise"]["name"]
    english = f"These deductions (bonuses) need a reason: {quality}, {praise} (document number)"
    for headers, text in (({"Accept-Language": "en"}, english), ({}, f"以下扣分（加分）须填写原因：{quality}、{praise}（通报文号）")):
        refused = client.post(f"/api/v1/sheets/{sheet['id']}/submit",
                              json={"version": r.get_json()["version"], "confirm": True}, headers=headers)
        assert refused.status_code == 422 and refused.get_json()["error"]["message"] == text, refused.get_json()
        assert [d["code"] for d in refused.get_json()["error"]["detail"]] == ["quality", "praise"]
