"""Marks import (all or nothing, double entry), the ranking cache, publicity, appeals, final snapshots,
corrections with two approvals, awards, exports and the big screen."""
import csv
import io
import subprocess
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from pathlib import Path

import pytest

from contestapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
MARKS = ROOT / "examples" / "marks"
T0 = datetime(2025, 5, 20, 2, 0, tzinfo=timezone.utc)  # a Tuesday, 10:00 in Shanghai


@pytest.fixture
def skills(app, make):
    """The city-skills example loaded with its roster and marks (4 electricians, 5 judges)."""
    from contestapp.contests.definition import create_contest, read_definition
    from contestapp.entrants.services import check_roster, import_roster
    from contestapp.results.marks import check_files, import_checked

    org = make.org("示例市总工会")
    users = {name: make.user(name, role, org) for name, role in [
        ("j1", "judge"), ("j2", "judge"), ("j3", "judge"), ("j4", "judge"), ("j5", "judge"),
        ("org1", "organiser"), ("org2", "organiser"), ("org3", "organiser"), ("arb", "arbitrator")]}
    path = ROOT / "examples" / "city-skills.json"
    contest = create_contest(read_definition(path.read_bytes(), path.name), org, None)
    make.member(contest, users["arb"])
    checked = check_roster(contest, (MARKS / "city-skills-roster.csv").read_bytes(), "roster.csv")
    assert checked.ok
    import_roster(contest, checked, None)
    marks = check_files(contest, (MARKS / "city-skills-marks.csv").read_bytes(), "m.csv",
                        (MARKS / "city-skills-extras.csv").read_bytes(), "x.csv")
    assert marks.ok, marks.problems
    import_checked(contest, marks, None)
    db.session.commit()
    event = contest.events[0]
    return {"contest": contest, "event": event, **users}


def entry(event, number):
    from contestapp.entrants.models import Entry

    return db.session.scalar(db.select(Entry).where(Entry.event_id == event.id, Entry.number == number))


def order(event):
    from contestapp.results import engine

    return [(r.entry, r.rank, str(r.total)) for r in engine.ranking(event).ranked]


# --- marks files --------------------------------------------------------------------------------------------------

def test_a_bad_marks_file_imports_nothing_and_names_every_row(skills):
    from contestapp.judging.models import Mark
    from contestapp.results.marks import check_files

    before = db.session.scalar(db.select(db.func.count(Mark.id)))
    content = ("event,round,entry,criterion,judge,value\n"
               "electrician,practical,E01,m1,j1,31\n"         # above the maximum 30
               "electrician,practical,E99,m1,j1,20\n"         # unknown entry
               "electrician,practical,E02,m9,j1,20\n"         # unknown criterion
               "electrician,practical,E03,m1,nobody,20\n"     # unknown judge
               "electrician,practical,E03,m1,j1,abc\n").encode()
    checked = check_files(skills["contest"], content, "bad.csv")
    reasons = {p.row: p.reason for p in checked.problems}
    assert "30" in reasons[2] and "E99" in reasons[3] and "m9" in reasons[4] and "nobody" in reasons[5]
    assert "不是有效数字" in reasons[6]
    # the sheets in the example are already submitted: a file never overwrites them
    again = check_files(skills["contest"], (MARKS / "city-skills-marks.csv").read_bytes(), "m.csv")
    assert not again.ok and "已提交" in again.problems[0].reason
    assert db.session.scalar(db.select(db.func.count(Mark.id))) == before


def test_double_entry_lists_every_disagreement_and_counts_only_identical_keyings(app, make, skills):
    from contestapp.judging.models import ScoreSheet
    from contestapp.results.marks import MarksFileError, check_files, confirm_batch, disagreements, store_batch

    contest = skills["contest"]
    make.user("j6", "judge")
    first = ("event,round,entry,criterion,judge,value\nelectrician,practical,E01,m1,j6,27\n"
             "electrician,practical,E01,m2,j6,26\n").encode()
    second = ("event,round,entry,criterion,judge,value\nelectrician,practical,E01,m1,j6,27.5\n"
              "electrician,practical,E01,m2,j6,26\nelectrician,practical,E02,m2,j6,25\n").encode()
    a = store_batch(contest, check_files(contest, first, "a.csv"), skills["org1"], "a.csv")
    b = store_batch(contest, check_files(contest, second, "b.csv"), skills["org2"], "b.csv", pair=a)
    diff = disagreements(a, b)
    assert [(d.what, d.first, d.second) for d in diff] == [
        ("评分 electrician/practical/E01/m1/j6", "27", "27.5"), ("评分 electrician/practical/E02/m2/j6", None, "25")]
    with pytest.raises(MarksFileError, match="2 处不一致"):
        confirm_batch(contest, b, skills["org1"])
    c = store_batch(contest, check_files(contest, first, "c.csv"), skills["org1"], "c.csv", pair=a)
    with pytest.raises(MarksFileError, match="两个不同的人"):
        confirm_batch(contest, c, skills["org1"])
    b.status = "discarded"
    d = store_batch(contest, check_files(contest, first, "d.csv"), skills["org2"], "d.csv", pair=a)
    assert confirm_batch(contest, d, skills["org2"]) == 2
    sheet = db.session.scalar(db.select(ScoreSheet).where(ScoreSheet.judge_id == db.session.scalar(
        db.select(ScoreSheet.judge_id).join(ScoreSheet.judge).where(db.text("users.username = 'j6'")))))
    assert sheet.source == "paper" and sheet.status == "submitted"


# --- ranking cache ------------------------------------------------------------------------------------------------

def test_one_changed_mark_updates_the_cached_ranking(skills):
    from contestapp.results import engine, services

    event = skills["event"]
    assert order(event)[:2] == [("E01", 1, "87.00"), ("E02", 2, "87.00")]
    # E02's theory 87 -> 90: 27 + 60.9 = 87.90 puts E02 first
    mark = services.find_mark(event, entry(event, "E02"), "theory", "paper", "j1")
    services.change_mark(mark, D(90), "复核", skills["org1"])
    db.session.commit()
    assert order(event)[:2] == [("E02", 1, "87.90"), ("E01", 2, "87.00")]
    assert [(r.entry, r.rank, str(r.total)) for r in engine.recompute_from_scratch(event)] == order(event)
    # withdrawing an entry takes it out
    e4 = entry(event, "E04")
    e4.status = "withdrawn"
    db.session.commit()
    ranking = engine.ranking(event)
    assert [r.entry for r in ranking.ranked] == ["E02", "E01", "E03"] and ranking.unscored[e4.id] == "已退赛"


def test_tie_decision_of_the_chief_judge_is_used(skills, make):
    from contestapp.judging.models import TieDecision
    from contestapp.results import engine, services

    event = skills["event"]
    e1, e2 = entry(event, "E01"), entry(event, "E02")
    # make E01 and E02 identical on everything: E01 theory 87, practical 87 (m1 28 -> 25 brings 90 -> 87)
    services.change_mark(services.find_mark(event, e1, "theory", "paper", "j1"), D(87), "t", None)
    for j in ("j1", "j2", "j3", "j4", "j5"):
        m = services.find_mark(event, e1, "practical", "m1", j)
        services.change_mark(m, m.value - 3, "t", None)
    services.change_mark(services.find_mark(event, e1, "practical", "m3", "j1"), D(20) - 0, "t", None)
    db.session.commit()
    ranking = engine.ranking(event)
    top = ranking.ranked[:2]
    if top[0].needs_decision:  # practical and theory equal; time differs, so the chain may still decide
        assert ranking.pending
    chief = make.user("chief1", "chief_judge")
    db.session.add(TieDecision(event_id=event.id, entry_ids=[e2.id, e1.id], reason="裁判长裁定：按工艺质量", decided_by=chief.id))
    db.session.commit()
    ranked = engine.ranking(event).ranked
    assert [r.entry for r in ranked[:2]] in (["E02", "E01"], ["E01", "E02"])


# --- publicity, appeals, final ------------------------------------------------------------------------------------

def test_publicity_appeals_final_snapshot_and_awards(skills):
    from contestapp.awards.models import AwardGrant
    from contestapp.awards.services import current_grants
    from contestapp.results import services
    from contestapp.results.models import ImmutableSnapshotError

    event, org1, arb = skills["event"], skills["org1"], skills["arb"]
    services.record_end(event, org1, T0)
    snap = services.publish_preliminary(event, org1, T0 + timedelta(hours=1))
    state = services.state_of(event)
    assert snap.number == "2025-city-skills/electrician/P1" and state.stage == "publicity"
    assert state.publicity_ends_at == T0 + timedelta(days=7, hours=1)  # Tue + 5 working days = next Tue
    # within 2 hours of the end: accepted; later: refused
    appeal = services.lodge_appeal(event, entry(event, "E02"), "吴乙", "理论成绩登分有误", org1, T0 + timedelta(hours=1, minutes=59))
    with pytest.raises(services.ResultsError, match="超过时限"):
        services.lodge_appeal(event, entry(event, "E03"), "郑丙", "不服", org1, T0 + timedelta(hours=2, minutes=1))
    # the job does not finalise while an appeal is pending
    assert services.end_publicity_if_due(T0 + timedelta(days=8)) == {"finalised": [], "waiting": [event.id]}
    mark = services.find_mark(event, entry(event, "E02"), "theory", "paper", "j1")
    services.decide_appeal(appeal, True, "复核试卷，漏计 3 分", arb, [(mark, D(90))], T0 + timedelta(hours=3))
    db.session.commit()
    from contestapp.audit.models import AuditEntry

    log = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "mark.change"))
    assert log.data["old"] == "87" and log.data["new"] == "90" and log.data["appeal_id"] == appeal.id
    done = services.end_publicity_if_due(T0 + timedelta(days=8))
    assert done == {"finalised": [event.id], "waiting": []}
    assert services.end_publicity_if_due(T0 + timedelta(days=9)) == {"finalised": [], "waiting": []}  # idempotent
    db.session.commit()
    final = services.official_snapshot(event)
    assert final.number == "2025-city-skills/electrician/F1"
    assert [(r["number"], r["rank"], r["total"]) for r in final.data["ranking"]][:2] == [
        ("E02", 1, "87.90"), ("E01", 2, "87.00")]
    assert "去掉最高" in final.data["ranking"][0]["explanation"]
    # 4 entrants: 10% -> 0 first prizes, 30% -> 1 place, 60% -> 2 places (cumulative)
    snap, grants = current_grants(event)
    assert [(g.number, g.award) for g in grants if g.award] == [("E02", "二等奖"), ("E01", "三等奖")]
    assert all("市技术能手" in g.titles for g in grants)
    final.data = {"ranking": []}
    with pytest.raises(ImmutableSnapshotError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(services.ResultsError, match="已定稿"):
        services.lodge_appeal(event, None, "某人", "晚了", org1, T0 + timedelta(hours=1))

    # final results do not change: a mark change is refused until the organiser reopens them with a reason
    from contestapp.contests.finality import EventFinalError

    m = services.find_mark(event, entry(event, "E03"), "theory", "paper", "j1")
    with pytest.raises(EventFinalError, match="已定稿"):
        services.change_mark(m, D(95), "更正登分错误", org1)
    with pytest.raises(services.ResultsError, match="重新开放"):
        services.propose_correction(event, "E03 理论成绩登分错误", org1)
    services.reopen(event, "E03 理论成绩登分错误，须更正", org1)
    assert services.official_snapshot(event).version == 1  # still the official result meanwhile
    # a correction: a new version with a reason, effective after two approvals by two other people
    services.correct_marks(event, [(m, D(95))], "E03 理论试卷登分错误", org1)
    snap2 = services.propose_correction(event, "E03 理论成绩登分错误", org1)
    assert snap2.status == "pending" and snap2.version == 2
    with pytest.raises(services.ResultsError, match="不能批准自己"):
        services.approve_correction(snap2, org1)
    services.approve_correction(snap2, skills["org2"])
    with pytest.raises(services.ResultsError, match="另一人"):
        services.approve_correction(snap2, skills["org2"])
    assert services.official_snapshot(event).version == 1
    services.approve_correction(snap2, skills["org3"])
    db.session.commit()
    assert services.official_snapshot(event).number == "2025-city-skills/electrician/F2"
    assert services.state_of(event).stage == "final" and event.final_at is not None  # final again
    assert len(services.snapshots_of(event)) == 3  # every version stays readable
    assert db.session.scalar(db.select(db.func.count(AwardGrant.id)).where(AwardGrant.snapshot_id == final.id)) > 0


# --- console, exports, big screen ---------------------------------------------------------------------------------

def test_console_pages_exports_and_pdf_fonts(skills, client, login_as, tmp_path):
    contest, event = skills["contest"], skills["event"]
    login_as("org1")
    from contestapp.contests.models import Contest

    c = db.session.get(Contest, contest.id)
    c.organisation_id = skills["org1"].organisation_id
    db.session.commit()
    base = f"/contests/{contest.id}/results"
    page = client.get(f"{base}/events/{event.id}")
    assert page.status_code == 200 and "87.00" in page.get_data(as_text=True)
    e1 = entry(event, "E01")
    detail = client.get(f"{base}/events/{event.id}/entries/{e1.id}").get_data(as_text=True)
    assert "去掉最高" in detail and "总成绩" in detail
    csv_text = client.get(f"{base}/events/{event.id}/export.csv").get_data().decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(csv_text))) == ["rank", "entry", "name", "unit", "total", "theory", "practical"]
    book = client.get(f"{base}/events/{event.id}/marks.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(book.data))
    assert wb.sheetnames == ["排名", "评分明细"] and wb["评分明细"].max_row == 1 + 56
    pdf = client.get(f"{base}/events/{event.id}/export.pdf")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf.data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # every font embedded
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "周甲" in text and "87.00" in text
    assert client.get(f"/contests/{contest.id}/awards/").status_code == 200
    assert client.get(f"{base}/marks").status_code == 200


def test_big_screen_shows_codes_until_decrypted_and_allowed(skills, client):
    from contestapp.judging.models import Decryption
    from contestapp.results import services

    event = skills["event"]
    assert client.get(f"/board/{event.id}").status_code == 404  # off until the organiser opens it
    services.update_settings(event, None, appeal_hours=2, publicity_days=5, board_enabled=True, public_names=True)
    db.session.commit()
    data = client.get(f"/board/{event.id}/data.json").get_json()
    first = data["rows"][0]
    assert (first["rank"], first["label"], first["unit"], first["total"]) == (1, "E01", "", "87.00")
    assert not data["names"] and data["phase"] == "live"  # allowed, but not yet decrypted
    db.session.add(Decryption(event_id=event.id, decrypted_by_id=skills["org1"].id))
    db.session.commit()
    response = client.get(f"/board/{event.id}/data.json")
    first = response.get_json()["rows"][0]
    assert (first["rank"], first["label"], first["total"]) == (1, "周甲", "87.00") and first["unit"]
    assert client.get(f"/board/{event.id}/data.json", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    page = client.get(f"/board/{event.id}").get_data(as_text=True)
    assert "js/board.js" in page and f"/board/{event.id}/data.json" in page  # the page polls the data it was given
