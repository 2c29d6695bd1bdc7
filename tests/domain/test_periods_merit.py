"""Pure rules for merit contests: period schedules, red flags, rewards by rank, the year's result, honours."""
from datetime import date
from decimal import Decimal as D

import pytest

from contestapp.domain.merit import (
    HonourRule, PeriodScore, RankBand, allocate_honours, flag_top, rank_rewards, red_flags, year_result)
from contestapp.domain.periods import plan_periods
from contestapp.domain.ranking import rank
from contestapp.domain.scoring import EntryResult, Explanation
from contestapp.domain.types import SpecError


def codes(schedule, start, end, **kw):
    return [(p.code, p.starts_on, p.ends_on) for p in plan_periods(schedule, start, end, **kw)]


def test_monthly_quarter_with_deadlines():
    plans = plan_periods("monthly", date(2025, 4, 1), date(2025, 6, 30), deadline_days=5)
    assert [(p.code, p.name) for p in plans] == [("2025-04", "2025年4月考评"), ("2025-05", "2025年5月考评"),
                                                 ("2025-06", "2025年6月考评")]
    assert plans[0].ends_on == date(2025, 4, 30) and plans[0].deadline == date(2025, 5, 5)


def test_every_schedule_is_calendar_aligned_and_clipped():
    assert codes("weekly", date(2025, 1, 1), date(2025, 1, 14)) == [
        ("2025-W01", date(2025, 1, 1), date(2025, 1, 5)), ("2025-W02", date(2025, 1, 6), date(2025, 1, 12)),
        ("2025-W03", date(2025, 1, 13), date(2025, 1, 14))]
    assert codes("half_monthly", date(2024, 2, 10), date(2024, 3, 1)) == [
        ("2024-02a", date(2024, 2, 10), date(2024, 2, 15)), ("2024-02b", date(2024, 2, 16), date(2024, 2, 29)),
        ("2024-03a", date(2024, 3, 1), date(2024, 3, 1))]
    assert [c for c, _, _ in codes("bimonthly", date(2025, 2, 1), date(2025, 12, 31))] == [
        "2025-B1", "2025-B2", "2025-B3", "2025-B4", "2025-B5", "2025-B6"]
    assert codes("quarterly", date(2025, 11, 15), date(2026, 2, 1)) == [
        ("2025-Q4", date(2025, 11, 15), date(2025, 12, 31)), ("2026-Q1", date(2026, 1, 1), date(2026, 2, 1))]
    assert plan_periods("quarterly", date(2025, 1, 1), date(2025, 12, 31))[1].name == "2025年第二季度考评"
    assert codes("yearly", date(2025, 1, 1), date(2025, 12, 31)) == [("2025", date(2025, 1, 1), date(2025, 12, 31))]
    assert len(plan_periods("weekly", date(2025, 1, 1), date(2025, 12, 31))) == 53


def test_bad_schedules_are_refused():
    with pytest.raises(SpecError):
        plan_periods("daily", date(2025, 1, 1), date(2025, 2, 1))
    with pytest.raises(SpecError):
        plan_periods("monthly", date(2025, 3, 1), date(2025, 2, 1))


def result(entry, total, vetoed=False):
    return EntryResult(entry, D(total), None, vetoed, ("一票否决：安全事故",) if vetoed else (), True, (),
                       Explanation(()))


def test_red_flags_skip_vetoed_and_share_ties():
    ranked = rank([result("a", 95), result("b", 99, vetoed=True), result("c", 95), result("d", 90)], ())
    assert [(r.entry, r.rank) for r in ranked] == [("a", 1), ("c", 1), ("d", 3), ("b", 4)]
    assert red_flags(ranked, 1) == ["a", "c"]
    assert flag_top(ranked, 3) == ["a", "c", "d"]


def test_rewards_by_rank_from_the_top_and_the_bottom():
    ranked = rank([result("a", 99), result("b", 98), result("c", 80), result("d", 100, vetoed=True)], ())
    bands = [RankBand(1, 1, "流动红旗奖金", D(5000)), RankBand(1, 1, "末位约谈", D(-2000), from_bottom=True),
             RankBand(2, 2, "倒数第二警示", D(0), from_bottom=True)]
    got = {k: [b.label for b in v] for k, v in rank_rewards(ranked, bands).items()}
    assert got == {"a": ["流动红旗奖金"], "b": [], "c": ["倒数第二警示"], "d": ["末位约谈"]}
    with pytest.raises(SpecError):
        RankBand(3, 2, "x")


def test_year_result_weighted_mean_plus_review_and_veto_carries():
    periods = [PeriodScore("2025-04", "4月", D(1), D(90)), PeriodScore("2025-05", "5月", D(2), D(96)),
               PeriodScore("2025-06", "6月", D(1), D(100), True, ("一票否决：群体性事件",))]
    r = year_result("u1", periods, D(80), D("0.2"))
    assert r.total == D("92.40")  # (90 + 192 + 100) / 4 = 95.5; 95.5 x 0.8 + 80 x 0.2 = 92.4
    assert r.vetoed and "群体性事件" in r.veto_reasons[0]
    assert "年度综合得分" in r.explanation.text()
    assert year_result("u2", [], None, D(0)).total == 0
    with pytest.raises(SpecError):
        year_result("u3", periods, None, D(2))


def test_honours_within_quota_skip_vetoed_and_hold_ties_across_the_quota():
    ranked = rank([result("a", 99, vetoed=True), result("b", 98), result("c", 97), result("d", 97),
                   result("e", 90)], ())
    grants = allocate_honours(HonourRule("adv", "先进集体", 2), ranked)
    assert [(g.entry, g.pending) for g in grants] == [("b", False), ("c", True), ("d", True)]
    grants = allocate_honours(HonourRule("adv", "先进集体", 3), ranked)
    assert [(g.entry, g.pending) for g in grants] == [("b", False), ("c", False), ("d", False)]


def test_a_templates_schedule_is_read_from_its_round_codes():
    from contestapp.domain.periods import schedule_of

    assert schedule_of(["2025-04", "2025-05", "2025-06"]) == "monthly"
    assert schedule_of(["2025-04a", "2025-04b"]) == "half_monthly"
    assert schedule_of(["2025-W01"]) == "weekly"
    assert schedule_of(["2025-B2", "2025-B3"]) == "bimonthly"
    assert schedule_of(["2025-Q1"]) == "quarterly"
    assert schedule_of(["2025"]) == "yearly"
    assert schedule_of(["year"]) is None and schedule_of([]) is None
    assert schedule_of(["2025-04", "2025-Q2"]) is None  # mixed shapes say nothing


def test_a_span_of_n_periods_starts_with_the_period_containing_the_day():
    from contestapp.domain.periods import span_from

    assert span_from("monthly", date(2026, 12, 4), 3) == (date(2026, 12, 1), date(2027, 2, 28))
    assert span_from("quarterly", date(2026, 5, 20), 1) == (date(2026, 4, 1), date(2026, 6, 30))
    assert span_from("yearly", date(2026, 12, 4), 1) == (date(2026, 1, 1), date(2026, 12, 31))
    assert span_from("half_monthly", date(2026, 2, 16), 2) == (date(2026, 2, 16), date(2026, 3, 15))
    with pytest.raises(SpecError):
        span_from("monthly", date(2026, 1, 1), 0)


def test_a_reference_to_a_period_that_goes_moves_to_its_successor():
    from contestapp.domain.periods import successor

    old, new = ["2025-04", "2025-05", "2025-06"], ["2026-12", "2027-01", "2027-02"]
    assert successor(old, new, "2025-06") == "2027-02"   # the latest period stays the latest
    assert successor(old, new, "2025-04") == "2026-12"   # otherwise the same place
    assert successor(old, ["2026-12", "2027-01", "2027-02", "2027-03"], "2025-06") == "2027-03"
    assert successor(old, ["2026-12", "2027-01"], "2025-05") == "2027-01"  # clamped to the last
    assert successor(old, ["2025-05", "2025-06"], "2025-06") == "2025-06"  # kept: unchanged
    assert successor(old, [], "2025-06") is None
