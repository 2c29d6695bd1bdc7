"""Every deduction has a reason, tablets too: a submitted sheet whose deduction has no note (as the judging tablet
API writes them) is listed on the period page with a link to add the note, and the bulletin says it plainly."""
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from contestapp.extensions import db
from tests.merit.merit_helpers import UNITS, at, client_for, merit, pdf_text, score, sheets_of  # noqa: F401


def _tablet_submit(sheet, marks):
    """What the tablet flow leaves behind: marks and a submitted sheet, no MarkNote."""
    from contestapp.judging.models import Mark

    by_code = {c.code: c for c in sheet.round.criteria}
    for code, value in marks.items():
        sheet.marks.append(Mark(criterion_id=by_code[code].id, value=Decimal(value)))
    sheet.status, sheet.submitted_at = "submitted", datetime.now(timezone.utc)
    db.session.commit()


def test_tablet_deduction_without_note_is_flagged_and_can_be_given_one(app, merit):
    from contestapp.audit.models import AuditEntry
    from contestapp.jobs.runner import run_job
    from contestapp.judging.models import MarkNote
    from contestapp.judging.notes import sheet_missing_notes
    from contestapp.merit.models import Bulletin
    from contestapp.merit.periods import periods_of
    from contestapp.merit.sheets import missing_notes

    contest, (judge1, judge2) = merit["contest"], merit["judges"]
    run_job("open_periods", at(2025, 4, 1))
    april = periods_of(contest)[0]
    score(april, [judge1], {UNITS[1]: {"quality": ("2", "混凝土养护不到位", "")}})
    sheets = sheets_of(april, judge2)
    _tablet_submit(sheets[UNITS[1]], {"quality": "3", "safety": "1"})
    _tablet_submit(sheets[UNITS[2]], {"progress": "0"})  # no deduction: nothing to explain
    for name in (UNITS[0], UNITS[3]):
        _tablet_submit(sheets[name], {})
    gaps = missing_notes(april)
    assert [(g.entrant, g.criterion.code, g.value) for g in gaps] == [(UNITS[1], "quality", 3), (UNITS[1], "safety", 1)]
    assert missing_notes(april, judge_id=judge1.id) == []
    assert [g.criterion.code for g in sheet_missing_notes(sheets[UNITS[1]])] == ["quality", "safety"]
    assert sheet_missing_notes(sheets[UNITS[2]]) == []

    organiser = client_for(app, "organiser1")
    page = organiser.get(f"/contests/{contest.id}/merit/periods/{april.id}").get_data(as_text=True)
    assert "扣分未填写原因（2）" in page and UNITS[1] in page
    link = f"/contests/{contest.id}/merit/periods/{april.id}/notes/{sheets[UNITS[1]].id}"
    assert link in page
    assert "扣分未填写原因" not in client_for(app, "assessor1").get(
        f"/contests/{contest.id}/merit/periods/{april.id}").get_data(as_text=True)  # not assessor1's sheets
    assert client_for(app, "assessor1").get(link).status_code == 403  # another assessor's sheet

    assessor2 = client_for(app, "assessor2")
    form = assessor2.get(link).get_data(as_text=True)
    assert 'name="n_quality"' in form and 'name="n_safety"' in form and 'name="n_progress"' not in form
    refused = assessor2.post(link, data={"n_quality": "长" * 501, "n_safety": ""}, follow_redirects=True)
    assert "说明过长" in refused.get_data(as_text=True)
    assert db.session.scalar(select(MarkNote).where(MarkNote.sheet_id == sheets[UNITS[1]].id)) is None
    assert assessor2.post(link, data={"n_quality": "钢筋保护层不足", "n_safety": " "}).status_code == 302  # one of two
    db.session.expire_all()
    assert [(g.criterion.code) for g in missing_notes(april)] == ["safety"]
    assert [m.value for m in sheets[UNITS[1]].marks if m.criterion.code == "quality"] == [3]  # marks untouched
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "marks.note")).all()
    assert len(audit) == 1 and audit[0].actor_id == judge2.id

    # the deadline passes with the safety reason still missing: the bulletin says so, in the line of the deduction
    run_job("close_periods", at(2025, 5, 7))
    run_job("bulletins", at(2025, 5, 7))
    bulletin = db.session.scalar(select(Bulletin).where(Bulletin.period_id == april.id))
    text = pdf_text(bulletin.path)
    assert "钢筋保护层不足" in text and "（未填写原因）" in text and "有 1 项扣分、加分未填写原因" in text
    page = organiser.get(f"/contests/{contest.id}/merit/periods/{april.id}").get_data(as_text=True)
    assert "扣分未填写原因（1）" in page and link not in page  # still listed, no longer editable once published
    assert organiser.post(link, data={"n_safety": "临边防护缺失"}).status_code == 200
    assert missing_notes(april)[0].criterion.code == "safety"
