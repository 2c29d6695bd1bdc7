"""Judge-consistency analytics on constructed panels whose answers are known by hand."""
from decimal import Decimal as D

from contestapp.domain.analytics import Observation, judge_consistency, observe, z_scores
from contestapp.domain.scoring import Mark, score_criterion
from contestapp.domain.types import CriterionSpec, PanelRule

SPEC = CriterionSpec(code="c1", name="操作规范", max=D(10), kind="judgement")
TRIMMED = PanelRule(aggregate="trimmed", drop_high=1, drop_low=1, min_judges=5)


def obs(entry, marks, unit=None, scale=D(10), criterion="c1"):
    """An observation with the panel rule of five judges, drop highest and lowest, through the real engine."""
    result = score_criterion(SPEC if scale == 10 else CriterionSpec(code=criterion, name=criterion, max=scale,
                                                                     kind="judgement"),
                             TRIMMED, [Mark(j, criterion, D(v)) for j, v in marks.items()])
    return observe(result, entry, unit, scale, drop_low=TRIMMED.drop_low)


def test_observe_takes_the_panel_and_the_dropped_judges_from_the_engine():
    o = obs("E1", {"A": 6, "B": 7, "C": 8, "D": 9, "E": 10})
    assert o.panel == D(8)  # mean of 7, 8, 9
    assert o.dropped_low == {"A"} and o.dropped_high == {"E"}
    one = score_criterion(SPEC, PanelRule(), [Mark("A", "c1", D(5))])
    assert observe(one, "E1", None, D(10)) is None  # a single mark has no panel to differ from


def test_a_lenient_judge_deviates_upwards_and_is_dropped_high():
    panels = [obs(f"E{i}", {"A": 5 + i % 3, "B": 5 + i % 3, "C": 6 + i % 3, "D": 5 + i % 3, "L": 8 + i % 3})
              for i in range(6)]
    report = judge_consistency(panels)
    lenient, steady = report.judge("L"), report.judge("B")
    assert lenient.marks == 6 and lenient.dropped_high == 6 and lenient.dropped_high_rate == D(100)
    # panel = mean of the middle three = (5 + 5 + 6) / 3 + i%3; L is 8 + i%3: 8 - 16/3 = 2.67 points = 26.67 %
    assert lenient.mean_deviation == D("26.67") and lenient.mean_deviation_points == D("2.67")
    assert lenient.spread == D("0.00")  # always the same distance above
    assert steady.mean_deviation == D("-3.33") and steady.mean_abs_deviation == D("3.33")
    assert lenient.correlation == D("1.000")  # tracks the panel exactly, only higher


def test_correlation_and_points_need_enough_and_comparable_data():
    two = [obs("E1", {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5}), obs("E2", {"A": 2, "B": 3, "C": 4, "D": 5, "E": 6})]
    report = judge_consistency(two)
    assert report.judge("A").correlation is None  # below three marks
    mixed = [obs("E1", {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5}),
             obs("E1", {"A": 10, "B": 20, "C": 30, "D": 40, "E": 50}, scale=D(100), criterion="c2")]
    report = judge_consistency(mixed)
    assert report.judge("A").mean_deviation_points is None  # ranges differ: percent only
    assert report.judge("A").mean_deviation == D("-20.00")  # -2/10 and -20/100 are both -20 % of the range


def test_a_judge_who_favours_one_units_entrants_is_flagged():
    rows = []
    for i in range(8):
        unit = "国网杭州供电公司" if i < 4 else f"单位{i}"
        base = 6 + (i % 2)
        favour = 2 if unit == "国网杭州供电公司" else 0
        jitter = (i % 3 - 1) / 10
        rows.append(obs(f"E{i}", {"A": base, "B": base, "C": base + 1, "D": base,
                                  "S": D(base) + favour + D(str(jitter))}, unit=unit))
    report = judge_consistency(rows)
    flags = report.flags
    assert len(flags) == 1
    flag = flags[0]
    assert flag.judge == "S" and flag.unit == "国网杭州供电公司" and flag.entries == 4 and flag.favours
    assert flag.difference > D(15) and flag.t >= 2
    assert not report.judge("A").flags


def test_no_flag_without_enough_entries_or_for_a_uniformly_harsh_judge():
    few = [obs(f"E{i}", {"A": 6, "B": 6, "C": 7, "D": 6, "S": 9 if i < 2 else 6}, unit="甲" if i < 2 else f"乙{i}")
           for i in range(6)]
    assert judge_consistency(few).flags == ()  # two of the unit's entries cannot tell bias from chance
    harsh = [obs(f"E{i}", {"A": 7, "B": 7, "C": 8, "D": 7, "H": 4}, unit="甲" if i < 4 else "乙") for i in range(8)]
    report = judge_consistency(harsh)
    assert report.flags == () and report.judge("H").mean_deviation < 0


def test_z_scores_put_a_harsh_and_a_lenient_judge_who_agree_on_order_alike():
    rows = [Observation(f"E{i}", "c1", None, D(10), (("H", D(2 + i)), ("L", D(5 + i)), ("M", D(4))), D(4))
            for i in range(3)]
    z = z_scores(rows)
    assert [z[("H", f"E{i}", "c1")] for i in range(3)] == [z[("L", f"E{i}", "c1")] for i in range(3)]
    assert z[("H", "E0", "c1")] == D("-1.00") and z[("H", "E2", "c1")] == D("1.00")
    assert z[("M", "E0", "c1")] is None  # no variation: no z-score
