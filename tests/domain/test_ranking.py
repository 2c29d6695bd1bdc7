"""Competition ranking, tie-break chain, unshared places and chief-judge decisions."""
import time
from decimal import Decimal as D

from contestapp.domain import (
    DEFAULT_TIE_BREAK,
    CriterionSpec,
    EventSpec,
    Explanation,
    RoundSpec,
    TieBreakKey,
    TieDecision,
    pending_ties,
    rank,
)
from contestapp.domain.scoring import EntryResult, RoundResult

CHAIN = DEFAULT_TIE_BREAK  # practical desc, time asc, theory desc


def _round(code, score):
    return RoundResult(code, code, D(score), D(score), D(0), None, None, False, (), True, (), Explanation(()))


def res(entry, total, practical=None, theory=None, time=None, vetoed=False):
    rounds = tuple(_round(c, s) for c, s in (("practical", practical), ("theory", theory)) if s is not None)
    return EntryResult(entry, D(total), None if time is None else D(time), vetoed, ("X",) if vetoed else (), True,
                       rounds, Explanation(()))


def ranks(ranked):
    return [(r.entry, r.rank) for r in ranked]


def test_competition_ranking_1_2_2_4():
    out = rank([res("a", 90), res("b", 80), res("c", 80), res("d", 70)], ())
    assert ranks(out) == [("a", 1), ("b", 2), ("c", 2), ("d", 4)]
    assert out[1].tied_with == ("c",) and not out[1].needs_decision


def test_chain_practical_then_time_then_theory():
    out = rank([
        res("a", 80, practical=60, theory=20, time=300),
        res("b", 80, practical=62, theory=18, time=400),  # better practical
        res("c", 80, practical=60, theory=20, time=250),  # same practical, shorter time
        res("d", 80, practical=60, theory=21, time=300),  # same practical and time, better theory
    ], CHAIN)
    assert ranks(out) == [("b", 1), ("c", 2), ("d", 3), ("a", 4)]


def test_missing_time_sorts_after_known_times():
    out = rank([res("a", 80, time=None), res("b", 80, time=500)], (TieBreakKey("time", None, "asc"),))
    assert ranks(out) == [("b", 1), ("a", 2)]


def test_default_chain_uses_only_existing_rounds():
    ev = EventSpec("e", "E", (RoundSpec("run1", "R", (CriterionSpec("c", "C"),)),), combine="best")
    assert ev.chain == (TieBreakKey("time", None, "asc"),)


def test_unshared_places_need_a_decision():
    results = [res("a", 90), res("b", 85), res("c", 85), res("d", 70), res("e", 70)]
    out = rank(results, CHAIN, unshared_places=3)
    assert [r.needs_decision for r in out] == [False, True, True, False, False]  # rank 4 tie is outside the top 3
    assert pending_ties(out) == [("b", "c")]


def test_tie_decision_resolves_the_tie():
    results = [res("a", 90), res("b", 85), res("c", 85), res("d", 70)]
    out = rank(results, CHAIN, unshared_places=3, decisions=[TieDecision(("c", "b"), "裁判长复核实操录像后裁定")])
    assert ranks(out) == [("a", 1), ("c", 2), ("b", 3), ("d", 4)]
    assert out[1].decision == "裁判长复核实操录像后裁定" and not pending_ties(out)


def test_stale_decision_is_not_applied():
    results = [res("a", 85), res("b", 85), res("c", 85)]
    out = rank(results, CHAIN, unshared_places=3, decisions=[TieDecision(("a", "b"), "旧裁定")])
    assert all(r.needs_decision and r.rank == 1 for r in out)


def test_vetoed_entries_rank_last():
    out = rank([res("a", 99, vetoed=True), res("b", 80), res("c", 70)], CHAIN)
    assert ranks(out) == [("b", 1), ("c", 2), ("a", 3)] and out[2].vetoed


def test_ranking_is_independent_of_input_order():
    results = [res(f"e{i}", 50 + i % 7, practical=i % 3) for i in range(50)]
    assert ranks(rank(results, CHAIN)) == ranks(rank(list(reversed(results)), CHAIN))


def test_ranking_10000_results_gives_competition_ranks():
    """A large field (its speed is measured by benchmarks/bench_results.py, not asserted here)."""
    results = [res(f"e{i:05d}", D(i * 7919 % 10007) / 100, practical=i % 97, theory=i % 13, time=i % 600)
               for i in range(10_000)]
    out = rank(results, CHAIN)
    assert len(out) == 10_000 and out[0].rank == 1
    key = {r.entry: (r.result.total, r.result.value(CHAIN[0]), -r.result.time, r.result.value(CHAIN[2])) for r in out}
    ordered = [key[r.entry] for r in out]
    assert ordered == sorted(ordered, reverse=True)
    for place, (previous, current) in enumerate(zip(out, out[1:]), start=2):  # 1, 2, 2, 4
        expected = previous.rank if key[current.entry] == key[previous.entry] else place
        assert current.rank == expected


def test_criterion_and_team_tie_breaks_on_scored_results():
    from contestapp.domain import EntryRoundInput, Mark, score_entry, team_result

    ev = EventSpec("e", "E", (RoundSpec("practical", "实操", (
        CriterionSpec("a", "A", "measurement"), CriterionSpec("b", "B", "measurement"),
        CriterionSpec("t", "用时", "time", D(3600)))),), combine="sum")

    def entry(code, a, b, t):
        marks = (Mark("J1", "a", D(a)), Mark("J1", "b", D(b)), Mark("J1", "t", D(t)))
        return score_entry(ev, code, [EntryRoundInput(code, "practical", marks)])

    x, y = entry("x", 50, 40, 900), entry("y", 40, 50, 800)  # both 90
    assert ranks(rank([x, y], (TieBreakKey("criterion", "practical.a", "desc"),))) == [("x", 1), ("y", 2)]
    assert ranks(rank([x, y], (TieBreakKey("time", None, "asc"),))) == [("y", 1), ("x", 2)]
    t1 = team_result(ev, "T1", [x, entry("x2", 10, 10, 100)])  # 110, time 1000
    t2 = team_result(ev, "T2", [y, entry("y2", 10, 10, 150)])  # 110, time 950
    assert ranks(rank([t1, t2], ev.chain)) == [("T2", 1), ("T1", 2)]  # teams: lower total time
