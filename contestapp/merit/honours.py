"""The year of a merit contest: the cumulative ranking, honours by quota with ties settled by the organiser, period
weights, the annual review and the reward table. Never commit."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Iterable

from sqlalchemy import delete, func, select

from contestapp.audit.service import record
from contestapp.contests.models import Contest, Event
from contestapp.domain.merit import HonourRule as HonourSpec, PeriodScore, RankBand, allocate_honours, year_result
from contestapp.domain.numbers import NumberError, parse_mark
from contestapp.domain.ranking import Ranked, rank
from contestapp.domain.types import ZERO
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.i18n import N_, Message, joined
from contestapp.merit.models import AnnualReview, Honour, HonourRule, PeriodStanding, PeriodStatus, RankReward
from contestapp.merit.periods import MeritError, active_entries, periods_of, project_of

DEFAULT_HONOURS = {  # event mode -> [(code, label, quota)]; labels and quotas are edited per contest
    "unit": [("advanced_unit", "先进集体", 3), ("may_day_banner", "推荐五一劳动奖状", 1)],
    "team": [("pioneer_team", "工人先锋号", 2)],
    "individual": [("advanced_person", "先进个人", 10), ("may_day_medal", "推荐五一劳动奖章", 1),
                   ("builder", "建设功臣", 5), ("merit_person", "记功个人", 10)],
}


# --- the year ------------------------------------------------------------------------------------------------------

def year_ranking(contest: Contest, event: Event) -> list[Ranked]:
    """Cumulative ranking of the year: weighted mean of the published periods plus the annual review."""
    project = project_of(contest)
    review_weight = project.review_weight if project else ZERO
    periods = {p.id: p for p in periods_of(contest) if p.status == PeriodStatus.PUBLISHED}
    by_entry: dict[int, list[PeriodScore]] = defaultdict(list)
    for st in db.session.scalars(select(PeriodStanding).where(PeriodStanding.event_id == event.id,
                                                              PeriodStanding.period_id.in_(list(periods)),
                                                              PeriodStanding.score.is_not(None))):
        p = periods[st.period_id]
        by_entry[st.entry_id].append(PeriodScore(p.code, p.name, p.weight, st.score, st.vetoed,
                                                 tuple(st.detail.get("veto") or ())))
    reviews = dict(db.session.execute(select(AnnualReview.entry_id, AnnualReview.score).join(Entry).where(
        Entry.event_id == event.id)).all())
    results = []
    for entry in active_entries(event.id):
        scores = sorted(by_entry.get(entry.id, []), key=lambda s: s.period)
        if not scores and entry.id not in reviews:
            continue
        results.append(year_result(str(entry.id), scores, reviews.get(entry.id), review_weight))
    return rank(results, ())


def ensure_honour_rules(contest: Contest) -> list[HonourRule]:
    rules = list(db.session.scalars(select(HonourRule).where(HonourRule.contest_id == contest.id)
                                    .order_by(HonourRule.order, HonourRule.id)))
    if rules:
        return rules
    order = 0
    for event in contest.events:
        for code, label, quota in _honours_of(event):
            order += 1
            rule = HonourRule(contest_id=contest.id, event_id=event.id, code=f"{event.code}.{code}", label=label,
                              quota=quota, order=order)
            db.session.add(rule)
            rules.append(rule)
    db.session.flush()
    return rules


def _honours_of(event: Event) -> list[tuple[str, str, int]]:
    """The honours the definition names for the event (a title up to a place: 先进集体 to_place 3 = a quota of 3), or
    the defaults for its kind of entrant."""
    titles = [t for t in (event.rules or {}).get("titles") or [] if t.get("to_place") and t.get("name")]
    if titles:
        return [(f"t{i}", t["name"], int(t["to_place"]) - int(t.get("from_place") or 1) + 1)
                for i, t in enumerate(titles, start=1)]
    return DEFAULT_HONOURS.get(event.mode, [])


def assign_honours(contest: Contest, actor) -> list[Honour]:
    """Recompute the year's honour list from the cumulative ranking (vetoed entries excluded)."""
    rules = ensure_honour_rules(contest)
    db.session.execute(delete(Honour).where(Honour.contest_id == contest.id))
    entries = {}
    out = []
    for event in contest.events:
        ranked = year_ranking(contest, event)
        for e in active_entries(event.id):
            entries[e.id] = e
        for rule in [r for r in rules if r.event_id == event.id]:
            grants = allocate_honours(HonourSpec(rule.code, rule.label, rule.quota), ranked)
            settled = _settled_tie(rule, grants)
            for g in grants:
                if settled is not None and g.pending and int(g.entry) not in settled:
                    continue  # the organiser gave this tied place to another
                entry = entries[int(g.entry)]
                total = next(r.total for r in ranked if r.entry == g.entry)
                honour = Honour(contest_id=contest.id, rule_id=rule.id, entry_id=entry.id, year=contest.year,
                                label=rule.label, entrant_name=entry.entrant.name,
                                unit_name=entry.entrant.unit_name or None, rank=g.rank, score=total,
                                pending=g.pending and settled is None)
                db.session.add(honour)
                out.append(honour)
    db.session.flush()
    record(actor, "merit.honours", contest, contest_id=contest.id, summary=f"评定年度荣誉 {len(out)} 项",
           data={"honours": [(h.label, h.entrant_name, h.rank) for h in out]})
    return out


def _settled_tie(rule: HonourRule, grants) -> set[int] | None:
    """The entries the organiser chose for this rule's tie, if the stored decision still fits: the same entries are
    tied at the quota and the same number of places is free. Otherwise None (the tie stays pending)."""
    decision = rule.tie_decision
    if not decision:
        return None
    pending = {int(g.entry) for g in grants if g.pending}
    free = rule.quota - sum(1 for g in grants if not g.pending)
    chosen = {int(i) for i in decision.get("chosen", [])}
    if pending and pending == {int(i) for i in decision.get("among", [])} and len(chosen) == free:
        return chosen
    return None


def pending_ties(contest: Contest) -> dict[int, list[Honour]]:
    """Pending honours (a tie across the quota) by rule id."""
    out: dict[int, list[Honour]] = defaultdict(list)
    for h in db.session.scalars(select(Honour).where(Honour.contest_id == contest.id, Honour.pending.is_(True))
                                .order_by(Honour.rule_id, Honour.rank, Honour.id)):
        out[h.rule_id].append(h)
    return out


def settle_honour_tie(rule: HonourRule, chosen: Iterable[int], reason: str, actor,
                      now: datetime | None = None) -> list[Honour]:
    """Settle a tie across an honour's quota: exactly as many of the tied entries as there are places left get the
    honour, the others are taken off the list. A reason is required; the decision is audited and kept on the rule
    (re-applied when the honours are recomputed with the same tie). Returns the honours granted."""
    reason = (reason or "").strip()
    pending = list(db.session.scalars(select(Honour).where(Honour.rule_id == rule.id, Honour.pending.is_(True))
                                      .order_by(Honour.rank, Honour.id)))
    if not pending:
        raise MeritError(N_("该荣誉没有待确定的并列"))
    granted = db.session.scalar(select(func.count(Honour.id)).where(Honour.rule_id == rule.id,
                                                                     Honour.pending.is_(False))) or 0
    free = rule.quota - granted
    chosen = {int(i) for i in chosen}
    by_entry = {h.entry_id: h for h in pending}
    if not chosen <= set(by_entry):
        raise MeritError(N_("只能在并列的名单中选择"))
    if len(chosen) != free:
        raise MeritError(Message(N_("剩余名额 %(free)s 个，请选择 %(free)s 个（已选 %(n)s 个）"), free=free,
                                 n=len(chosen)))
    if not reason:
        raise MeritError(N_("请填写确定理由"))
    if len(reason) > 500:
        raise MeritError(N_("理由过长（至多 500 字）"))
    out = []
    for entry_id, h in by_entry.items():
        if entry_id in chosen:
            h.pending = False
            out.append(h)
        else:
            db.session.delete(h)
    at = now or datetime.now(timezone.utc)
    rule.tie_decision = {"among": sorted(by_entry), "chosen": sorted(chosen), "reason": reason,
                         "by": getattr(actor, "username", str(actor)), "at": at.isoformat()}
    db.session.flush()
    record(actor, "merit.honour_tie", rule, contest_id=rule.contest_id,
           summary=f"{rule.label}并列确定：{'、'.join(h.entrant_name for h in out)}（理由：{reason}）",
           data={"among": [(h.entry_id, h.entrant_name) for h in pending], "chosen": sorted(chosen),
                 "reason": reason})
    return out


WEIGHT_MAX = Decimal(100)


def save_period_weights(contest: Contest, raw: dict[int, str], actor) -> list[tuple[str, str, str]]:
    """Each period's weight in the year's weighted mean, from the organiser's form (period id -> text). All or
    nothing: every weight a number from 0 to 100 with at most 4 decimals, and not all 0. Audited.
    Returns the changes [(period name, old, new)]."""
    periods = {p.id: p for p in periods_of(contest)}
    problems, new = [], {}
    for pid, text in raw.items():
        period = periods.get(pid)
        if period is None:
            problems.append(Message(N_("未知的考评期 %(id)s"), id=pid))
            continue
        try:
            value = Decimal((text or "").strip())
        except InvalidOperation:
            problems.append(Message(N_("%(period)s：权重须为数字"), period=period.name))
            continue
        if not value.is_finite() or not ZERO <= value <= WEIGHT_MAX:
            problems.append(Message(N_("%(period)s：权重须在 0 到 %(max)s 之间"), period=period.name, max=WEIGHT_MAX))
        elif value != value.quantize(Decimal("0.0001")):
            problems.append(Message(N_("%(period)s：权重至多 4 位小数"), period=period.name))
        else:
            new[pid] = value
    if not problems and periods and all(new.get(pid, p.weight) == ZERO for pid, p in periods.items()):
        problems.append(N_("各考评期权重不能全为 0"))
    if problems:
        raise MeritError(joined(problems))
    changes = []
    for pid, value in new.items():
        period = periods[pid]
        if period.weight != value:
            changes.append((period.name, str(period.weight), str(value)))
            period.weight = value
    if changes:
        db.session.flush()
        record(actor, "merit.period_weights", contest, contest_id=contest.id,
               summary="考评期权重：" + "；".join(f"{n} {a} → {b}" for n, a, b in changes), data={"changes": changes})
    return changes


def review_score(text: str) -> Decimal:
    """The year's review score as the organiser typed it (ASCII or full-width digits)."""
    try:
        return parse_mark(text)
    except NumberError:
        raise MeritError(N_("请输入数字")) from None


def save_review(entry: Entry, score: Decimal, note: str, actor) -> AnnualReview:
    if not ZERO <= score <= Decimal(100):
        raise MeritError(N_("年度考评得分须在 0 到 100 之间"))
    review = db.session.scalar(select(AnnualReview).where(AnnualReview.entry_id == entry.id)) or \
        AnnualReview(entry_id=entry.id, score=score)
    old = review.score if review.id else None
    review.score, review.note = score, note or None
    db.session.add(review)
    db.session.flush()
    record(actor, "merit.annual_review", review, contest_id=entry.entrant.contest_id,
           summary=f"年度考评 {entry.entrant.name}：{old} → {score}")
    return review


def save_rewards(contest: Contest, rows: list[tuple[int, int, str, Decimal, bool]], actor) -> None:
    bands = [RankBand(*row) for row in rows]  # validates
    db.session.execute(delete(RankReward).where(RankReward.contest_id == contest.id))
    for b in bands:
        db.session.add(RankReward(contest_id=contest.id, from_rank=b.from_rank, to_rank=b.to_rank, label=b.label,
                                  amount=b.amount, from_bottom=b.from_bottom))
    db.session.flush()
    record(actor, "merit.rewards", contest, contest_id=contest.id, summary=f"奖惩表 {len(bands)} 行")
