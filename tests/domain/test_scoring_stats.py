"""Scoring from statistics (aggregates in, results out) agrees with scoring from single marks (explanations) exactly."""
import random
from decimal import Decimal as D
from pathlib import Path

import pytest

from contestapp.domain import EntryRoundInput, Mark, ScoringError, loads_contest, rank, score_entry, score_round
from contestapp.domain import PanelStats, RoundStats, score_entry_stats, score_round_stats, needs_values, stats_of
from contestapp.domain.types import CriterionSpec, EventSpec, PanelRule, RoundSpec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _stats(spec: RoundSpec, marks) -> dict:
    by = {}
    for m in marks:
        by.setdefault(m.criterion, []).append(m.value)
    out = {}
    for code, values in by.items():
        cs = spec.criterion(code)
        out[code] = stats_of(values, needs_values(cs, cs.panel_for(spec.panel)))
    return out


def _random_mark(cs: CriterionSpec, rng: random.Random) -> D:
    if cs.kind == "veto":
        return D(rng.random() < 0.1)
    if cs.kind == "time":
        return D(rng.randint(600, 10800))
    if cs.kind == "deduction" and cs.deduction_per is not None:
        return D(rng.randint(0, 6))
    if cs.choices:
        return rng.choice(cs.choices).value
    low, high = (D(0), cs.max - cs.min) if cs.kind == "deduction" else (cs.min, cs.max)
    step = cs.step or D("0.25")
    steps = int((high - low) / step)
    return low + step * rng.randint(max(0, steps * 2 // 3), steps)


def _random_inputs(event: EventSpec, entry: str, rng: random.Random, judges=9):
    inputs = []
    for rs in event.rounds:
        marks = []
        for cs in rs.criteria:
            rule = cs.panel_for(rs.panel)
            n = rule.min_judges + rng.randint(0, 2) if cs.kind == "judgement" else rng.choice([1, 1, 2])
            if cs.kind in ("bonus", "veto") and rng.random() < 0.5:
                continue
            for j in range(min(n, judges)):
                marks.append(Mark(f"J{j}", cs.code, _random_mark(cs, rng)))
        mult = D(rng.choice(["2.0", "3.2", "3.6", "1.15"])) if rs.multiplier else None
        inputs.append(EntryRoundInput(entry, rs.code, tuple(marks), mult,
                                      D(rng.randint(100, 900)) if rng.random() < 0.3 else None))
    return inputs


@pytest.mark.parametrize("example", ["diving.json", "halfpipe.json", "figure-skating-components.json",
                                     "city-skills.json", "merit-project.json", "points-1x.json", "team-skills.json"])
def test_stats_equal_marks_on_the_examples(example):
    contest = loads_contest((EXAMPLES / example).read_text(encoding="utf-8"))
    rng = random.Random(example)
    for event in contest.events:
        full, fast = [], []
        for i in range(60):
            entry = f"E{i:03d}"
            inputs = _random_inputs(event, entry, rng)
            try:
                expected = score_entry(event, entry, inputs)
            except ScoringError:
                with pytest.raises(ScoringError):
                    score_entry_stats(event, entry, {d.round: RoundStats(_stats(event.round(d.round), d.marks),
                                                                   d.multiplier, d.time) for d in inputs})
                continue
            got = score_entry_stats(event, entry, {d.round: RoundStats(_stats(event.round(d.round), d.marks), d.multiplier,
                                                                 d.time) for d in inputs})
            assert (got.total, got.time, got.vetoed, got.passed) == (
                expected.total, expected.time, expected.vetoed, expected.passed), (example, entry)
            assert [(r.round, r.score, r.subtotal, r.bonus) for r in got.rounds] == [
                (r.round, r.score, r.subtotal, r.bonus) for r in expected.rounds]
            full.append(expected)
            fast.append(got)
        a = [(r.entry, r.rank) for r in rank(full, event.chain, event.unshared_places)]
        b = [(r.entry, r.rank) for r in rank(fast, event.chain, event.unshared_places)]
        assert a == b


def test_trimmed_by_aggregates_and_by_values():
    five = PanelRule("trimmed", drop_high=1, drop_low=1, min_judges=5)
    diving = PanelRule("trimmed", drop_high=2, drop_low=2, min_judges=7, reduce="sum")
    c = CriterionSpec("c", "C", max=D(10), step=D("0.5"))
    rs = RoundSpec("r", "R", (c,), panel=five)
    values = [D(x) for x in ("8", "8.5", "9", "7", "9.5")]
    assert score_round_stats(rs, {"c": stats_of(values)}).score == D("8.50")
    assert needs_values(c, diving) and not needs_values(c, five)
    rd = RoundSpec("r", "R", (c,), panel=diving, multiplier=True)
    seven = [D(x) for x in ("8.0", "8.5", "8.5", "9.0", "8.0", "7.5", "8.5")]
    assert score_round_stats(rd, {"c": stats_of(seven, True)}, D("3.2")).score == D("80.00")
    with pytest.raises(ValueError):
        score_round_stats(rd, {"c": stats_of(seven)}, D("3.2"))  # the rule needs the single marks


def test_missing_marks_and_recorded_time():
    c = CriterionSpec("c", "C", max=D(10))
    rs = RoundSpec("r", "R", (c,), panel=PanelRule(min_judges=3))
    with pytest.raises(ScoringError, match="需要至少 3 名"):
        score_round_stats(rs, {"c": PanelStats(2, D(10), D(5), D(5))})
    with pytest.raises(ScoringError, match="缺少评分"):
        score_round_stats(rs, {})
    # a recorded time (计时记录) is the round's time when no time criterion has marks, in both engines
    r = score_round(RoundSpec("r", "R", (c,)), EntryRoundInput("A", "r", (Mark("J1", "c", D(5)),), time=D(312)))
    assert r.time == D(312) and "计时记录 312 秒" in r.explanation.text()
    assert score_round_stats(RoundSpec("r", "R", (c,)), {"c": stats_of([D(5)])}, time=D(312)).time == D(312)


@pytest.mark.parametrize("example", ["diving.json", "halfpipe.json", "figure-skating-components.json",
                                     "city-skills.json", "merit-project.json", "points-1x.json"])
def test_batch_rows_equal_the_full_engine(example):
    from contestapp.domain import score_event_stats

    contest = loads_contest((EXAMPLES / example).read_text(encoding="utf-8"))
    rng = random.Random("rows" + example)
    for event in contest.events:
        rows, facts, expected = [], {}, {}
        for i in range(80):
            entry = f"E{i:03d}"
            inputs = _random_inputs(event, entry, rng)
            if rng.random() < 0.1:  # an incomplete sheet: both engines refuse the entry
                inputs = [EntryRoundInput(d.entry, d.round, d.marks[1:], d.multiplier, d.time) for d in inputs
                          if len(d.marks) > 1]  # a round without marks has no input at all (as from a database)
            try:
                expected[entry] = score_entry(event, entry, inputs)
            except ScoringError:
                expected[entry] = None
            for d in inputs:
                facts[entry, d.round] = (d.multiplier, d.time)
                rs = event.round(d.round)
                for code, st in _stats(rs, d.marks).items():
                    raw = [int(v.scaleb(4)) for v in (st.total, st.low, st.high)]
                    cs = rs.criterion(code)
                    vals = tuple(sorted(m.value for m in d.marks if m.criterion == code))
                    rows.append((entry, d.round, code, st.n, *raw, vals if needs_values(cs, cs.panel_for(rs.panel)) else None))
        results, errors = score_event_stats(event, rows, facts)
        for entry, exp in expected.items():
            if exp is None:
                assert entry in errors or entry not in results
                continue
            got = results[entry]
            assert (got.total, got.time, got.vetoed, got.passed) == (exp.total, exp.time, exp.vetoed, exp.passed)
            assert [(r.round, r.score) for r in got.rounds] == [(r.round, r.score) for r in exp.rounds]


@pytest.mark.parametrize("combine,weights,places", [("weighted_sum", ("0.3", "0.7"), (2, 2, 2)),
                                                    ("sum", ("2", "1.5"), (1, 3, 1)),
                                                    ("weighted_sum", ("0.25", "0.75"), (0, 1, 3))])
def test_simple_events_in_integers_equal_the_full_engine(combine, weights, places):
    """Rounds of plain criteria only (the database's sums): the integer path gives the full engine's figures, in
    the same Decimal forms, with pass marks, recorded times, a round without marks and a short panel."""
    from contestapp.domain import plain_part, plan_event, score_event_stats

    five = PanelRule("trimmed", drop_high=1, drop_low=1, min_judges=5)
    crits = (CriterionSpec("a", "A", max=D(10), step=D("0.5"), weight=D("0.3")),
             CriterionSpec("b", "B", max=D(10), step=D("0.25"), weight=D("0.7")),
             CriterionSpec("c", "C", max=D(10), step=D("0.5"), panel=PanelRule("mean", min_judges=3)))
    event = EventSpec("e", "E", (
        RoundSpec("theory", "理论", crits[:1], panel=five, weight=D(weights[0]), places=places[0], pass_mark=D(6)),
        RoundSpec("practical", "实操", crits, panel=five, weight=D(weights[1]), places=places[1])),
        combine=combine, places=places[2])
    plans = plan_event(event)
    assert all(p.simple for p in plans.values())
    rng = random.Random(str(places))
    plain, facts, expected = {}, {}, {}
    for i in range(300):
        entry = f"E{i:03d}"
        inputs = []
        for rs in event.rounds:
            if i % 50 == 7 and rs.code == "theory":
                continue  # no marks in this round
            judges = 4 if i % 61 == 3 else 5
            marks = tuple(Mark(f"J{j}", cs.code, _random_mark(cs, rng)) for cs in rs.criteria for j in range(judges))
            time = D(rng.randint(100, 900)) if i % 3 == 0 else None
            inputs.append(EntryRoundInput(entry, rs.code, marks, None, time))
            facts[entry, rs.code] = (None, time)
            plan = plans[rs.code]
            sums = []
            for cls in plan.classes:
                total, counts = 0, []
                for code, w in zip(cls.codes, cls.weights):
                    values = sorted(int(m.value.scaleb(4)) for m in marks if m.criterion == code)
                    counts.append(len(values))
                    total += w * (sum(values) - values[0] * cls.drop_low - values[-1] * cls.drop_high)
                sums.append((total, min(counts), max(counts), len(counts)))
            part = plain_part(plan, sums)
            if part is not None:
                plain[entry, rs.code] = part
        try:
            expected[entry] = score_entry(event, entry, inputs)
        except ScoringError:
            expected[entry] = None
    results, errors = score_event_stats(event, [], facts, plain=plain, plans=plans)
    for entry, exp in expected.items():
        if exp is None or entry not in plain or any((entry, rs.code) not in plain for rs in event.rounds
                                                    if (entry, rs.code) in facts):
            continue
        got = results[entry]
        assert (str(got.total), got.time, got.vetoed, got.passed) == (str(exp.total), exp.time, exp.vetoed,
                                                                       exp.passed), entry
        assert [(r.round, str(r.score), r.subtotal, r.time, r.passed) for r in got.rounds] == [
            (r.round, str(r.score), r.subtotal, r.time, r.passed) for r in exp.rounds], entry
    compared = [e for e in expected if e in results and expected[e] is not None]
    assert len(compared) > 250
    a = [(r.entry, r.rank, r.total) for r in rank([expected[e] for e in compared], event.chain)]
    b = [(r.entry, r.rank, r.total) for r in rank([results[e] for e in compared], event.chain)]
    assert a == b
