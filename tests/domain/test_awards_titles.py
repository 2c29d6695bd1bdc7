"""Awards (ratio and rank modes, pass marks, vetoes) and titles (rank ranges and entrant conditions)."""
from datetime import date
from decimal import Decimal as D

import pytest

from contestapp.domain import (
    AwardLevel,
    AwardRule,
    Entrant,
    Explanation,
    ScoringError,
    SpecError,
    TieDecision,
    TitleRule,
    age_on,
    assign_awards,
    award_counts,
    grant_titles,
    rank,
)
from contestapp.domain.scoring import EntryResult

RATIO = AwardRule((AwardLevel("一等奖", upto_share=D("0.1")), AwardLevel("二等奖", upto_share=D("0.3")),
                   AwardLevel("三等奖", upto_share=D("0.6"))))
MEDALS = AwardRule((AwardLevel("金奖", upto_place=1), AwardLevel("银奖", upto_place=2), AwardLevel("铜奖", upto_place=3),
                    AwardLevel("优胜奖", upto_share=D("0.5"))))


def res(entry, total, passed=True, vetoed=False):
    return EntryResult(entry, D(total), None, vetoed, ("重大安全事故",) if vetoed else (), passed, (), Explanation(()))


def field(n, **special):
    return rank([special.get(f"e{i:02d}", res(f"e{i:02d}", 100 - i)) for i in range(1, n + 1)], ())


def levels(awards):
    return [a.level for a in awards]


def test_ratio_counts_are_cumulative_and_rounded_half_up():
    assert award_counts(RATIO, 15) == [("一等奖", 2), ("二等奖", 5), ("三等奖", 9)]  # 1.5 -> 2, 4.5 -> 5, 9
    assert award_counts(RATIO, 10) == [("一等奖", 1), ("二等奖", 3), ("三等奖", 6)]
    assert award_counts(RATIO, 4) == [("一等奖", 0), ("二等奖", 1), ("三等奖", 2)]  # 0.4 -> 0 first prizes


def test_ratio_mode():
    awards = assign_awards(RATIO, field(15))
    assert levels(awards) == ["一等奖"] * 2 + ["二等奖"] * 3 + ["三等奖"] * 4 + [None] * 6


def test_tie_at_a_boundary_all_get_the_higher_award():
    ranked = rank([res("a", 100), res("b", 100), res("c", 90)] + [res(f"x{i}", 50 - i) for i in range(7)], ())
    assert levels(assign_awards(RATIO, ranked))[:3] == ["一等奖", "一等奖", "二等奖"]  # one first prize, two share it


def test_rank_mode_medals_and_top_half():
    awards = assign_awards(MEDALS, field(9))
    assert levels(awards) == ["金奖", "银奖", "铜奖", "优胜奖", "优胜奖", None, None, None, None]  # 4.5 -> 5


def test_pass_mark_and_veto_exclude_and_the_next_moves_up():
    ranked = field(6, e01=res("e01", 99, passed=False), e02=res("e02", 98, vetoed=True))
    awards = assign_awards(MEDALS, ranked)
    by = {a.entry: a for a in awards}
    assert by["e01"].level is None and "合格线" in by["e01"].reason
    assert by["e02"].level is None and "一票否决" in by["e02"].reason
    assert (by["e03"].level, by["e04"].level, by["e05"].level) == ("金奖", "银奖", "铜奖")


def test_pass_not_required():
    rule = AwardRule(MEDALS.levels, require_pass=False)
    assert assign_awards(rule, field(3, e01=res("e01", 99, passed=False)))[0].level == "金奖"


def test_awards_wait_for_pending_tie_decisions():
    results = [res("a", 100), res("b", 100), res("c", 90)]
    with pytest.raises(ScoringError, match="裁判长"):
        assign_awards(MEDALS, rank(results, (), unshared_places=3))
    decided = rank(results, (), 3, [TieDecision(("b", "a"), "加赛")])
    assert levels(assign_awards(MEDALS, decided)) == ["金奖", "银奖", "铜奖"]


def test_award_level_needs_exactly_one_reach():
    with pytest.raises(SpecError):
        AwardLevel("一等奖")
    with pytest.raises(SpecError):
        AwardLevel("一等奖", upto_place=1, upto_share=D("0.1"))
    with pytest.raises(SpecError):
        AwardLevel("一等奖", upto_share=D("1.5"))


CONTEST_DAY = date(2025, 5, 20)


def test_age_on_the_contest_date():
    assert age_on(date(1990, 5, 21), CONTEST_DAY) == 34  # birthday tomorrow
    assert age_on(date(1990, 5, 20), CONTEST_DAY) == 35  # birthday today
    assert age_on(date(1989, 5, 20), CONTEST_DAY) == 36
    assert age_on(date(2000, 2, 29), date(2025, 2, 28)) == 24


def test_titles():
    ranked = field(8)
    people = {
        "e01": Entrant("e01", date(1980, 1, 1), "M", "manager"),
        "e02": Entrant("e02", date(1990, 5, 21), "F", "worker"),  # 34 on the contest day
        "e03": Entrant("e03", date(1989, 5, 20), "M", "worker"),  # 36
        "e04": Entrant("e04", date(1990, 5, 20), "F", "worker"),  # 35 exactly
        "e07": Entrant("e07", date(1995, 1, 1), "M", "worker"),
    }
    rules = (TitleRule("技术能手", to_place=5), TitleRule("推荐五一劳动奖章", category="worker", limit=1),
             TitleRule("晋升技师", to_place=6), TitleRule("青年岗位能手", max_age=35, to_place=6),
             TitleRule("巾帼建功标兵", gender="F", to_place=6))
    got: dict[str, list[str]] = {}
    for g in grant_titles(rules, ranked, people, CONTEST_DAY):
        got.setdefault(g.title, []).append(g.entry)
    assert got["技术能手"] == ["e01", "e02", "e03", "e04", "e05"]
    assert got["推荐五一劳动奖章"] == ["e02"]  # the first placed worker, not the manager in first place
    assert got["晋升技师"] == ["e01", "e02", "e03", "e04", "e05", "e06"]
    assert got["青年岗位能手"] == ["e02", "e04"]  # e07 is young but outside the places; e05 has no birth date
    assert got["巾帼建功标兵"] == ["e02", "e04"]


def test_titles_by_award_level_and_vetoed_excluded():
    ranked = field(10, e01=res("e01", 100, vetoed=True))
    awards = assign_awards(RATIO, ranked)
    grants = grant_titles((TitleRule("优秀选手", award_levels=("一等奖", "二等奖")),), ranked, {}, CONTEST_DAY, awards)
    assert [g.entry for g in grants] == ["e02", "e03", "e04"]  # counts from all 10 ranked: 1 first, 2 second


def test_title_limit_keeps_ties_at_the_limit():
    ranked = rank([res("a", 100), res("b", 90), res("c", 90), res("d", 80)], ())
    grants = grant_titles((TitleRule("奖金", limit=2),), ranked, {}, CONTEST_DAY)
    assert [g.entry for g in grants] == ["a", "b", "c"]


def test_title_rule_validation():
    with pytest.raises(SpecError):
        TitleRule("x", from_place=3, to_place=2)
    with pytest.raises(SpecError):
        TitleRule("x", gender="X")
