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


# --- teams scored as the sum of their members: round scores ---------------------------------------------------------

TWO_ROUNDS = EventSpec("e", "E", (
    RoundSpec("practical", "实操", (CriterionSpec("a", "A", max=D(3)), CriterionSpec("b", "B", max=D(3))),
              weight=D("0.7"), combine="sum"),
    RoundSpec("theory", "理论", (CriterionSpec("paper", "试卷", "measurement"),), weight=D("0.3"))))


def _scored(code, a, b, paper=None, event=TWO_ROUNDS):
    from contestapp.domain import EntryRoundInput, Mark, score_entry

    inputs = [EntryRoundInput(code, "practical", tuple(Mark(f"J{j}", c, D(v)) for c, marks in (("a", a), ("b", b))
                                                       for j, v in enumerate(marks, 1)))]
    if paper is not None:
        inputs.append(EntryRoundInput(code, "theory", (Mark("J1", "paper", D(paper)),)))
    return score_entry(event, code, inputs)


def test_team_round_score_is_the_exact_sum_of_its_members_round_scores():
    from contestapp.domain import team_result

    m1 = _scored("m1", (1, 2, 2), (3, 3, 2), "88.5")   # practical 5/3 + 8/3 = 4.333.. -> 4.33
    m2 = _scored("m2", (0, 1, 1), (1, 1, 2), "91")     # practical 2/3 + 4/3 = 2.00
    m3 = _scored("m3", (2, 2, 3), (3, 3, 3))           # practical 7/3 + 3 = 5.333.. -> 5.33, no theory
    assert [m.round_score("practical") for m in (m1, m2, m3)] == [D("4.33"), D("2.00"), D("5.33")]
    team = team_result(TWO_ROUNDS, "T", [m1, m2, m3])
    assert team.rounds == ()  # a team from its members' results has no rounds of its own ...
    practical, theory = team.round_score("practical"), team.round_score("theory")
    assert (str(practical), str(theory)) == ("11.66", "179.50")  # ... its round scores sum theirs, at 2 places
    assert team.round_scores() == {"practical": D("11.66"), "theory": D("179.50")}
    assert team.round_score("nope") is None and team_result(TWO_ROUNDS, "U", [m3]).round_score("theory") is None
    # the tie-break chain reads the same figure
    assert team.value(TieBreakKey("round", "practical")) == practical
    assert m1.round_scores() == {"practical": D("4.33"), "theory": D("88.50")}


def test_team_tie_breaks_on_the_sum_of_its_members_round_scores():
    from contestapp.domain import team_result

    # equal totals (0.7 x practical + 0.3 x theory): T1 has the better summed practical, T2 the better theory
    t1 = team_result(TWO_ROUNDS, "T1", [_scored("a1", (3, 3, 3), (3, 3, 3), "40"),
                                        _scored("a2", (1, 1, 1), (1, 1, 1), "40")])   # practical 8, theory 80
    t2 = team_result(TWO_ROUNDS, "T2", [_scored("b1", (2, 2, 2), (2, 2, 2), "43"),
                                        _scored("b2", (0, 0, 0), (1, 1, 1), "44")])    # practical 5, theory 87
    assert t1.total == t2.total == D("29.60")
    practical_first = (TieBreakKey("round", "practical", "desc"),)
    theory_first = (TieBreakKey("round", "theory", "desc"),)
    assert ranks(rank([t1, t2], practical_first)) == [("T1", 1), ("T2", 2)]
    assert ranks(rank([t1, t2], theory_first)) == [("T2", 1), ("T1", 2)]


# --- stale chief-judge decisions --------------------------------------------------------------------------------------

def test_a_decision_that_matches_no_tie_any_more_is_reported_stale():
    from contestapp.domain.ranking import rank_outcome

    old = TieDecision(("b", "a"), "旧裁定")
    results = [res("a", 85), res("b", 85), res("c", 85), res("d", 70)]  # c has joined the tie a-b
    out = rank_outcome(results, CHAIN, unshared_places=3, decisions=[old])
    assert out.stale_decisions == [old]
    assert ranks(out.ranked) == ranks(rank(results, CHAIN, 3, [old])) == [("a", 1), ("b", 1), ("c", 1), ("d", 4)]
    assert pending_ties(out.ranked) == [("a", "b", "c")]  # which decision applies is unchanged: none


def test_stale_decisions_applied_superseded_and_outside_unshared_places():
    from contestapp.domain.ranking import rank_outcome

    results = [res("a", 90), res("b", 85), res("c", 85), res("d", 70), res("e", 70)]
    applied = TieDecision(("c", "b"), "复核录像")
    broken = TieDecision(("a", "b"), "a 与 b 曾并列")           # a and b no longer tie at all
    shared = TieDecision(("e", "d"), "d 与 e 曾在前三名并列")     # d-e tie at place 4: shared, no decision applies
    out = rank_outcome(results, CHAIN, unshared_places=3, decisions=[applied, broken, shared])
    assert out.stale_decisions == [broken, shared]
    assert ranks(out.ranked) == [("a", 1), ("c", 2), ("b", 3), ("d", 4), ("e", 4)]
    # an earlier decision for the same entries is replaced by the later one, not stale
    again = TieDecision(("b", "c"), "重新裁定")
    out = rank_outcome(results, CHAIN, unshared_places=3, decisions=[applied, again])
    assert out.stale_decisions == [] and out.ranked[1].decision == "重新裁定"
    # once the chief judge has decided again for any of its entries, a stale decision is no longer reported
    now = [res("a", 85), res("b", 85), res("c", 85)]
    out = rank_outcome(now, CHAIN, unshared_places=3, decisions=[TieDecision(("b", "a"), "旧"),
                                                                 TieDecision(("c", "a", "b"), "新")])
    assert out.stale_decisions == [] and ranks(out.ranked) == [("c", 1), ("a", 2), ("b", 3)]
    assert rank_outcome(now, CHAIN, 3).stale_decisions == []


def test_nothing_to_rank_gives_an_empty_ranking():
    from contestapp.domain.ranking import rank_outcome

    assert rank_outcome([], ()) == ([], [])
