"""Scoring: criterion values -> round scores -> entry results, each step written once.

Two doors lead in. `score_round` / `score_entry` take one entry's single marks and explain every step (成绩明细);
`score_round_stats` / `score_entry_stats` take per-criterion statistics (or a round's exact plain part, see
`batch.py`) as one aggregate query hands them over for a whole event, and explain nothing. Behind both doors the
same functions apply the panel rule (`panel.panel_value`), combine the criteria into a round score (`_round`) and
the rounds into the entry's result (`_entry`).

Arithmetic is exact: every figure is an exact rational (with, when explaining, the Decimal the arithmetic gives
beside it: `panel.Num`), rounded half-up exactly where the rules round (a panel's `places`, the round's, the
event's): a sum landing exactly on .xx5 always rounds up.

Marks for bonus and veto criteria are exception-only (no mark = no bonus / no veto); every other scored criterion
needs its marks, and a missing time mark leaves the time unknown.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Mapping, Optional, Sequence

from .messages import N_, Message
from .panel import Num, criterion_value, exact_of, fmt, score_criterion, shown
from .scores import (NO_EXPLANATION, CriterionResult, EntryResult, EntryRoundInput, Explanation, Line, Mark,
                     PanelStats, RoundResult, RoundStats, ScoringError)
from .types import ONE, SCORED_KINDS, ZERO, CriterionSpec, EventSpec, RoundSpec, round_half_up

__all__ = ["CriterionResult", "EntryResult", "EntryRoundInput", "Explanation", "Line", "Mark", "PanelStats",
           "RoundResult", "RoundStats", "ScoringError", "score_criterion", "score_round", "score_round_stats",
           "score_entry", "score_entry_stats", "score_event", "team_result", "chain_criteria"]


def _missing(spec: RoundSpec, cs: CriterionSpec) -> Message:
    return Message(N_("%(round)s：%(criterion)s 缺少评分"), round=spec.name, criterion=cs.name)


def _no_round(event: EventSpec, code: str) -> Message:
    return Message(N_("%(event)s：未定义的轮次 %(code)s"), event=event.name, code=code)


def _check_multiplier(spec: RoundSpec, multiplier: Optional[Decimal]) -> None:
    if spec.multiplier and (multiplier is None or multiplier <= 0):
        raise ScoringError(Message(N_("%(round)s：缺少难度系数（须大于 0）"), round=spec.name))
    if not spec.multiplier and multiplier is not None:
        raise ScoringError(Message(N_("%(round)s：本轮次不使用难度系数"), round=spec.name))


def _round(spec: RoundSpec, values: Sequence[tuple[CriterionSpec, object]], multiplier: Optional[Decimal],
           recorded_time: Optional[Decimal], of, criteria: tuple[CriterionResult, ...],
           lines: Optional[list[Line]] = None, part=None, top=None) -> RoundResult:
    """A round's score from its criteria's values (formula in RoundSpec's docstring): `values` pairs each criterion
    with its value (None: a bonus or time criterion without marks), in `of`'s kind of number; `part` is the exact
    sum of weight x value of criteria left out of `values` (the plain part), `top` their sum of max x weight."""
    scored = [(cs, v) for cs, v in values if cs.kind in SCORED_KINDS]
    if spec.base is not None:
        lost = sum(((of(cs.max) - v) * of(cs.weight) for cs, v in scored), of(ZERO) if part is None else top - part)
        subtotal = of(spec.base) - lost
        if lines is not None:
            lines.append(Line(1, "小计", f"基础分 {fmt(spec.base)} − 扣分 {fmt(lost)} = {fmt(subtotal)}", shown(subtotal)))
    else:
        subtotal = sum((v * of(cs.weight) for cs, v in scored), of(ZERO) if part is None else part)
        if lines is not None:
            terms = " + ".join(fmt(v) + (f" × {fmt(cs.weight)}" if cs.weight != ONE else "") for cs, v in scored)
            lines.append(Line(1, "小计", f"{terms} = {fmt(subtotal)}", shown(subtotal)))
    # bonuses: only the highest of each bonus_group counts; the total is limited to bonus_cap
    bonus, groups = of(ZERO), {}
    for cs, v in values:
        if cs.kind != "bonus":
            continue
        points = (of(ZERO) if v is None else v) * of(cs.weight)  # an unmarked bonus counts 0 (in a group too)
        if cs.bonus_group is None:
            bonus += points
        else:
            groups[cs.bonus_group] = max(points, groups.get(cs.bonus_group, points))
    for group, best in groups.items():
        if best and lines is not None:
            lines.append(Line(1, f"加分组 {group}", f"只计最高一项 {fmt(best)}", shown(best)))
        bonus += best
    if spec.bonus_cap is not None and bonus > spec.bonus_cap:
        if lines is not None:
            cap = fmt(spec.bonus_cap)
            lines.append(Line(1, "加分封顶", f"{fmt(bonus)} 超过上限 {cap}，按 {cap} 计", spec.bonus_cap))
        bonus = of(spec.bonus_cap)
    score = subtotal
    if spec.multiplier and multiplier is not None:  # presence checked by the caller
        score = subtotal * of(multiplier)
        if lines is not None:
            lines.append(Line(1, "难度系数", f"{fmt(subtotal)} × {fmt(multiplier)} = {fmt(score)}", shown(score)))
    if bonus:
        score += bonus
        if lines is not None:
            lines.append(Line(1, "加分", f"+ {fmt(bonus)} = {fmt(score)}", shown(score)))
    if spec.floor is not None and score < spec.floor:
        if lines is not None:
            lines.append(Line(1, "保底", f"{fmt(score)} 低于下限，按 {fmt(spec.floor)} 计", spec.floor))
        score = of(spec.floor)
    if spec.cap is not None and score > spec.cap:
        if lines is not None:
            lines.append(Line(1, "封顶", f"{fmt(score)} 超过上限，按 {fmt(spec.cap)} 计", spec.cap))
        score = of(spec.cap)
    rounded = round_half_up(exact_of(score), spec.places)
    passed = spec.pass_mark is None or rounded >= spec.pass_mark
    times = [v for cs, v in values if cs.kind == "time" and v is not None]
    time = shown(sum(times, of(ZERO))) if times else recorded_time
    veto_reasons = tuple(cs.name for cs, v in values if cs.kind == "veto" and v == 1)
    if lines is not None:
        if not times and recorded_time is not None:
            lines.append(Line(1, "用时", f"计时记录 {fmt(recorded_time)} 秒", recorded_time))
        tail = f"四舍五入保留 {spec.places} 位小数 = {fmt(rounded)}"
        if spec.pass_mark is not None:
            tail += f"（合格线 {fmt(spec.pass_mark)}，{'合格' if passed else '不合格'}）"
        lines.append(Line(1, "本轮得分", tail, rounded))
        if veto_reasons:
            lines.append(Line(1, "一票否决", "、".join(veto_reasons)))
    return RoundResult(spec.code, spec.name, rounded, shown(subtotal), shown(bonus), multiplier, time,
                       bool(veto_reasons), veto_reasons, passed, criteria,
                       NO_EXPLANATION if lines is None else Explanation(tuple(lines)))


def score_round(spec: RoundSpec, data: EntryRoundInput) -> RoundResult:
    """One entry's round score from its marks, explained."""
    by_criterion: dict[str, list[Mark]] = defaultdict(list)
    for m in data.marks:
        if spec.criterion(m.criterion) is None:
            raise ScoringError(Message(N_("%(round)s：未定义的评分项 %(code)s"), round=spec.name, code=m.criterion))
        by_criterion[m.criterion].append(m)
    _check_multiplier(spec, data.multiplier)
    results: list[CriterionResult] = []
    for cs in spec.criteria:
        marks = by_criterion.get(cs.code, [])
        if not marks and cs.kind in SCORED_KINDS:
            raise ScoringError(_missing(spec, cs))
        results.append(score_criterion(cs, cs.panel_for(spec.panel), marks))
    lines = [Line(0, spec.name, f"（{spec.code}）")]
    lines += [ln for cr in results for ln in cr.explanation.nested()]
    values = [(cs, None if cs.kind == "time" and not cr.used else Num(cr.value, cr.exact))
              for cs, cr in zip(spec.criteria, results)]
    return _round(spec, values, data.multiplier, data.time, Num.of, tuple(results), lines)


def score_round_stats(spec: RoundSpec, stats: Mapping[str, PanelStats], multiplier: Optional[Decimal] = None,
                      time: Optional[Decimal] = None, keep: Iterable[str] = (),
                      plain: Optional[tuple[int, int]] = None, plan=None) -> RoundResult:
    """One entry's round result from per-criterion statistics, as `score_round` gives it, without explanation;
    `criteria` holds only the criteria named in `keep` (those a tie-break chain compares). `plain` (numerator,
    denominator) is the exact sum of weight x value over `plan.codes` (`batch.plain_part`); those criteria are then
    not looked up in `stats`."""
    _check_multiplier(spec, multiplier)
    covered = plan.codes if plain is not None and plan is not None else frozenset()
    keep = set(keep)
    values: list[tuple[CriterionSpec, object]] = []
    kept: list[CriterionResult] = []
    for cs in spec.criteria:
        if cs.code in covered:
            continue
        st = stats.get(cs.code)
        if (st is None or not st.n) and cs.kind in SCORED_KINDS:
            raise ScoringError(_missing(spec, cs))
        value = criterion_value(cs, cs.panel_for(spec.panel), st)
        values.append((cs, value))
        if cs.code in keep:
            figure = ZERO if value is None else shown(value)
            kept.append(CriterionResult(cs.code, cs.name, cs.kind, figure, (), (), "",
                                        exact=None if value is None or figure == value else value))
    part = Fraction(*plain) if covered else None
    return _round(spec, values, multiplier, time, Fraction, tuple(kept), None, part,
                  plan.top if covered else None)


# --- entries --------------------------------------------------------------------------------------------------------

def _entry(event: EventSpec, entry: str, rounds: Sequence[RoundResult], lines: Optional[list[Line]] = None
           ) -> EntryResult:
    """An entry's event result: its round results combined by `event.combine`, rounded at `event.places`.

    A round without input counts 0 in weighted_sum and sum (and fails its pass mark); mean and best use the rounds
    the entry has."""
    scores = {rr.round: rr.score for rr in rounds}
    # (asked of every entry of an event: the common case, every round present, skips the search for missing ones)
    missing = [rs for rs in event.rounds if rs.code not in scores] if len(scores) < len(event.rounds) else []
    if event.combine in ("weighted_sum", "sum"):
        total = sum([scores.get(rs.code, ZERO) * rs.weight for rs in event.rounds], ZERO)
        how = "" if lines is None else " + ".join(
            f"{fmt(scores.get(rs.code, ZERO))}" + (f" × {fmt(rs.weight)}" if rs.weight != ONE else "")
            for rs in event.rounds)
    elif event.combine == "mean":
        total = Fraction(sum(scores.values(), ZERO)) / len(scores) if scores else ZERO  # exact: rounded below
        how = f"平均（{'、'.join(fmt(s) for s in scores.values())}）"
    else:
        best = max(rounds, key=lambda rr: rr.score, default=None)
        total = best.score if best else ZERO
        how = f"取最好成绩（{best.name}）" if best else "无成绩"
    total = round_half_up(total, event.places)
    times = []
    veto_reasons: tuple[str, ...] = ()
    passed = True
    for rr in rounds:
        if rr.time is not None:
            times.append(rr.time)
        if rr.veto_reasons:
            veto_reasons += rr.veto_reasons
        passed = passed and rr.passed
    if missing and any(rs.pass_mark is not None for rs in missing):
        passed = False
    if lines is not None:
        for rs in missing:
            lines.append(Line(1, rs.name, "无成绩" + ("，按 0 分计" if event.combine in ("weighted_sum", "sum") else "")))
        lines.append(Line(0, "总成绩", f"{how} = {fmt(total)}", total))
        if veto_reasons:
            lines.append(Line(0, "一票否决", "、".join(veto_reasons) + "，不得参加评奖评优"))
    return EntryResult(entry, total, sum(times, ZERO) if times else None, bool(veto_reasons), veto_reasons, passed,
                       tuple(rounds), NO_EXPLANATION if lines is None else Explanation(tuple(lines)))


def score_entry(event: EventSpec, entry: str, inputs: Iterable[EntryRoundInput]) -> EntryResult:
    """One entry's event result from its marks, explained (see `_entry`)."""
    by_round: dict[str, EntryRoundInput] = {}
    for data in inputs:
        if event.round(data.round) is None:
            raise ScoringError(_no_round(event, data.round))
        if data.round in by_round:
            raise ScoringError(Message(N_("%(event)s：%(entry)s 的轮次 %(code)s 重复录入"), event=event.name,
                                           entry=entry, code=data.round))
        by_round[data.round] = data
    rounds = [score_round(rs, by_round[rs.code]) for rs in event.rounds if rs.code in by_round]
    lines: list[Line] = [Line(0, "成绩明细", entry)]
    for rr in rounds:
        lines += rr.explanation.nested()
    return _entry(event, entry, rounds, lines)


def chain_criteria(event: EventSpec) -> dict[str, set[str]]:
    """Round code -> criterion codes the event's tie-break chain compares."""
    out: dict[str, set[str]] = {}
    for key in event.chain:
        if key.key == "criterion" and key.code:
            round_code, _, crit = key.code.partition(".")
            out.setdefault(round_code, set()).add(crit)
    return out


def score_entry_stats(event: EventSpec, entry: str, rounds: Mapping[str, RoundStats],
                      keep: Optional[Mapping[str, set[str]]] = None, plans: Optional[Mapping] = None) -> EntryResult:
    """One entry's event result from per-round statistics, as `score_entry` gives it, without explanation."""
    keep = chain_criteria(event) if keep is None else keep
    for code in rounds:
        if event.round(code) is None:
            raise ScoringError(_no_round(event, code))
    results = []
    for rs in event.rounds:
        data = rounds.get(rs.code)
        if data is not None:
            plan = plans[rs.code] if data.plain is not None and plans is not None else None
            results.append(score_round_stats(rs, data.stats, data.multiplier, data.time, keep.get(rs.code, ()),
                                             data.plain, plan))
    return _entry(event, entry, results)


def score_event(event: EventSpec, inputs_by_entry: Mapping[str, Iterable[EntryRoundInput]]) -> dict[str, EntryResult]:
    """Every entry's result in an event (individuals, or teams scored on their own marks), explained."""
    return {entry: score_entry(event, entry, inputs) for entry, inputs in inputs_by_entry.items()}


def team_result(event: EventSpec, team: str, members: Sequence[EntryResult]) -> EntryResult:
    """A team's result as the sum of its members' results (团体成绩 = 队员成绩之和); its time is their total time."""
    if not members:
        raise ScoringError(Message(N_("%(event)s：团队 %(team)s 没有队员成绩"), event=event.name, team=team))
    total = round_half_up(sum((m.total for m in members), ZERO), event.places)
    times = [m.time for m in members if m.time is not None]
    lines = [Line(0, "团体成绩", team)]
    for m in members:
        lines += m.explanation.nested()
    lines.append(Line(0, "团体总成绩", " + ".join(fmt(m.total) for m in members) + f" = {fmt(total)}", total))
    veto_reasons = tuple(r for m in members for r in m.veto_reasons)
    return EntryResult(team, total, sum(times, ZERO) if times else None, bool(veto_reasons), veto_reasons,
                       all(m.passed for m in members), (), Explanation(tuple(lines)), tuple(members))

