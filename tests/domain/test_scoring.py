"""Panel rules, criterion kinds, round and event combination, explanations."""
from decimal import Decimal as D

import pytest

from contestapp.domain import (
    Choice,
    CriterionSpec,
    EntryRoundInput,
    EventSpec,
    Mark,
    PanelRule,
    RoundSpec,
    ScoringError,
    SpecError,
    round_half_up,
    score_criterion,
    score_entry,
    score_round,
    team_result,
)

FIVE = PanelRule("trimmed", drop_high=1, drop_low=1, min_judges=5)


def marks(criterion, *values):
    return tuple(Mark(f"J{i + 1}", criterion, D(str(v))) for i, v in enumerate(values))


def crit(code="c", kind="judgement", max="100", **kw):
    kw = {k: (D(v) if k in ("min", "step", "weight", "deduction_per") else v) for k, v in kw.items()}
    return CriterionSpec(code, code.upper(), kind, D(max), **kw)


# --- panel rules -------------------------------------------------------------------------------------------------

def test_trimmed_mean_drops_high_and_low():
    r = score_criterion(crit(), FIVE, marks("c", 80, 90, 85, 70, 95))
    assert r.value == D(85)
    assert sorted(m.value for m in r.dropped) == [D(70), D(95)]
    assert sorted(m.value for m in r.used) == [D(80), D(85), D(90)]


def test_all_marks_equal():
    r = score_criterion(crit(), FIVE, marks("c", 7, 7, 7, 7, 7))
    assert r.value == D(7) and len(r.dropped) == 2 and r.alert is None


def test_equal_marks_dropped_reproducibly_by_judge():
    r = score_criterion(crit(), FIVE, marks("c", 9, 9, 8, 8, 8))
    assert [m.judge for m in r.dropped] == ["J3", "J2"]  # lowest J3 (8, first judge), highest J2 (9, last judge)


def test_mean_and_median():
    assert score_criterion(crit(), PanelRule("mean"), marks("c", 1, 2, 6)).value == D(3)
    assert score_criterion(crit(), PanelRule("median"), marks("c", 1, 2, 6)).value == D(2)
    assert score_criterion(crit(), PanelRule("median"), marks("c", 1, 2, 6, 9)).value == D(4)


def test_trimmed_sum():
    rule = PanelRule("trimmed", drop_high=2, drop_low=2, reduce="sum", min_judges=7)
    assert score_criterion(crit(max="10"), rule, marks("c", 6, 7, 7, 7, 7, 8, 10)).value == D(21)


def test_too_few_judges_is_an_error_in_chinese():
    with pytest.raises(ScoringError, match="需要至少 5 名裁判评分，现有 4 名"):
        score_criterion(crit(), FIVE, marks("c", 80, 90, 85, 70))


def test_too_few_judges_fallback_mean_and_median():
    mean = PanelRule("trimmed", drop_high=1, drop_low=1, min_judges=5, fallback="mean")
    r = score_criterion(crit(), mean, marks("c", 80, 90, 85, 70))  # one judge recused
    assert r.value == D("81.25") and r.fallback and not r.dropped and "裁判不足" in r.rule
    median = PanelRule("trimmed", drop_high=1, drop_low=1, min_judges=5, fallback="median")
    assert score_criterion(crit(), median, marks("c", 80, 90, 85, 70)).value == D("82.5")


def test_fallback_keeps_the_scale_of_a_sum():
    rule = PanelRule("trimmed", drop_high=2, drop_low=2, reduce="sum", min_judges=7, fallback="mean")
    r = score_criterion(crit(max="10"), rule, marks("c", 8, 8, 9, 9, 7, 9))  # 6 judges: mean 8.33.. x 3 kept
    assert r.value == D(50) / 2


def test_no_marks_at_all_is_an_error_even_with_fallback():
    with pytest.raises(ScoringError):
        score_criterion(crit(), PanelRule("mean", min_judges=3, fallback="mean"), ())


def test_spread_alert():
    rule = PanelRule("mean", min_judges=3, spread_alert=D(1))
    assert score_criterion(crit(max="3"), rule, marks("c", 2, 3, 2)).alert is None  # spread 1: allowed
    r = score_criterion(crit(max="3"), rule, marks("c", 1, 3, 2))
    assert r.alert and "评分差 2 超过 1" in r.alert


def test_objective_criteria_alert_when_marker_and_checker_differ():
    spec = crit("m", "measurement", max="20")
    rnd = RoundSpec("p", "实操", (spec,))
    assert score_round(rnd, EntryRoundInput("e", "p", marks("m", 16, 16))).criteria[0].alert is None
    assert score_round(rnd, EntryRoundInput("e", "p", marks("m", 16, 12))).criteria[0].alert


def test_panel_places_round_half_up():
    rule = PanelRule("mean", places=2)
    assert score_criterion(crit(max="10"), rule, marks("c", "2.67", "2.68")).value == D("2.68")  # 2.675
    assert score_criterion(crit(max="10"), rule, marks("c", "2.66", "2.67")).value == D("2.67")  # 2.665


def test_round_half_up_is_not_bankers_rounding():
    assert round_half_up(D("2.675"), 2) == D("2.68")
    assert round_half_up(D("2.665"), 2) == D("2.67")
    assert round_half_up(D("0.5"), 0) == D(1) and round_half_up(D("1.5"), 0) == D(2)
    assert round_half_up(D("-2.5"), 0) == D(-3)


# --- marks and criterion kinds --------------------------------------------------------------------------------------

def test_marks_out_of_range_or_off_step_are_refused():
    spec = crit(max="30", step="0.5")
    assert spec.check_mark(D("30.5")) and spec.check_mark(D("12.3")) and spec.check_mark(D(-1))
    assert spec.check_mark(D("12.5")) is None
    with pytest.raises(ScoringError, match="无效"):
        score_criterion(spec, PanelRule(), marks("c", "12.3"))


def test_a_judge_cannot_mark_twice():
    with pytest.raises(ScoringError, match="重复评分"):
        score_criterion(crit(), PanelRule(), (Mark("J1", "c", D(1)), Mark("J1", "c", D(2))))


def test_choices():
    spec = CriterionSpec("rt", "RT", "measurement", D(40), choices=(Choice("I级", D(40)), Choice("II级", D(30))))
    assert spec.check_mark(D(30)) is None and "I级 40" in spec.check_mark(D(35))


def test_deduction_ladder_counts_occurrences_and_floors_at_min():
    spec = crit("s", "deduction", max="10", deduction_per="2")
    assert score_criterion(spec, PanelRule(), marks("s", 2)).value == D(6)
    r = score_criterion(spec, PanelRule(), marks("s", 7))  # 14 points off a 10-point item: 扣完为止
    assert r.value == D(0) and "扣完为止" in r.explanation.text()
    assert spec.check_mark(D("1.5")) and spec.check_mark(D(-1))


def test_deduction_without_ladder_takes_points_deducted():
    spec = crit("q", "deduction", max="25")
    assert score_criterion(spec, PanelRule(), marks("q", "3.5")).value == D("21.5")
    assert spec.check_mark(D(26))  # cannot deduct more than the item holds


def test_deduction_floor_is_min():
    spec = crit("s", "deduction", max="10", min="4", deduction_per="3")
    assert score_criterion(spec, PanelRule(), marks("s", 5)).value == D(4)


def _sheet(**kw):
    return RoundSpec("m1", "1月", (
        crit("quality", "deduction", max="50"),
        crit("safety", "deduction", max="50", deduction_per="5"),
        crit("h1", "bonus", max="3", bonus_group="honour"),
        crit("h2", "bonus", max="8", bonus_group="honour"),
        crit("praise", "bonus", max="2"),
        crit("criticism", "bonus", max="0", min="-5"),
        crit("veto", "veto", max="1"),
    ), base=D(100), **kw)


def test_merit_sheet_base_deductions_and_highest_bonus_only():
    data = EntryRoundInput("u1", "m1", marks("quality", 4) + marks("safety", 2)
                           + marks("h1", 3) + marks("h2", 8) + marks("praise", 2) + marks("criticism", -1))
    r = score_round(_sheet(), data)
    assert r.subtotal == D(86)  # 100 - 4 - 2 x 5
    assert r.bonus == D(9)  # honour: only 8 counts, + 2 - 1
    assert r.score == D(95) and not r.vetoed
    assert "只计最高一项 8" in r.explanation.text()


def test_bonus_cap_and_missing_bonus_marks_count_nothing():
    data = EntryRoundInput("u1", "m1", marks("quality", 0) + marks("safety", 0) + marks("h2", 8) + marks("praise", 2))
    assert score_round(_sheet(bonus_cap=D(5)), data).score == D(105)
    assert score_round(_sheet(), EntryRoundInput("u1", "m1", marks("quality", 0) + marks("safety", 0))).bonus == 0


def test_floor_and_cap():
    data = EntryRoundInput("u1", "m1", marks("quality", 50) + marks("safety", 10) + marks("criticism", -5))
    assert score_round(_sheet(floor=D(0)), data).score == D(0)
    data = EntryRoundInput("u1", "m1", marks("quality", 0) + marks("safety", 0) + marks("h2", 8))
    assert score_round(_sheet(cap=D(100)), data).score == D(100)


def test_veto_marks_the_result():
    data = EntryRoundInput("u1", "m1", marks("quality", 0) + marks("safety", 0) + (Mark("J2", "veto", D(1)),))
    r = score_round(_sheet(), data)
    assert r.vetoed and r.veto_reasons == ("VETO",) and r.score == D(100)  # keeps its points, loses honours
    event = EventSpec("u", "单位", (_sheet(),), combine="sum")
    res = score_entry(event, "u1", [data])
    assert res.vetoed and "一票否决" in res.explanation.text()
    assert crit("v", "veto", max="1").check_mark(D(2))


def test_missing_marks_for_a_scored_criterion():
    with pytest.raises(ScoringError, match="缺少评分"):
        score_round(_sheet(), EntryRoundInput("u1", "m1", marks("quality", 0)))


def test_unknown_criterion_and_multiplier_checks():
    rnd = RoundSpec("r", "R", (crit(),), multiplier=True)
    with pytest.raises(ScoringError, match="未定义的评分项"):
        score_round(rnd, EntryRoundInput("e", "r", marks("zz", 1), D(2)))
    with pytest.raises(ScoringError, match="缺少难度系数"):
        score_round(rnd, EntryRoundInput("e", "r", marks("c", 1)))
    with pytest.raises(ScoringError, match="不使用难度系数"):
        score_round(RoundSpec("r", "R", (crit(),)), EntryRoundInput("e", "r", marks("c", 1), D(2)))


def test_time_criterion_gives_round_time_not_points():
    rnd = RoundSpec("p", "实操", (crit("a", "measurement"), crit("t", "time", max="3600")))
    r = score_round(rnd, EntryRoundInput("e", "p", marks("a", 50) + marks("t", 1800)))
    assert r.score == D(50) and r.time == D(1800)
    assert score_round(rnd, EntryRoundInput("e", "p", marks("a", 50))).time is None


def test_weighted_round_needs_weights_summing_to_one():
    with pytest.raises(SpecError, match="sum to 1"):
        RoundSpec("p", "P", (crit("a", weight="0.5"), crit("b", weight="0.4")), combine="weighted")
    rnd = RoundSpec("p", "P", (crit("a", weight="0.5"), crit("b", weight="0.5")), combine="weighted")
    assert score_round(rnd, EntryRoundInput("e", "p", marks("a", 80) + marks("b", 91))).score == D("85.50")


# --- events ----------------------------------------------------------------------------------------------------------

def _parts(combine="weighted_sum", wt="0.3", wp="0.7"):
    return EventSpec("ev", "电工", (
        RoundSpec("theory", "理论", (crit("paper", "measurement"),), weight=D(wt), pass_mark=D(60)),
        RoundSpec("practical", "实操", (crit("a", "measurement"),), weight=D(wp), pass_mark=D(60)),
    ), combine=combine)


def _inputs(entry, theory, practical):
    return [EntryRoundInput(entry, "theory", marks("paper", theory)),
            EntryRoundInput(entry, "practical", marks("a", practical))]


def test_event_weighted_sum_and_pass():
    r = score_entry(_parts(), "e1", _inputs("e1", 90, 80))
    assert r.total == D("83.00") and r.passed
    assert not score_entry(_parts(), "e2", _inputs("e2", 55, 99)).passed


def test_event_weights_must_sum_to_one():
    with pytest.raises(SpecError, match="sum to 1"):
        _parts(wt="0.2", wp="0.7")


def test_event_sum_mean_best():
    assert score_entry(_parts("sum", "1", "1"), "e", _inputs("e", 90, 80)).total == D("170")
    assert score_entry(_parts("sum", "1", "2"), "e", _inputs("e", 90, 80)).total == D("250")  # weights are factors
    assert score_entry(_parts("mean"), "e", _inputs("e", 90, 81)).total == D("85.50")
    best = score_entry(_parts("best"), "e", _inputs("e", 90, 81))
    assert best.total == D(90) and "取最好成绩（理论）" in best.explanation.text()


def test_missing_round_counts_zero_and_fails_the_pass_mark():
    r = score_entry(_parts(), "e", [EntryRoundInput("e", "theory", marks("paper", 90))])
    assert r.total == D("27.00") and not r.passed and "无成绩，按 0 分计" in r.explanation.text()
    assert score_entry(_parts("best"), "e", [EntryRoundInput("e", "practical", marks("a", 70))]).total == D(70)


def test_duplicate_or_unknown_round_input():
    with pytest.raises(ScoringError, match="重复录入"):
        score_entry(_parts(), "e", _inputs("e", 1, 2) + _inputs("e", 1, 2)[:1])
    with pytest.raises(ScoringError, match="未定义的轮次"):
        score_entry(_parts(), "e", [EntryRoundInput("e", "zz", ())])


def test_team_is_the_sum_of_members_with_total_time():
    ev = EventSpec("t", "班组", (RoundSpec("practical", "实操", (crit("a", "measurement"), crit("t", "time", max="999"))),),
                   mode="team", combine="sum")
    members = [score_entry(ev, m, [EntryRoundInput(m, "practical", marks("a", s) + marks("t", t))])
               for m, s, t in (("m1", 80, 300), ("m2", "75.5", 320), ("m3", 90, 280))]
    team = team_result(ev, "T1", members)
    assert team.total == D("245.50") and team.time == D(900) and team.members == tuple(members)
    assert "团体总成绩" in team.explanation.text()
    from contestapp.domain import TieBreakKey
    assert team.value(TieBreakKey("round", "practical")) == D("245.50")
    with pytest.raises(ScoringError):
        team_result(ev, "T2", [])


def test_explanation_is_structured_and_renders_chinese():
    r = score_entry(_parts(), "e1", _inputs("e1", 90, 80))
    labels = [ln.label for ln in r.explanation.lines]
    assert labels[0] == "成绩明细" and labels[-1] == "总成绩" and r.explanation.lines[-1].value == D("83.00")
    text = r.explanation.text()
    assert "理论" in text and "90.00 × 0.3 + 80.00 × 0.7 = 83.00" in text
