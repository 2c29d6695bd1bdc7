"""A refused results step (issue 13: one error handler per blueprint) answers as the views' own try/except did: the
message flashed in Chinese, back to the event's page (or the paper-marks page), nothing half-saved."""
from __future__ import annotations

import io
from datetime import timedelta

from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.results import services
from contestapp.results.models import Appeal, ResultSnapshot
from tests.results.final_helpers import T0, publish, ready_event


def _world(make, login_as):
    world = ready_event(make)
    world["contest"].organisation_id = world["org1"].organisation_id
    db.session.commit()
    base = f"/contests/{world['contest'].id}/results"
    return world, base, f"{base}/events/{world['event'].id}"


def test_a_refused_step_goes_back_to_the_event_page_whatever_page_the_form_was_on(app, make, client, login_as):
    world, base, event_url = _world(make, login_as)
    login_as("org1")
    response = client.post(event_url + "/settings", data={"appeal_hours": "9999", "publicity_days": "5"},
                           headers={"Referer": "http://localhost" + base + "/"})
    assert response.status_code == 302 and response.headers["Location"].endswith(event_url)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "申诉时限须在 0–720 小时之间" in page
    db.session.expire_all()
    assert services.state_of(world["event"], create=False).appeal_hours == 2


def test_a_refused_decision_on_a_snapshot_or_an_appeal_goes_to_its_event_page(app, make, client, login_as):
    world, base, event_url = _world(make, login_as)
    publish(world)
    snap = db.session.scalar(db.select(ResultSnapshot).where(ResultSnapshot.event_id == world["event"].id))
    entry = db.session.scalar(db.select(Entry).where(Entry.event_id == world["event"].id).limit(1))
    appeal = services.lodge_appeal(world["event"], entry, "张三", "分数有误", world["org1"], T0 + timedelta(minutes=30))
    db.session.commit()
    login_as("org1")
    response = client.post(f"{base}/snapshots/{snap.id}/approve")
    assert response.status_code == 302 and response.headers["Location"].endswith(event_url)
    assert "该版本不是待审批状态" in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post("/logout")
    login_as("arb")
    response = client.post(f"{base}/appeals/{appeal.id}/decide",
                           data={"outcome": "upheld", "decision": "理由充分", "changes": "不是一行更正"})
    assert response.status_code == 302 and response.headers["Location"].endswith(event_url)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert services.CHANGE_FORMATS[True] in page and "仲裁决定已记录" not in page
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).status == "pending"


def test_a_refused_marks_file_goes_back_to_the_paper_marks_page(app, make, client, login_as):
    world, base, _event_url = _world(make, login_as)
    login_as("org1")
    response = client.post(f"{base}/marks/batches", data={"file": (io.BytesIO(b""), "m.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}/marks")
    assert "m.csv：文件是空的" in client.get(response.headers["Location"]).get_data(as_text=True)
