"""Craftsman selection rules: eligibility checks with reasons, targets, vote merging, vote bursts."""
from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest

from contestapp.domain.eligibility import (
    Candidate, EligibilityRules, Target, check_eligibility, check_targets, find_bursts, level_rank, merge_votes)

ON = date(2025, 4, 30)
RULES = EligibilityRules(max_age=55, min_years_in_trade=10, min_level="高级工", employer_types=("企业",),
                         direct_keywords=("省级一等奖", "技能大师"))


def test_all_conditions_met():
    report = check_eligibility(RULES, Candidate(date(1980, 5, 1), 20, "技师", "企业", True), ON)
    assert report.eligible is True
    assert [c.rule for c in report.checks] == ["age", "years", "level", "employer"]
    assert report.reasons == ()


def test_each_failure_gives_its_reason():
    report = check_eligibility(RULES, Candidate(date(1960, 1, 1), 5, "中级工", "机关", True), ON)
    assert report.eligible is False
    assert report.reasons == (
        "年龄 65 岁，超过 55 岁的上限",
        "从事本职业（工种）5 年，不足 10 年",
        "职业技能等级为中级工，低于要求的高级工",
        "单位性质为机关，不在可申报范围（企业）内",
    )


def test_age_is_counted_on_the_reference_date():
    rules = EligibilityRules(max_age=40)
    assert check_eligibility(rules, Candidate(date(1984, 4, 30)), ON).eligible is False  # 41 on the day
    assert check_eligibility(rules, Candidate(date(1984, 5, 1)), ON).eligible is True  # still 40


def test_missing_data_is_not_a_pass():
    report = check_eligibility(RULES, Candidate(), ON)
    assert report.eligible is None
    assert all(c.passed is None and "人工核实" in c.reason for c in report.checks)


def test_front_line_rule():
    rules = EligibilityRules(front_line_only=True)
    assert check_eligibility(rules, Candidate(front_line=False), ON).reasons == ("非一线职工，本次评选仅限一线职工",)


def test_level_spellings():
    assert level_rank("三级") == level_rank("高级工") == 2
    assert level_rank("一级/高级技师") == 4
    assert level_rank("大师") is None
    with pytest.raises(ValueError):
        EligibilityRules(min_level="大师")


def test_direct_recognition_hints():
    cand = Candidate(honours="2023年市技能大赛二等奖\n2024年浙江省职业技能大赛焊工省级一等奖\n")
    assert check_eligibility(RULES, cand, ON).direct_hints == ("2024年浙江省职业技能大赛焊工省级一等奖",)


def test_targets_met_and_missed():
    young = Target("young", "40周岁及以下", D("0.5"), max_age=40)
    front = Target("front", "一线职工", D("0.8"), front_line=True)
    named = [Candidate(date(1990, 1, 1), front_line=True)] * 5 + [Candidate(date(1970, 1, 1), front_line=False)] * 5
    young_r, front_r = check_targets([young, front], named, ON)
    assert (young_r.count, young_r.total, young_r.share, young_r.met) == (5, 10, D("0.5"), True)
    assert (front_r.count, front_r.met) == (5, False)
    assert front_r.message == "一线职工：5/10 人，占 50.0%（要求不低于 80.0%），未达到"


def test_target_share_is_exact():
    third = Target("t", "t", D("0.3333"), front_line=True)
    named = [Candidate(front_line=True)] + [Candidate(front_line=False)] * 2
    assert check_targets([third], named, ON)[0].met is True
    assert check_targets([third], [], ON)[0].met is False


def test_merge_votes():
    m = merge_votes(D("88.50"), 30, 120, D("0.1"))
    assert m.vote_score == D("25.00")
    assert m.final == D("82.15")  # 88.5 x 0.9 + 25 x 0.1 = 79.65 + 2.5
    assert merge_votes(D("88.5"), 0, 0, D("0.2")).final == D("70.80")
    assert merge_votes(D("88.5"), 5, 10, D("0")).final == D("88.50")
    with pytest.raises(ValueError):
        merge_votes(D(1), 1, 1, D("1.5"))


def test_bursts_by_address():
    t0 = datetime(2025, 4, 1, 12, 0)
    votes = [("10.0.0.9", t0 + timedelta(seconds=10 * i)) for i in range(30)]
    votes += [("10.0.0.1", t0 + timedelta(hours=i)) for i in range(30)]
    bursts = find_bursts(votes, timedelta(minutes=10), 20)
    assert [(b.address, b.count) for b in bursts] == [("10.0.0.9", 30)]
    assert bursts[0].last - bursts[0].first == timedelta(seconds=290)
