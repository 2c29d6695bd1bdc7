"""The mark save (PUT /api/v1/sheets/<id>/marks) on the stock stack: Flask-Login's user, SQLAlchemy Core statements,
criteria parsed once per round version, one audit row per change set. Guarantees: idempotency, stale detection,
access, audit."""
from __future__ import annotations

import threading
from decimal import Decimal

from flask import request, request_finished
from flask_login import current_user
from sqlalchemy import func, select, update

from contestapp.audit.models import AuditEntry
from contestapp.contests.models import Criterion
from contestapp.extensions import db
from contestapp.judging.models import Mark, MarkWrite, ScoreSheet
from tests.judging.conftest import Fresh, signed_in


def first_sheet(client):
    data = client.get("/api/v1/assignments").get_json()
    return client.get(f"/api/v1/sheets/{data['rounds'][0]['sheets'][0]['id']}").get_json()


def put(client, sheet_id, version, marks, key, **headers):
    return client.put(f"/api/v1/sheets/{sheet_id}/marks", json={"version": version, "marks": marks},
                      headers={"Idempotency-Key": key, **headers})


def numeric(sheet):
    return next(c for c in sheet["criteria"] if c["kind"] in ("measurement", "judgement") and not c["choices"])


def test_api_requests_load_the_user_through_flask_login(app, jw):
    """The API's user is Flask-Login's own, loaded by the app's user_loader like every page's (auth/sessions.py: the
    light SessionUser for JSON API requests, the ORM User for pages; both check the session token)."""
    seen = []

    def grab(sender, response, **extra):
        seen.append((request.path, type(current_user._get_current_object()).__name__))

    request_finished.connect(grab, app)
    try:
        c = signed_in(app, "judge2")
        sheet = first_sheet(c)
        assert put(c, sheet["id"], 1, [{"criterion_id": numeric(sheet)["id"], "value": "1"}], "u1").status_code == 200
        c.get("/judging/")
    finally:
        request_finished.disconnect(grab, app)
    kinds = dict(seen)
    assert kinds[f"/api/v1/sheets/{sheet['id']}/marks"] == "SessionUser"
    assert kinds["/judging/"] == "User"


def test_an_edited_criterion_is_never_checked_against_the_cached_definition(app, jw):
    c = signed_in(app, "judge2")
    sheet = first_sheet(c)
    crit = numeric(sheet)
    assert put(c, sheet["id"], 1, [{"criterion_id": crit["id"], "value": "10"}], "a").status_code == 200
    db.session.execute(update(Criterion).where(Criterion.id == crit["id"]).values(max=Decimal(5)))
    db.session.commit()
    r = put(c, sheet["id"], 2, [{"criterion_id": crit["id"], "value": "10"}], "b")
    assert r.status_code == 422 and "之间" in r.get_json()["error"]["message"]
    assert put(c, sheet["id"], 2, [{"criterion_id": crit["id"], "value": "5"}], "c").status_code == 200


def test_every_change_is_audited_once_old_to_new_with_who_device_and_address(app, jw):
    c = signed_in(app, "judge2")
    sheet = first_sheet(c)
    a, b = [x for x in sheet["criteria"] if x["kind"] in ("measurement", "judgement") and not x["choices"]][:2]
    r = put(c, sheet["id"], 1, [{"criterion_id": a["id"], "value": "1"}, {"criterion_id": b["id"], "value": "2"}],
            "k1", **{"X-Device-Id": "tablet-7"})
    assert r.status_code == 200 and r.get_json()["status"] == "draft"
    r = put(c, sheet["id"], 2, [{"criterion_id": a["id"], "value": "1"}, {"criterion_id": b["id"], "value": "3"}], "k2")
    assert r.status_code == 200 and r.get_json()["marks"] == {str(a["id"]): "1", str(b["id"]): "3"}
    r = put(c, sheet["id"], 3, [{"criterion_id": a["id"], "value": "1"}], "k3")  # nothing changes: no audit row
    assert r.status_code == 200 and r.get_json()["version"] == 4
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mark.write")
                                 .order_by(AuditEntry.id)).all()
    assert len(entries) == 2
    first, second = entries
    assert first.actor_id == jw["j2"].id and first.actor_name == jw["j2"].display_name
    assert first.device == "tablet-7" and first.address == "127.0.0.1" and first.contest_id == jw["contest"].id
    assert first.object_type == "ScoreSheet" and first.object_id == str(sheet["id"]) and first.at is not None
    assert [(x["criterion"], x["old"], x["new"]) for x in first.data["changes"]] == [
        (a["code"], None, "1"), (b["code"], None, "2")]
    assert [(x["criterion"], x["old"], x["new"]) for x in second.data["changes"]] == [(b["code"], "2", "3")]
    assert second.data["key"] == "k2" and second.data["version"] == 3
    assert f"{b['code']} 2→3" in second.summary and sheet["code"] in second.summary
    marks = db.session.execute(select(Mark.criterion_id, Mark.value, Mark.entry_id, Mark.round_id).where(
        Mark.sheet_id == sheet["id"])).all()
    row = db.session.get(ScoreSheet, sheet["id"])
    assert sorted((m.criterion_id, m.value) for m in marks) == sorted([(a["id"], 1), (b["id"], 3)])
    assert {(m.entry_id, m.round_id) for m in marks} == {(row.entry_id, row.round_id)}


def test_a_criterion_sent_twice_is_written_once_with_the_last_value(app, jw):
    c = signed_in(app, "judge2")
    sheet = first_sheet(c)
    crit = numeric(sheet)
    r = put(c, sheet["id"], 1, [{"criterion_id": crit["id"], "value": "1"}, {"criterion_id": crit["id"], "value": "2"}],
            "twice")
    assert r.status_code == 200 and r.get_json()["marks"] == {str(crit["id"]): "2"}
    assert db.session.scalars(select(Mark.value).where(Mark.sheet_id == sheet["id"])).all() == [2]


def test_a_key_reused_for_another_body_on_the_current_version_changes_nothing(app, jw):
    c = signed_in(app, "judge2")
    sheet = first_sheet(c)
    crit = numeric(sheet)
    first = put(c, sheet["id"], 1, [{"criterion_id": crit["id"], "value": "1"}], "same")
    assert first.status_code == 200, first.get_json()
    r = put(c, sheet["id"], 2, [{"criterion_id": crit["id"], "value": "2"}], "same")  # version 2 is current
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "key_reused"
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet["id"]).version == 2
    assert db.session.scalars(select(Mark.value).where(Mark.sheet_id == sheet["id"])).all() == [1]
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "mark.write")) == 1


def test_the_same_request_sent_at_once_is_applied_once_and_answered_alike(app, jw):
    c = signed_in(app, "judge2")
    sheet = first_sheet(c)
    crit = numeric(sheet)
    answers, barrier = [], threading.Barrier(6)

    def send():
        tablet = Fresh(app)
        tablet.client.set_cookie("session", c.client.get_cookie("session").value)
        barrier.wait()
        with app.app_context():
            r = put(tablet, sheet["id"], 1, [{"criterion_id": crit["id"], "value": "4"}], "dup")
            answers.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s for s, _ in answers] == [200] * 6, answers
    assert {(a["version"], a["marks"][str(crit["id"])]) for _, a in answers} == {(2, "4")}
    assert sum(1 for _, a in answers if not a["replayed"]) == 1
    assert db.session.scalar(select(func.count(MarkWrite.id))) == 1
    assert db.session.scalar(select(func.count(Mark.id)).where(Mark.sheet_id == sheet["id"])) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "mark.write")) == 1


def test_every_answer_ends_its_transaction(app, jw):
    """Saved, replayed, stale, refused: each request leaves the database free for the next writer."""
    c = signed_in(app, "judge2")
    sheet = first_sheet(c)
    crit = numeric(sheet)
    assert put(c, sheet["id"], 1, [{"criterion_id": crit["id"], "value": "1"}], "x1").status_code == 200
    assert put(c, sheet["id"], 1, [{"criterion_id": crit["id"], "value": "1"}], "x1").get_json()["replayed"]
    assert put(c, sheet["id"], 1, [{"criterion_id": crit["id"], "value": "2"}], "x2").status_code == 409
    assert put(c, sheet["id"], 2, [{"criterion_id": crit["id"], "value": "2"}], "x1").status_code == 422
    db.session.execute(update(ScoreSheet).where(ScoreSheet.id == sheet["id"]).values(device="free"))
    db.session.commit()
