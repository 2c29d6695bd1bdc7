"""The chief judge's read side: the progress matrix (the marks grid over it, with spread alerts, is `grid.py`),
recusals and what the panel rule does with the judges left, and ties the chain cannot break and tie decisions that
no longer apply (from the results engine's ranking, `contestapp.results.engine`)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from contestapp.contests.definition import DefinitionFileError, spec_of
from contestapp.contests.models import Contest, Event, Round
from contestapp.domain import ScoringError
from contestapp.entrants.models import Entry, EntryStatus
from contestapp.extensions import db
from contestapp.i18n import N_, tr
from contestapp.judging.models import Assignment, Recusal, TieDecision
from contestapp.judging.common import judge_code
from contestapp.judging.grid import Grid, marks_grid
from contestapp.results import engine
from contestapp.results.aggregate import event_spec
from contestapp.results.inputs import entry_inputs


def round_grid(rnd: Round, view: str = "") -> Grid:
    """The chief judge's marks grid of a round (`grid.marks_grid`) over the results area's inputs: the submitted
    sheets' marks as the results engine reads them, scored by the one engine in `contestapp.domain`."""
    try:
        spec = event_spec(rnd.event)
    except (DefinitionFileError, AssertionError):
        return marks_grid(rnd, view, note=_("竞赛定义有误，无法计算合议分"))
    rspec = spec.round(rnd.code)
    if rspec is None:
        return marks_grid(rnd, view, note=_("竞赛定义有误，无法计算合议分"))
    return marks_grid(rnd, view, rspec, entry_inputs(rnd.event, spec, round_codes=[rnd.code]))


def rule_text(rule) -> str:
    """A panel rule in the page's language: in Chinese exactly `PanelRule.describe()` (the domain's text, which
    explanations keep); tests/test_english_locale.py checks the two agree."""
    if rule.aggregate == "trimmed":
        how = _("求和") if rule.reduce == "sum" else _("取平均")
        text = _("去掉%(high)s个最高分和%(low)s个最低分后%(how)s", high=rule.drop_high, low=rule.drop_low, how=how)
    else:
        text = {"mean": _("取平均"), "median": _("取中位数")}[rule.aggregate]
    if rule.places is not None:
        text += _("，保留%(places)s位小数", places=rule.places)
    return text


def panel_effect(rule, assigned: int, recused: int) -> str:
    left = assigned - recused
    if left >= rule.min_judges:
        return _("剩余 %(n)s 名裁判，按规则%(rule)s", n=left, rule=rule_text(rule))
    if rule.fallback == "error":
        return _("剩余 %(n)s 名裁判，少于规则要求的 %(min)s 名：无法计分，须增派裁判", n=left, min=rule.min_judges)
    how = _("平均") if rule.fallback == "mean" else _("中位数")
    extra = (_("再乘以 %(k)s（保持求和的量纲）", k=rule.kept)
             if rule.aggregate == "trimmed" and rule.reduce == "sum" else "")
    return _("剩余 %(n)s 名裁判，少于规则要求的 %(min)s 名：改取剩余评分的%(how)s%(extra)s", n=left,
             min=rule.min_judges, how=how, extra=extra)


def recusal_report(contest: Contest) -> list[dict[str, Any]]:
    """Every recusal of the contest with, per judged round of the entry's event, the panel rule's effect."""
    rows = list(db.session.scalars(select(Recusal).where(Recusal.contest_id == contest.id).order_by(Recusal.id)))
    if not rows:
        return []
    try:
        spec = spec_of(contest)
    except DefinitionFileError:
        spec = None
    assigned: dict[int, set[int]] = defaultdict(set)
    for jid, rid in db.session.execute(select(Assignment.judge_id, Assignment.round_id).where(
            Assignment.contest_id == contest.id)):
        assigned[rid].add(jid)
    recused_by_entry: dict[int, set[int]] = defaultdict(set)
    for r in rows:
        recused_by_entry[r.entry_id].add(r.judge_id)
    out = []
    for r in rows:
        event = r.entry.event
        effects = []
        for rnd in event.rounds:
            if not assigned.get(rnd.id) or r.judge_id not in assigned[rnd.id]:
                continue
            n = len(assigned[rnd.id])
            k = len(recused_by_entry[r.entry_id] & assigned[rnd.id])
            rspec = spec.event(event.code).round(rnd.code) if spec else None
            if rspec is None:
                effects.append(f"{rnd.name}：" + _("%(n)s 名裁判", n=n - k))
                continue
            effects.append(f"{rnd.name}：{panel_effect(rspec.panel, n, k)}")
        out.append({"recusal": r, "code": judge_code(r.entry), "event": event.name, "effects": effects})
    return out


@dataclass
class EventTies:
    """The tie section of an event in the console. Entries are Entry rows; the page names them by `judge_code`."""

    pending: list[tuple[Entry, ...]] = field(default_factory=list)   # ties the chain cannot break, to decide
    # the chief judge's decisions that match no tie now (the tied set changed since): (entries in decided order,
    # reason); not applied, to decide again
    stale: list[tuple[tuple[Entry, ...], str]] = field(default_factory=list)
    incomplete: list[tuple[Entry, str]] = field(default_factory=list)  # active entries without a result yet: why
    note: str | None = None                                          # why ties cannot be computed at all


def event_ties(contest: Contest, event: Event) -> EventTies:
    """Ties in places that may not be shared (排名不并列) the chain cannot break, and the stale decisions, from the
    results engine's ranking (`contestapp.results.engine.ranking`: the same figures as the results pages, teams
    ranked on their members' results included). While an entry has no result yet the ties are held back."""
    try:
        spec = spec_of(contest).event(event.code)
    except DefinitionFileError:
        return EventTies(note=_("竞赛定义有误"))
    if spec is None:
        return EventTies()
    if not spec.unshared_places and db.session.scalar(
            select(TieDecision.id).where(TieDecision.event_id == event.id).limit(1)) is None:
        return EventTies()  # nothing to decide, nothing decided
    try:
        ranking = engine.ranking(event)
    except ScoringError as exc:
        return EventTies(note=_("无法计算成绩：%(why)s", why=tr(exc)))
    entries = {e.id: e for e in db.session.scalars(select(Entry).where(Entry.event_id == event.id))}

    def of(keys) -> tuple[Entry, ...]:
        return tuple(entries[ranking.by_key[k]] for k in keys if ranking.by_key.get(k) in entries)

    out = EventTies(stale=[(of(d.entries), d.reason) for d in ranking.stale_decisions])
    for entry_id, why in ranking.unscored.items():
        e = entries.get(entry_id)
        if e is None or e.status != EntryStatus.ACTIVE:
            continue
        if spec.ranks_members and ranking.entries[entry_id].is_team:
            why = N_("队员成绩尚不完整")  # the engine's reason names the member (name and number): codes only here
        out.incomplete.append((e, tr(why)))
    out.incomplete.sort(key=lambda x: judge_code(x[0]) or "")
    if not out.incomplete:
        out.pending = [of(group) for group in ranking.pending]
    return out


def tie_decisions(event: Event) -> list[tuple[TieDecision, tuple[Entry, ...]]]:
    """The event's recorded tie decisions, oldest first, each with its entries in the decided order."""
    decisions = list(db.session.scalars(select(TieDecision).where(TieDecision.event_id == event.id)
                                        .order_by(TieDecision.decided_at, TieDecision.id)))
    ids = {i for d in decisions for i in d.entry_ids}
    entries = {e.id: e for e in db.session.scalars(select(Entry).where(Entry.id.in_(ids)))} if ids else {}
    return [(d, tuple(entries[i] for i in d.entry_ids if i in entries)) for d in decisions]


