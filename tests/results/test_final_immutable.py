"""Nothing changes an event whose results are final (定稿) except through an explicit, audited reopening.

Before this, a roster could still be imported into an event whose results were final (and draws, marks, returns,
decryption... went through as well). Every path that changes an event is refused with one message; the safety net
refuses ORM writes a path might forget; reopening takes a reason, is audited, keeps the official snapshot, and a
correction approved by two people makes the results final again."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from contestapp.contests.finality import EventFinalError
from contestapp.domain.idcard import make_id_number
from contestapp.extensions import db
from tests.results.final_helpers import make_final, ready_event

FINAL = "成绩已定稿，不能再修改"


@pytest.fixture
def final(app, make):
    world = ready_event(make)
    make_final(world)
    world["contest"].organisation_id = world["org1"].organisation_id
    db.session.commit()
    return world


def _entry(event, number):
    from contestapp.entrants.models import Entry

    return db.session.scalar(select(Entry).where(Entry.event_id == event.id, Entry.number == number))


def _roster_xlsx(rows: list[tuple[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "性别", "身份证号", "单位", "参赛赛项"])
    for i, (name, event) in enumerate(rows):
        sheet.append([name, "男", make_id_number("330106", date(1990, 3, 1 + i), 11 + i, "M"), "热力公司", event])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _counts():
    from contestapp.audit.models import AuditEntry
    from contestapp.entrants.models import Entry
    from contestapp.judging.models import Assignment, LotDraw, Mark, Recusal

    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in
                 (Entry, LotDraw, Assignment, Recusal, Mark, AuditEntry))


# --- the reported defect: a roster into a final event ----------------------------------------------------------------

def test_a_roster_cannot_be_imported_into_an_event_whose_results_are_final(final, client, login_as):
    contest = final["contest"]
    login_as("org1")
    base = f"/contests/{contest.id}/entrants"
    preview = client.post(f"{base}/import", data={"file": (io.BytesIO(_roster_xlsx([("钱新", "电工"), ("孙新", "焊工")])),
                                                           "报名表.xlsx")}, content_type="multipart/form-data")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 400 and "赛项“电工”的成绩已定稿，不能再报名" in text and "第 2 行" in text
    assert _entry(final["event"], "electrician-0005") is None
    # the open event still takes entrants
    ok = client.post(f"{base}/import", data={"file": (io.BytesIO(_roster_xlsx([("孙新", "焊工")])), "报名表.xlsx")},
                     content_type="multipart/form-data")
    assert ok.status_code == 200


def test_a_roster_checked_before_finalisation_is_refused_after_it(app, make):
    from contestapp.entrants.services import check_roster, import_roster

    world = ready_event(make)
    checked = check_roster(world["contest"], _roster_xlsx([("钱新", "电工")]), "r.xlsx")
    assert checked.ok
    make_final(world)
    before = _counts()
    with pytest.raises(EventFinalError, match="电工"):
        import_roster(world["contest"], checked, world["org1"])
    db.session.rollback()
    assert _counts() == before


# --- every other path ------------------------------------------------------------------------------------------------

def _paths(w):
    """(name, change) for every service that changes an event, applied to the final 电工 event."""
    from contestapp.contests import services as setup
    from contestapp.entrants.services import delete_entrant
    from contestapp.judging import assignments, draws, signoff
    from contestapp.judging.models import Assignment, ScoreSheet
    from contestapp.results import services as results
    from contestapp.results.marks import Checked, import_checked

    event, contest = w["event"], w["contest"]
    e1, e2 = _entry(event, "E01"), _entry(event, "E02")
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.entry_id == e1.id).limit(1))
    assignment = db.session.scalar(select(Assignment).limit(1))
    theory = next(r for r in event.rounds if r.code == "theory")
    mark = results.find_mark(event, e1, "theory", "paper", "j1")
    return [
        ("draw", lambda: draws.draw_event(event, w["org1"], seed=1)),
        ("manual draw", lambda: draws.import_manual_draw(event, [], w["org1"])),
        ("assign", lambda: assignments.assign(contest, w["j2"], [theory], None, w["org1"])),
        ("unassign", lambda: assignments.unassign(assignment, w["org1"])),
        ("recusal", lambda: assignments.declare_conflict(w["j3"], e2, "亲属关系", w["chief"])),
        ("return a sheet", lambda: signoff.return_sheet(sheet, w["chief"], "复核")),
        ("confirm a round", lambda: signoff.confirm_round(theory, w["chief"])),
        ("decrypt", lambda: signoff.decrypt_event(event, w["chief"])),
        ("tie decision", lambda: signoff.record_tie(event, [e1.id, e2.id], "裁定", w["chief"])),
        ("change a mark", lambda: results.change_mark(mark, D(95), "登分错误", w["org1"])),
        ("event end", lambda: results.record_end(event, w["org1"], w["practical"].event.final_at)),
        ("appeal window", lambda: results.update_settings(event, w["org1"], appeal_hours=48, publicity_days=5,
                                                          board_enabled=False, public_names=False)),
        ("paper marks", lambda: import_checked(contest, Checked(rows=[
            ["electrician", "theory", "E01", "paper", "j2", "90"]]), w["org1"])),
        ("delete an entrant", lambda: delete_entrant(e1.entrant, w["org1"])),
        ("edit a round", lambda: setup.delete_node(contest, theory.criteria[0], w["org1"])),
    ]


PATHS = ["draw", "manual draw", "assign", "unassign", "recusal", "return a sheet", "confirm a round", "decrypt",
         "tie decision", "change a mark", "event end", "appeal window", "paper marks", "delete an entrant",
         "edit a round"]


@pytest.mark.parametrize("path", PATHS)
def test_every_service_that_changes_a_final_event_refuses(final, path):
    final["contest"].status = "draft"  # even with the set-up unlocked, a final event's structure stays
    db.session.commit()
    before = _counts()
    change = dict(_paths(final))[path]
    with pytest.raises(EventFinalError, match=FINAL):
        change()
        db.session.flush()
    db.session.rollback()
    assert _counts() == before


def test_appeals_and_publication_are_refused_once_final(final):
    from contestapp.results import services

    with pytest.raises(services.ResultsError, match="不再受理申诉"):
        services.lodge_appeal(final["event"], None, "领队", "再议", final["org1"])
    with pytest.raises(services.ResultsError, match="成绩已定稿"):
        services.publish_preliminary(final["event"], final["org1"])
    # the presentation may change: the big screen is switched on
    services.update_settings(final["event"], final["org1"], appeal_hours=2, publicity_days=5, board_enabled=True,
                             public_names=True)
    db.session.commit()


def test_the_safety_net_refuses_orm_writes_a_path_might_forget(final):
    from contestapp.judging.models import Mark

    entry = _entry(final["event"], "E03")
    entry.status = "withdrawn"
    with pytest.raises(EventFinalError, match="电工"):
        db.session.flush()
    db.session.rollback()
    mark = db.session.scalar(select(Mark).limit(1))
    db.session.delete(mark)
    with pytest.raises(EventFinalError):
        db.session.commit()
    db.session.rollback()
    # an open event of the same contest is not affected; deleting the whole contest is not a change of its events
    welder = final["contest"].events[1]
    welder.name = "焊工（改）"
    db.session.commit()
    db.session.delete(final["contest"])
    db.session.commit()


def test_the_pages_and_the_tablet_api_say_why(final, client, login_as, app):
    from contestapp.judging.models import ScoreSheet

    contest, event = final["contest"], final["event"]
    login_as("org1")
    setup = f"/contests/{contest.id}/judging/setup"
    r = client.post(f"/contests/{contest.id}/judging/events/{event.id}/draw", data={"d-levels": "1"},
                    headers={"Referer": "http://localhost" + setup}, follow_redirects=True)
    assert r.status_code == 200 and "赛项“电工”的成绩已定稿，不能再修改" in r.get_data(as_text=True)
    judge = app.test_client()
    judge.post("/login", data={"username": "j1", "password": "secret-pass-1"})
    sheet = db.session.scalar(select(ScoreSheet).join(ScoreSheet.judge).where(
        ScoreSheet.round_id == final["practical"].id, ScoreSheet.judge.has(username="j1")).limit(1))
    api = judge.post(f"/api/v1/sheets/{sheet.id}/submit", json={"version": sheet.version, "confirm": True})
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "event_final"
    m1 = next(c for c in final["practical"].criteria if c.code == "m1")
    before = {m.criterion_id: m.value for m in sheet.marks}
    put = judge.put(f"/api/v1/sheets/{sheet.id}/marks", json={"version": sheet.version, "marks": [
        {"criterion_id": m1.id, "value": "1"}]}, headers={"Idempotency-Key": "k1"})
    assert put.status_code == 409  # a final event's rounds are all confirmed: the tablet cannot write
    db.session.expire_all()
    assert {m.criterion_id: m.value for m in sheet.marks} == before


# --- reopening -------------------------------------------------------------------------------------------------------

def test_reopening_is_explicit_audited_and_the_final_snapshot_stays(final, client, login_as, make):
    from contestapp.audit.models import AuditEntry
    from contestapp.results import services

    contest, event = final["contest"], final["event"]
    base = f"/contests/{contest.id}/results/events/{event.id}"
    login_as("org1")
    page = client.get(base).get_data(as_text=True)
    assert 'id="reopen"' in page and "提出成绩更正" not in page
    short = client.post(base + "/reopen", data={"reason": "错"}, follow_redirects=True).get_data(as_text=True)
    assert "请填写重新开放的原因" in short and event.final_at is not None
    page = client.post(base + "/reopen", data={"reason": "E03 理论试卷登分错误，需更正"},
                       follow_redirects=True).get_data(as_text=True)
    assert "成绩已重新开放（更正中）：现行正式成绩仍为 2025-city-skills/electrician/F1" in page
    db.session.expire_all()
    assert event.final_at is None and services.state_of(event).stage == "reopened"
    log = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.reopen"))
    assert log.data["reason"] == "E03 理论试卷登分错误，需更正" and log.data["official"].endswith("/F1")
    assert log.actor_name == "org1"

    # while reopened: marks are corrected with a reason, a correction is proposed and approved by two others
    bad = client.post(base + "/mark-corrections", data={"changes": "E03 theory.paper", "reason": "登分错误更正"},
                      follow_redirects=True).get_data(as_text=True)
    assert "评分修改格式：每行 参赛编号 轮次.评分项 裁判账号 新分数" in bad
    page = client.post(base + "/mark-corrections", data={"changes": "E03 theory.paper j1 95",
                                                         "reason": "理论试卷登分错误"}, follow_redirects=True)
    assert "评分已更正" in page.get_data(as_text=True)
    client.post(base + "/corrections", data={"reason": "E03 理论试卷登分错误"})
    pending = db.session.scalar(select(services.ResultSnapshot).where(services.ResultSnapshot.status == "pending"))
    services.approve_correction(pending, final["org2"])
    services.approve_correction(pending, final["org3"])
    db.session.commit()
    assert services.official_snapshot(event).number.endswith("/F2") and event.final_at is not None
    numbers = [s.number for s in services.snapshots_of(event)]
    assert [n.rsplit("/", 1)[1] for n in numbers] == ["P1", "F1", "F2"]  # the old final stays as history
    # final again: nothing changes
    with pytest.raises(EventFinalError):
        services.change_mark(services.find_mark(event, _entry(event, "E03"), "theory", "paper", "j1"), D(96),
                             "再改", final["org1"])
