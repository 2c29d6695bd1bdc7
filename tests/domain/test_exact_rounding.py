"""Half-up rounding is exact: means are carried as rationals, never as 28-digit Decimals that can land a hair below
an exact .xx5. Both engines (full and fast) give the exact answer."""
from decimal import Decimal as D, ROUND_HALF_UP
from fractions import Fraction

from contestapp.domain import EntryRoundInput, EventSpec, Mark, PanelRule, RoundSpec, score_entry, score_round
from contestapp.domain import score_round_stats, plain_part, plan_event, score_event_stats, stats_of
from contestapp.domain.types import CriterionSpec, round_half_up, to_decimal

THREE = PanelRule("mean", min_judges=3)


def _crit(code):
    return CriterionSpec(code, code.upper(), max=D(10), step=D("0.01"))


# Three criteria, means of three judges: 9.04/3 + 9.04/3 + 9.07/3 = 27.15/3 = 9.05 exactly, which rounds half-up to
# 9.1. Each 28-digit mean (3.013333...3, 3.013333...3, 3.023333...3) is a third of an ulp low, and their sum is
# 9.049999999999999999999999999: the old engine rounded it to 9.0.
ROUND = RoundSpec("r", "R", (_crit("a"), _crit("b"), _crit("c")), panel=THREE, places=1)
MARKS = {"a": ("3.01", "3.01", "3.02"), "b": ("3.01", "3.01", "3.02"), "c": ("3.02", "3.02", "3.03")}


def _marks():
    return tuple(Mark(f"J{i}", code, D(v)) for code, values in MARKS.items() for i, v in enumerate(values))


def test_the_constructed_case_really_defeats_28_digit_means():
    means = [sum(D(v) for v in values) / 3 for values in MARKS.values()]
    old = sum(means, D(0))
    assert old < D("9.05") and old.quantize(D("0.1"), rounding=ROUND_HALF_UP) == D("9.0")
    assert sum(Fraction(sum(D(v) for v in values)) / 3 for values in MARKS.values()) == Fraction("9.05")


def test_full_engine_rounds_an_exact_half_up():
    r = score_round(ROUND, EntryRoundInput("A", "r", _marks()))
    assert r.score == D("9.1")
    assert r.subtotal == D("9.05")  # the exact value is shown, not 9.0499...
    assert r.criteria[0].value == to_decimal(Fraction("9.04") / 3) and r.criteria[0].exact == Fraction("9.04") / 3
    assert "= 9.1" in r.explanation.text()


def test_fast_engine_rounds_an_exact_half_up_from_stats_and_from_a_plain_sum():
    stats = {code: stats_of([D(v) for v in values]) for code, values in MARKS.items()}
    assert score_round_stats(ROUND, stats).score == D("9.1")
    event = EventSpec("e", "E", (ROUND,), combine="sum", places=1)
    plan = plan_event(event)["r"]
    assert plan.codes == {"a", "b", "c"} and plan.simple
    # what the database hands over: one class, sum of weight x sum of marks (scaled by 10^4), 3 marks each
    total = sum(int(sum(D(v) for v in values).scaleb(4)) for values in MARKS.values())
    part = plain_part(plan, [(total, 3, 3, 3)])
    assert part is not None and Fraction(*part) == Fraction("9.05")
    assert score_round_stats(ROUND, {}, plain=part, plan=plan).score == D("9.1")
    results, errors = score_event_stats(event, [], plain={("A", "r"): part})
    assert not errors and results["A"].total == D("9.1")
    assert results["A"].total == score_entry(event, "A", [EntryRoundInput("A", "r", _marks())]).total


def test_plain_part_refuses_uneven_or_short_panels():
    event = EventSpec("e", "E", (ROUND,), combine="sum", places=1)
    plan = plan_event(event)["r"]
    assert plain_part(plan, [(100, 3, 4, 3)]) is None  # counts differ between criteria (a missing mark)
    assert plain_part(plan, [(100, 2, 2, 3)]) is None  # fewer judges than the rule's minimum
    assert plain_part(plan, [(100, 3, 3, 2)]) is None  # a criterion without marks


def test_weighted_thirds_and_a_multiplier_stay_exact():
    c1 = CriterionSpec("a", "A", max=D(10), step=D("0.01"), weight=D("0.7"))
    c2 = CriterionSpec("b", "B", max=D(10), step=D("0.01"), weight=D("0.3"))
    rs = RoundSpec("r", "R", (c1, c2), panel=THREE, places=2, combine="weighted", multiplier=True)
    marks = tuple(Mark(f"J{i}", "a", D(v)) for i, v in enumerate(("7.01", "7.02", "7.02"))) + tuple(
        Mark(f"J{i}", "b", D(v)) for i, v in enumerate(("8.00", "8.01", "8.01")))
    full = score_round(rs, EntryRoundInput("A", "r", marks, D("1.5")))
    expected = (Fraction("21.05") / 3 * Fraction("0.7") + Fraction("24.02") / 3 * Fraction("0.3")) * Fraction("1.5")
    assert full.score == round_half_up(expected, 2)
    fast = score_round_stats(rs, {"a": stats_of([D("7.01"), D("7.02"), D("7.02")]),
                           "b": stats_of([D("8.00"), D("8.01"), D("8.01")])}, D("1.5"))
    assert (fast.score, fast.subtotal) == (full.score, full.subtotal)


def test_round_half_up_of_rationals():
    assert round_half_up(Fraction(2675, 1000), 2) == D("2.68")
    assert round_half_up(Fraction(-2675, 1000), 2) == D("-2.68")  # away from zero, as Decimal's ROUND_HALF_UP
    assert round_half_up(Fraction(1, 3), 2) == D("0.33")
    assert round_half_up(Fraction(2, 3), 0) == D("1")
    assert round_half_up(Fraction("0.0049999999999999999999999999999"), 2) == D("0.00")
    assert str(round_half_up(Fraction(17, 2), 2)) == "8.50"
    assert round_half_up(D("2.675"), 2) == D("2.68")
