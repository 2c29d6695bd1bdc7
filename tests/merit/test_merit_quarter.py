"""A quarter of monthly periods run end to end through the job functions with a frozen clock.

Sheets open, assessors score on the judging area's ScoreSheets, a unit with a fatal accident is vetoed, the
deadline closes each period, the ranking and the bulletin PDF are produced, and the red flag moves.
"""
import subprocess
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from contestapp.extensions import db

from tests.merit.merit_helpers import UNITS, at, merit, pdf_fonts, pdf_text, run_all, score, sheets_of  # noqa: F401


def test_a_quarter_of_monthly_periods_through_the_jobs(app, merit):
    from contestapp.merit.models import Bulletin, Period, PeriodStanding, SelfSheet
    from contestapp.merit.honours import assign_honours, year_ranking
    from contestapp.merit.periods import MeritError, periods_of
    from contestapp.merit.sheets import SheetInput, save_self_assessment
    from contestapp.merit.standings import standings_of

    contest, judges = merit["contest"], merit["judges"]
    periods = periods_of(contest)
    assert [p.code for p in periods] == ["2025-04", "2025-05", "2025-06"]
    april, may, june = periods

    # 1 April: the April sheets open (2 assessors x 4 units) and each unit gets a self-assessment sheet.
    runs = run_all(at(2025, 4, 1))
    assert runs["open_periods"].status == "ok", runs["open_periods"].message
    db.session.refresh(april)
    assert april.status == "open" and may.status == "scheduled"
    assert len(sheets_of(april, judges[0])) == 4
    assert db.session.scalar(select(func.count(SelfSheet.id)).where(SelfSheet.period_id == april.id)) == 4

    # A deduction without a reason is refused; so is an adjustment without its document number.
    sheet = sheets_of(april, judges[0])[UNITS[1]]
    with pytest.raises(MeritError, match="原因"):
        from contestapp.merit.sheets import save_assessment

        save_assessment(sheet, judges[0], {"safety": SheetInput(Decimal(1))}, submit=True)
    with pytest.raises(MeritError, match="文号"):
        save_assessment(sheet, judges[0], {"criticism": SheetInput(Decimal(-2), "通报批评")}, submit=True)
    db.session.rollback()

    # The unit fills in its own column.
    self_sheet = db.session.scalar(select(SelfSheet).where(SelfSheet.period_id == april.id))
    save_self_assessment(self_sheet, merit["unit_user"], {"quality": SheetInput(Decimal(1), "自查：资料滞后")}, True)
    db.session.commit()

    # April: unit 0 clean with a provincial honour; unit 1 two safety hazards and a criticism notice.
    score(april, judges, {
        UNITS[0]: {"honour_province": ("8", "获省级文明工地", "")},
        UNITS[1]: {"safety": ("2", "脚手架未设连墙件；临边防护缺失", ""),
                   "criticism": ("-2", "扬尘治理不到位被通报批评", "市建〔2025〕18号")},
        UNITS[2]: {"quality": ("3", "监理日志不全", "")},
        UNITS[3]: {"progress": ("4", "施工图交付滞后", "")},
    })
    # 6 May, after the April deadline (end of 5 May): April closes and is published, May opens.
    runs = run_all(at(2025, 5, 6, 8))
    for name, run in runs.items():
        assert run.status == "ok", (name, run.message)
    for p in (april, may):
        db.session.refresh(p)
    assert april.status == "published" and may.status == "open"
    apr = {s.entry.entrant.name: s for s in standings_of(april)}
    assert apr[UNITS[0]].rank == 1 and apr[UNITS[0]].score == Decimal("108") and apr[UNITS[0]].red_flag
    assert apr[UNITS[1]].score == Decimal("88")  # 100 - 2 x 5 - 2
    assert apr[UNITS[0]].self_score == Decimal("99")
    assert [s.rank for s in standings_of(april)] == [1, 2, 3, 4]

    # May: unit 3 has a fatal accident (veto) although its points are the best; unit 1 becomes the best of the rest.
    score(may, judges, {
        UNITS[0]: {"quality": ("6", "混凝土蜂窝麻面", ""), "conduct": ("2", "例会缺席", "")},
        UNITS[1]: {"praise": ("2", "安全月活动表现突出", "指挥部〔2025〕7号")},
        UNITS[2]: {"progress": ("1", "月报迟交", "")},
        UNITS[3]: {"honour_national": ("10", "获国家优质工程奖", ""),
                   "veto_safety": ("1", "5月12日盾构区间发生高处坠落事故，死亡1人", "")},
    })
    run_all(at(2025, 6, 6, 8))
    db.session.refresh(may)
    assert may.status == "published"
    mays = {s.entry.entrant.name: s for s in standings_of(may)}
    assert mays[UNITS[3]].vetoed and mays[UNITS[3]].rank == 4 and not mays[UNITS[3]].red_flag
    assert mays[UNITS[3]].score == Decimal("110")  # keeps its points for the bulletin, competes for nothing
    assert mays[UNITS[1]].rank == 1 and mays[UNITS[1]].red_flag and not mays[UNITS[0]].red_flag  # the flag moves

    # June: nobody scores for unit 2 (its sheets stay drafts): it is listed as not assessed.
    score(june, judges, {UNITS[0]: {}, UNITS[1]: {"conduct": ("3", "劳务实名制不落实", "")},
                         UNITS[3]: {"honour_group": ("5", "集团标杆工地", "")}})
    from contestapp.judging.models import ScoreSheet

    db.session.query(ScoreSheet).filter(ScoreSheet.entry_id == mays[UNITS[2]].entry_id,
                                        ScoreSheet.round_id.in_(select(ScoreSheet.round_id).where(
                                            ScoreSheet.id.in_([s.id for s in sheets_of(june, judges[0]).values()])))
                                        ).update({"status": "draft"}, synchronize_session=False)
    db.session.commit()
    run_all(at(2025, 7, 6, 8))
    db.session.refresh(june)
    jun = {s.entry.entrant.name: s for s in standings_of(june)}
    assert jun[UNITS[3]].rank == 1 and jun[UNITS[3]].red_flag  # no veto this month
    assert jun[UNITS[2]].rank is None and jun[UNITS[2]].detail["problem"] == "未考评"

    # Bulletins: one per period; Chinese text, the ranking, every deduction with its reason, the veto notice.
    bulletins = db.session.scalars(select(Bulletin).order_by(Bulletin.period_id)).all()
    assert len(bulletins) == 3
    text = pdf_text(bulletins[0].path)
    assert "4月考评通报" in text.replace(" ", "") or "2025年4月考评通报" in text.replace(" ", "")
    flat = text.replace(" ", "")
    for expected in ("考评排名", "名次", UNITS[0], "108", "流动红旗", "脚手架未设连墙件", "市建〔2025〕18号", "扣10分"):
        assert expected in flat, (expected, text[:2000])
    may_text = pdf_text(bulletins[1].path).replace(" ", "")
    assert "一票否决" in may_text and "死亡1人" in may_text and "取消本期及本年度评先评优资格" in may_text
    assert f"本期收回：{UNITS[0]}" in may_text and f"本期授予：{UNITS[1]}" in may_text
    for row in pdf_fonts(bulletins[1].path):
        assert "yes" in row[-5:-2] and row[-4] == "yes", row  # emb column: every font embedded

    # Idempotent: running every job again changes nothing more.
    before = [(b.id, b.sha256) for b in bulletins]
    standings = db.session.scalar(select(func.count(PeriodStanding.id)))
    runs = run_all(at(2025, 7, 6, 9))
    assert all(r.status == "ok" for r in runs.values())
    assert [(b.id, b.sha256) for b in db.session.scalars(select(Bulletin).order_by(Bulletin.period_id))] == before
    assert db.session.scalar(select(func.count(PeriodStanding.id))) == standings
    assert {p.status for p in db.session.scalars(select(Period))} == {"published"}

    # The year: cumulative ranking; the vetoed unit gets no honour whatever its points.
    ranked = year_ranking(contest, contest.events[0])
    vetoed = [r for r in ranked if r.vetoed]
    assert len(vetoed) == 1 and ranked[-1].vetoed
    honours = assign_honours(contest, merit["organiser"])
    db.session.commit()
    names = {(h.label, h.entrant_name) for h in honours}
    assert ("先进集体", UNITS[3]) not in names and ("推荐五一劳动奖状", ranked[0].result.entry) not in names
    assert {h.label for h in honours} >= {"先进集体", "推荐五一劳动奖状"}
    assert all(h.entrant_name != UNITS[3] for h in honours)
