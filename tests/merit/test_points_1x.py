"""A 1+X year for 50 union chairs: base points from the star level (a lookup), special items with evidence that
must be confirmed to count, an annual ranking through the jobs, and the top 20 flagged with ties included."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from contestapp.extensions import db

CST = ZoneInfo("Asia/Shanghai")
ITEMS = ["openness", "wages", "mutual_aid", "studio", "loans", "care", "training", "contest", "safety", "excellence"]
PDF = b"%PDF-1.4\n% evidence\n"


def targets():
    """Intended totals: 19 distinct from 100 down, three chairs tied at the 20th place, then the rest."""
    t = [100 - i for i in range(19)] + [81, 81, 81] + [79 - i for i in range(28)]
    assert len(t) == 50
    return t


@pytest.fixture
def points(app, make):
    from contestapp.merit import periods

    org = make.org("某县总工会", "county")
    organiser = make.user("county_org", "organiser", org)
    judge = make.user("reviewer", "judge", org)
    contest = make.contest(org, "points-1x.json", code="county-1x-2025")
    make.member(contest, judge)
    make.roster(contest, 50)
    periods.save_project(contest, {"name": "2025年度基层工会主席绩效积分", "schedule": "yearly",
                                    "starts_on": date(2025, 1, 1), "ends_on": date(2025, 12, 31), "top_flag": 20},
                          organiser)
    periods.generate_periods(contest, organiser)
    db.session.commit()
    return contest, organiser, judge


def test_a_1x_year_for_50_chairs_ranks_and_flags_the_top_20_with_ties(app, points):
    from contestapp.jobs.runner import run_job
    from contestapp.jobs import tasks  # noqa: F401
    from contestapp.judging.models import ScoreSheet
    from contestapp.merit.models import Bulletin, Period
    from contestapp.merit.periods import MeritError
    from contestapp.merit.sheets import SheetInput, review_evidence, save_assessment, store_evidence
    from contestapp.merit.standings import standings_of

    contest, organiser, judge = points
    [period] = db.session.scalars(select(Period)).all()
    assert period.code == "year" and period.name == "2025年度考评"
    run_job("open_periods", datetime(2025, 1, 2, 9, tzinfo=CST))
    sheets = db.session.scalars(select(ScoreSheet).where(ScoreSheet.judge_id == judge.id)
                                .order_by(ScoreSheet.entry_id)).all()
    assert len(sheets) == 50
    crit = {c.code: c for c in sheets[0].round.criteria}

    # Base points must be one of the star levels of the lookup table.
    with pytest.raises(MeritError, match="三星 50"):
        save_assessment(sheets[0], judge, {"star": SheetInput(Decimal(52))}, submit=True)
    db.session.rollback()

    expected = {}
    for i, (sheet, total) in enumerate(zip(sheets, targets())):
        star = 60 if total >= 60 else 40
        bonus = total - star
        values = {"star": SheetInput(Decimal(star))}
        for k, item in enumerate(ITEMS):
            points_k = min(5, bonus - 5 * k)
            if points_k <= 0:
                break
            values[item] = SheetInput(Decimal(points_k), f"第{k + 1}项工作成效", "")
            ev = store_evidence(contest, sheet.entry, crit[item], f"证明{k}.pdf", PDF, "", organiser)
            review_evidence(ev, True, "材料属实", judge)
        if i == 30:  # claims one more item, but its evidence is rejected: it does not count
            values["excellence"] = SheetInput(Decimal(5), "创先争优", "")
            ev = store_evidence(contest, sheet.entry, crit["excellence"], "荣誉.pdf", PDF, "", organiser)
            review_evidence(ev, False, "材料与事项不符", judge)
        save_assessment(sheet, judge, values, submit=True)
        expected[sheet.entry_id] = Decimal(total)
    db.session.commit()

    run_job("close_periods", datetime(2026, 1, 6, 9, tzinfo=CST))
    run = run_job("bulletins", datetime(2026, 1, 6, 9, 10, tzinfo=CST))
    assert run.status == "ok", run.message
    standings = standings_of(period)
    assert {s.entry_id: s.score for s in standings} == expected
    ordered = sorted(expected.values(), reverse=True)
    for s in standings:  # competition ranking: 1 + the number of strictly better totals
        assert s.rank == 1 + sum(1 for v in ordered if v > s.score)
    flagged = [s for s in standings if s.red_flag]
    assert len(flagged) == 22 and {s.rank for s in flagged} == set(range(1, 20)) | {20}
    assert all(s.score >= 81 for s in flagged) and all(s.score < 81 for s in standings if not s.red_flag)
    rejected = next(s for s in standings if s.entry_id == sheets[30].entry_id)
    assert any(n["kind"] == "evidence" for n in rejected.detail["notes"])
    assert db.session.scalar(select(Bulletin.id).where(Bulletin.period_id == period.id)) is not None


def test_evidence_files_are_checked(app, points):
    from contestapp.judging.models import ScoreSheet
    from contestapp.merit.periods import MeritError
    from contestapp.merit.sheets import EVIDENCE_MAX_BYTES, evidence_dir, store_evidence

    contest, organiser, judge = points
    from contestapp.entrants.models import Entry

    entry = db.session.scalars(select(Entry)).first()
    rnd = contest.events[0].rounds[0]
    crit = {c.code: c for c in rnd.criteria}
    with pytest.raises(MeritError, match="PDF、JPG、PNG"):
        store_evidence(contest, entry, crit["wages"], "x.exe", b"MZ...", "", organiser)
    with pytest.raises(MeritError, match="不符"):
        store_evidence(contest, entry, crit["wages"], "x.pdf", b"<html>", "", organiser)
    with pytest.raises(MeritError, match="MB"):
        store_evidence(contest, entry, crit["wages"], "x.pdf", PDF + b"0" * EVIDENCE_MAX_BYTES, "", organiser)
    ev = store_evidence(contest, entry, crit["wages"], "../../etc/协议.pdf", PDF, "", organiser)
    assert ev.filename == "协议.pdf" and (evidence_dir(contest.id) / ev.stored_name).read_bytes() == PDF
    assert "static" not in str(evidence_dir(contest.id))
    assert ScoreSheet
