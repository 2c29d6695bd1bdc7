"""A round's criteria_version moves with every change to its criteria (database triggers, whoever writes), and the
tablet API, which keeps parsed criteria per process while the version stays, checks marks against the new rules."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text, update

from contestapp.contests.models import Criterion, Round
from contestapp.extensions import db
from tests.judging.conftest import signed_in


def version(round_id: int) -> int:
    return db.session.scalar(text("SELECT criteria_version FROM rounds WHERE id = :i"), {"i": round_id})


def test_every_kind_of_write_to_criteria_moves_the_round_version(app, jw):
    rnd = db.session.get(Round, jw["round"].id)
    other = Round(event_id=rnd.event_id, code="extra", name="加赛", order=9)
    db.session.add(other)
    db.session.commit()
    seen = [version(rnd.id)]

    def moved(round_id=rnd.id):
        now = version(round_id)
        assert now > seen[-1], "criteria_version did not move"
        seen.append(now)

    crit = Criterion(round_id=rnd.id, code="new", name="新增项", kind="judgement", max=Decimal(10), min=Decimal(0),
                     order=99, rules={})
    db.session.add(crit)  # the ORM
    db.session.commit()
    moved()
    db.session.execute(update(Criterion).where(Criterion.id == crit.id).values(max=Decimal(20)))  # Core
    db.session.commit()
    moved()
    db.session.execute(text("UPDATE criteria SET name = '改名' WHERE id = :i"), {"i": crit.id})  # hand-written SQL
    db.session.commit()
    moved()
    before_other = version(other.id)
    db.session.execute(text("UPDATE criteria SET round_id = :o WHERE id = :i"), {"o": other.id, "i": crit.id})
    db.session.commit()
    moved()  # the round it left
    assert version(other.id) > before_other  # and the round it joined
    db.session.delete(db.session.get(Criterion, crit.id))
    db.session.commit()
    assert version(other.id) > before_other + 1


def test_a_tablet_save_is_checked_against_the_criteria_as_they_are_now(app, jw):
    c = signed_in(app, "judge2")
    sid = c.get("/api/v1/assignments").get_json()["rounds"][0]["sheets"][0]["id"]
    sheet = c.get(f"/api/v1/sheets/{sid}").get_json()
    crit = sheet["criteria"][0]

    def put(value, key, v):
        return c.put(f"/api/v1/sheets/{sid}/marks", json={"version": v, "marks": [
            {"criterion_id": crit["id"], "value": value}]}, headers={"Idempotency-Key": key})

    r = put("25", "v-1", sheet["version"])  # parsed and kept by this process
    assert r.status_code == 200, r.get_json()
    limit = Decimal(crit["max"])
    db.session.execute(text("UPDATE criteria SET max = :m WHERE id = :i"),
                       {"m": int(Decimal(20) * 10_000), "i": crit["id"]})  # (Fixed: stored x 10^4)
    db.session.commit()
    assert limit > 20
    r = put("25", "v-2", r.get_json()["version"])
    assert r.status_code == 422 and "之间" in r.get_json()["error"]["message"], r.get_json()
    r = put("20", "v-3", sheet["version"] + 1)  # (the refused save changed nothing)
    assert r.status_code == 200, r.get_json()
