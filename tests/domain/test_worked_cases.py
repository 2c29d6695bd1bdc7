"""Worked cases on the example definition files, with the arithmetic written out."""
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from contestapp.domain import (
    Entrant,
    EntryRoundInput,
    Mark,
    ScoringError,
    assign_awards,
    grant_titles,
    loads_contest,
    rank,
    score_entry,
    score_round,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name):
    return loads_contest((EXAMPLES / name).read_text(encoding="utf-8"))


def marks(criterion, *values):
    return tuple(Mark(f"J{i + 1}", criterion, D(str(v))) for i, v in enumerate(values))


def test_diving_dive():
    """7 judges 8.0 8.5 8.5 9.0 8.0 7.5 8.5: drop 9.0, 8.5 (high) and 7.5, 8.0 (low); 8.0 + 8.5 + 8.5 = 25.0;
    x DD 3.2 = 80.00."""
    event = load("diving.json").event("m10")
    r = score_round(event.round("dive1"), EntryRoundInput(
        "A", "dive1", marks("execution", "8.0", "8.5", "8.5", "9.0", "8.0", "7.5", "8.5"), D("3.2")))
    assert r.subtotal == D("25.0") and r.score == D("80.00")
    assert sorted(m.value for m in r.criteria[0].dropped) == [D("7.5"), D("8.0"), D("8.5"), D("9.0")]
    text = r.explanation.text()
    assert "去掉最高 8.5(J7)、9.0(J4)" in text and "去掉最低 7.5(J6)、8.0(J1)" in text
    assert "25.0 × 3.2 = 80.00" in text


def test_diving_total_is_the_sum_of_dives():
    event = load("diving.json").event("m10")
    dives = [("dive1", ["9.5", "9.5", "10", "9.5", "9.0", "9.5", "9.5"], "3.6"),  # 28.5 x 3.6 = 102.60
             ("dive2", ["8.0", "8.5", "8.5", "9.0", "8.0", "7.5", "8.5"], "3.2"),  # 25.0 x 3.2 = 80.00
             ("dive3", ["7", "7", "7", "7", "7", "7", "7"], "2.0")]  # 21 x 2.0 = 42.00
    inputs = [EntryRoundInput("A", code, marks("execution", *m), D(dd)) for code, m, dd in dives]
    assert score_entry(event, "A", inputs).total == D("224.60")  # dives 4-6 not yet dived count 0


def test_diving_with_a_missing_judge_is_an_error():
    event = load("diving.json").event("m10")
    with pytest.raises(ScoringError, match="需要至少 7 名裁判"):
        score_round(event.round("dive1"), EntryRoundInput("A", "dive1", marks("execution", 8, 8, 8, 8, 8, 8), D(2)))


def test_halfpipe_best_run():
    """6 judges 90.25 91.00 89.50 92.75 90.00 88.00: drop 92.75 and 88.00, mean of 4 = 360.75 / 4 = 90.1875
    -> 90.19 (half-up); the best of the runs counts."""
    event = load("halfpipe.json").event("hp")
    runs = [EntryRoundInput("S", "run1", marks("overall", "90.25", "91.00", "89.50", "92.75", "90.00", "88.00")),
            EntryRoundInput("S", "run2", marks("overall", 40, 42, 41, 39, 40, 45))]  # a fall: 40.75
    result = score_entry(event, "S", runs)
    assert result.round("run1").score == D("90.19") and result.round("run2").score == D("40.75")
    assert result.total == D("90.19") and "取最好成绩（第1轮）" in result.explanation.text()


def test_figure_skating_components():
    """9 judges; drop 9.75 and one 9.00; mean of 7 = 65.25 / 7 = 9.3214.. -> 9.32 (rounded before the factor);
    x 3.33 = 31.0356 per component."""
    event = load("figure-skating-components.json").event("men-free")
    judges = ["9.25", "9.50", "9.00", "9.25", "9.75", "9.50", "9.25", "9.00", "9.50"]
    data = EntryRoundInput("K", "components", marks("composition", *judges) + marks("presentation", *judges)
                           + marks("skating_skills", *judges))
    r = score_round(event.round("components"), data)
    assert [c.value for c in r.criteria] == [D("9.32")] * 3
    assert r.subtotal == D("93.1068") and r.score == D("93.11")


def test_skills_contest_electrician():
    """Practical: m1 drop 28 and 24, (25 + 26.5 + 27) / 3 = 26.1667; m2 22; m3 16; safety 10 - 2 x 2 = 6;
    craft 10 - 12 x 1 -> 0 (扣完为止); 70.1667 -> 70.17. Total 88.50 x 0.3 + 70.17 x 0.7 = 75.669 -> 75.67."""
    event = load("city-skills.json").event("electrician")
    practical = (marks("m1", 25, "26.5", 27, 24, 28) + marks("m2", 20, 21, 22, 23, 24) + marks("m3", 16, 16)
                 + marks("safety", 2) + marks("craft", 12) + marks("time", 3600))
    result = score_entry(event, "P001", [EntryRoundInput("P001", "theory", marks("paper", "88.5")),
                                         EntryRoundInput("P001", "practical", practical)])
    assert result.round("practical").score == D("70.17") and result.round("theory").score == D("88.50")
    assert result.total == D("75.67") and result.time == D(3600) and result.passed


def test_skills_contest_recusal_falls_back_to_the_mean_of_four():
    event = load("city-skills.json").event("electrician")
    practical = (marks("m1", 25, 26, 27, 24) + marks("m2", 20, 21, 22, 23, 24) + marks("m3", 16, 16)
                 + marks("safety", 0) + marks("craft", 0))
    r = score_round(event.round("practical"), EntryRoundInput("P002", "practical", practical))
    assert r.criteria[0].fallback and r.criteria[0].value == D("25.5")
    assert r.time is None


def test_skills_contest_ranking_awards_and_titles():
    event = load("city-skills.json").event("electrician")

    def entry(code, theory, m1, m3, seconds):
        practical = (marks("m1", *[m1] * 5) + marks("m2", *[20] * 5) + marks("m3", m3, m3) + marks("safety", 0)
                     + marks("craft", 0) + marks("time", seconds))
        return score_entry(event, code, [EntryRoundInput(code, "theory", marks("paper", theory)),
                                         EntryRoundInput(code, "practical", practical)])

    results = [entry("P1", 90, 28, 20, 3000), entry("P2", 80, 28, 20, 3000),
               entry("P3", 90, 25, 16, 3100), entry("P4", 90, 25, 16, 3000),  # same total: time decides
               entry("P5", 50, 30, 20, 2000),  # theory below the pass mark
               *[entry(f"Q{i}", 70, 20, 12, 3500) for i in range(5)]]
    ranked = rank(results, event.chain, event.unshared_places)
    # P1 27 + 61.6 = 88.6; P2 24 + 61.6 = 85.6; P3 and P4 27 + 56.7 = 83.7, P4 faster; P5 15 + 63 = 78
    assert [(r.entry, r.rank) for r in ranked][:5] == [("P1", 1), ("P2", 2), ("P4", 3), ("P3", 4), ("P5", 5)]
    awards = {a.entry: a.level for a in assign_awards(event.awards, ranked)}  # 10 entrants: 1 / 3 / 6 reached
    assert [awards[e] for e in ("P1", "P2", "P4", "P3", "P5")] == ["一等奖", "二等奖", "二等奖", "三等奖", None]
    assert [awards[f"Q{i}"] for i in range(5)] == ["三等奖"] * 5  # tied at eligible place 5: all get it
    people = {"P1": Entrant("P1", date(1995, 6, 1), "F", "worker"),
              "P2": Entrant("P2", date(1980, 1, 1), "M", "worker")}
    titles = [(g.title, g.entry) for g in grant_titles(event.titles, ranked, people, date(2025, 5, 20),
                                                         assign_awards(event.awards, ranked))]
    assert ("推荐市五一劳动奖章", "P1") in titles and ("市青年岗位能手", "P1") in titles
    assert ("市巾帼建功标兵", "P1") in titles and ("市青年岗位能手", "P2") not in titles


def test_merit_period_sheet_with_veto():
    event = load("merit-project.json").event("units")
    sheet = (marks("quality", 3) + marks("safety", 1) + marks("progress", 2) + marks("innovation", 0)
             + marks("conduct", "0.5") + marks("honour_group", 5) + marks("honour_province", 8)
             + marks("criticism", -2))
    r = score_round(event.round("2025-04"), EntryRoundInput("U1", "2025-04", sheet))
    assert r.subtotal == D("89.5") and r.bonus == D(6) and r.score == D("95.50")  # 100 - 3 - 5 - 2 - 0.5; 8 - 2
    vetoed = score_round(event.round("2025-05"), EntryRoundInput("U1", "2025-05", sheet + marks("veto_safety", 1)))
    assert vetoed.vetoed and vetoed.score == D("95.50")
    result = score_entry(event, "U1", [EntryRoundInput("U1", c, sheet) for c in ("2025-04", "2025-05", "2025-06")])
    assert result.total == D("95.50") and not result.vetoed


def test_craftsman_review_and_defence():
    event = load("craftsman.json").event("craftsman")
    review = sum((marks(c, *[v] * 6, v - 1) for c, v in
                  (("awards", 18), ("master", 15), ("level", 15), ("apprentices", 12), ("innovation", 13),
                   ("contribution", 14))), ())
    defence = marks("defence", 80, 85, 90, 88, 86, 70, 95)  # drop 95 and 70: (80+85+90+88+86)/5 = 85.8
    result = score_entry(event, "C1", [EntryRoundInput("C1", "review", review),
                                       EntryRoundInput("C1", "defence", defence)])
    assert result.round("review").score == D(87) and result.round("defence").score == D("85.80")
    assert result.total == D("86.64")  # 87 x 0.7 + 85.8 x 0.3


def test_points_1x():
    event = load("points-1x.json").event("chairs")
    sheet = marks("star", 55) + marks("openness", 5) + marks("wages", 4) + marks("studio", 5)
    assert score_entry(event, "Z1", [EntryRoundInput("Z1", "year", sheet)]).total == D("69.00")
    with pytest.raises(ScoringError, match="四星 55"):
        score_entry(event, "Z1", [EntryRoundInput("Z1", "year", marks("star", 52))])


def test_team_own_marks_with_worldskills_spread():
    event = load("team-skills.json").event("line-team")
    data = EntryRoundInput("T1", "practical",
                           marks("j1", 2, 3, 3) + marks("j2", 1, 3, 2) + marks("m1", 3) + marks("time", 1500))
    r = score_round(event.round("practical"), data)
    assert r.alerts and "评分差 2 超过 1" in r.alerts[0]
    assert r.score == D("2.50")  # 0.3 x 8/3 + 0.4 x 2 + 0.3 x 3 = 0.8 + 0.8 + 0.9
