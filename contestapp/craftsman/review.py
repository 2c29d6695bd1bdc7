"""The experts' review of a craftsman selection through the scoring core.

Experts score on tablets through the judging flow: starting the review (and the shortlist, for the defence round)
gives every expert of the panel a judging Assignment, whose sheets the tablet lists by entry code. The unit recusal
rule is written as judging Recusal rows, the one record both flows read. Results come from `contestapp.domain`
(score_event, rank) on the contest's own definition (`spec_of`)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Sequence

from sqlalchemy import case, func, select

from contestapp.audit.service import record
from contestapp.auth.models import Role, User
from contestapp.common.db import utcnow
from contestapp.contests.definition import DefinitionFileError, spec_of
from contestapp.contests.models import Contest, Round
from contestapp.contests.signals import member_removed
from contestapp.craftsman.calls import DEFENCE_ROUND, REVIEW_ROUND, event_of, round_of
from contestapp.craftsman.errors import CraftsmanError, PanelTooSmall
from contestapp.craftsman.models import CraftsmanCall, Nomination, NominationStatus, Stage
from contestapp.craftsman.nominations import has_recusal, nominations_of
from contestapp.craftsman.panel import PanelCheck, check_panel, experts_of, is_recused
from contestapp.craftsman.vote import vote_counts
from contestapp.domain import EntryRoundInput, rank, score_event
from contestapp.domain.eligibility import merge_votes
from contestapp.domain.numbers import NumberError, parse_mark, read_decimal
from contestapp.domain.types import ONE
from contestapp.entrants.models import Entrant, Entry, Unit
from contestapp.extensions import db
from contestapp.i18n import N_, Message, said
from contestapp.judging.assignments import assign
from contestapp.judging.common import JudgingError
from contestapp.judging.models import Mark, Recusal, ScoreSheet, SheetStatus, VOID_STATUS
from contestapp.results.inputs import entry_inputs


# --- expert review (the scoring core) ----------------------------------------------------------------------------


def panel_check(call: CraftsmanCall) -> PanelCheck:
    """Each eligible candidate's experts after recusal, against the panel rules of the rounds experts score."""
    contest = db.session.get(Contest, call.contest_id)
    event_of(contest)
    try:
        rules = [r.panel for r in spec_of(contest).events[0].rounds]
    except DefinitionFileError:
        raise CraftsmanError(N_("评选定义有误，请先在竞赛设置中修正")) from None
    return check_panel(contest, nominations_of(contest, NominationStatus.ELIGIBLE), rules)


def start_review(call: CraftsmanCall, actor, acknowledged: bool = False) -> int:
    """Close the eligibility check: every eligible candidate becomes an entrant with an entry in the event (the
    directly recognised are named without review). Returns the number of entries created.

    Refused while recusal leaves a candidate no possible score (PanelTooSmall), or a panel smaller than wanted
    unless `acknowledged` (the organiser confirmed the list of those candidates on the start page)."""
    contest = db.session.get(Contest, call.contest_id)
    if call.stage not in (Stage.NOMINATION, Stage.CHECKING):
        raise CraftsmanError(N_("评审已开始"))
    if round_of(contest, REVIEW_ROUND) is None:
        raise CraftsmanError(Message(N_("评选定义中缺少代码为 %(code)s 的专家评审轮次"), code=REVIEW_ROUND))
    check = panel_check(call)
    if not check.size_ok:
        raise PanelTooSmall(N_("评审专家人数不符合要求，不能开始评审"), check)
    if check.blocked:
        raise PanelTooSmall(N_("回避后有候选人没有足够的评审专家，无法评分，不能开始评审"), check)
    if check.short and not acknowledged:
        raise PanelTooSmall(N_("回避后有候选人的评审专家少于要求人数，请确认后再开始评审"), check)
    pending = [n for n in nominations_of(contest) if n.status == NominationStatus.SUBMITTED]
    if pending:
        raise CraftsmanError(Message(N_("还有 %(n)s 份推荐表未审查"), n=len(pending)))
    event = event_of(contest)
    units: dict[str, Unit] = {u.name: u for u in db.session.scalars(select(Unit).where(Unit.contest_id == contest.id))}
    created = 0
    for n in nominations_of(contest, NominationStatus.ELIGIBLE):
        if n.entrant_id:
            continue
        unit = units.get(n.unit_org.name)
        if unit is None:
            unit = units[n.unit_org.name] = Unit(contest_id=contest.id, name=n.unit_org.name)
            db.session.add(unit)
            db.session.flush()
        entrant = Entrant(contest_id=contest.id, name=n.name, gender=n.gender, birth_date=n.birth_date,
                          id_number=n.id_number, phone=n.phone, unit_id=unit.id, trade=n.trade,
                          vocational_level=n.vocational_level, category="worker" if n.front_line else "manager")
        db.session.add(entrant)
        db.session.flush()
        created += 1
        db.session.add(Entry(event_id=event.id, entrant_id=entrant.id, number=f"GJ-{created:03d}",
                             code=f"GJ{created:03d}"))
        n.entrant_id = entrant.id
    _record_recusals(contest)
    _open_round(contest, REVIEW_ROUND, actor)
    call.stage = Stage.REVIEW
    short = [f"{c.nomination.name}（{len(c.available)} 名）" for c in check.short]
    record(actor, "craftsman.review.start", call, contest_id=contest.id, summary=f"开始专家评审：{created} 名候选人"
           + (f"；已确认回避后专家不足 {check.wanted} 名：{'、'.join(short)}" if short else ""),
           data={"short_panels": {c.nomination.id: len(c.available) for c in check.short}})
    db.session.flush()
    return created


def _open_round(contest: Contest, code: str, actor) -> Round | None:
    """The tablet path: every expert of the panel gets a judging Assignment for the round, which creates their
    (empty) sheets for every coded entry and leaves out the recused pairs (`judging.assignments.assign` ->
    `ensure_sheets`). The craftsman recusal rule is written as judging Recusal rows first (`_record_recusals`), so
    the judging flow and this module read one set of rows; `sync_unit_recusals` skips pairs already recorded."""
    rnd = round_of(contest, code)
    if rnd is None:
        return None
    _record_recusals(contest)
    db.session.flush()
    try:
        for expert in experts_of(contest):
            assign(contest, expert, [rnd], None, actor)
    except JudgingError as exc:
        raise CraftsmanError(exc.message) from None
    return rnd


def _open_defence(contest: Contest, shortlisted_entries: set[int], actor) -> int:
    """The defence round (答辩) is for the shortlisted only. The judging flow has no per-round list of entries
    (`ensure_sheets` creates a sheet for every coded active entry of the event), so the sheets of the candidates
    not shortlisted are voided here (kept, never counted, not listed on the tablet, never recreated since the
    pair has a sheet). A re-made shortlist puts voided, unmarked sheets of newly shortlisted candidates back to
    draft. Returns the number of open defence sheets."""
    rnd = round_of(contest, DEFENCE_ROUND)
    if rnd is None:
        return 0
    marked = set(db.session.scalars(select(ScoreSheet.entry_id).join(Mark, Mark.sheet_id == ScoreSheet.id)
                                    .where(ScoreSheet.round_id == rnd.id)))
    if marked - shortlisted_entries:
        raise CraftsmanError(N_("答辩已有评分，不能再改变入围名单"))
    _open_round(contest, DEFENCE_ROUND, actor)
    recused = set(db.session.execute(select(Recusal.judge_id, Recusal.entry_id)
                                     .where(Recusal.contest_id == contest.id)).all())
    open_sheets = 0
    for sheet in db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == rnd.id)):
        if sheet.entry_id not in shortlisted_entries:
            if sheet.status in (SheetStatus.DRAFT, SheetStatus.RETURNED) and sheet.entry_id not in marked:
                sheet.status, sheet.version = VOID_STATUS, (sheet.version or 0) + 1
        else:
            if sheet.status == VOID_STATUS and sheet.entry_id not in marked \
                    and (sheet.judge_id, sheet.entry_id) not in recused:
                sheet.status, sheet.version = SheetStatus.DRAFT, (sheet.version or 0) + 1
            if sheet.status != VOID_STATUS:
                open_sheets += 1
    db.session.flush()
    return open_sheets


def _record_recusals(contest: Contest) -> None:
    """Write each blocked (expert, entry) pair as a judging Recusal, so the tablet flow refuses it too."""
    db.session.flush()
    existing = set(db.session.execute(select(Recusal.judge_id, Recusal.entry_id)
                                      .where(Recusal.contest_id == contest.id)).all())
    entries = dict(db.session.execute(select(Entry.entrant_id, Entry.id).where(
        Entry.event_id == event_of(contest).id)).all())
    experts = experts_of(contest)
    for n in nominations_of(contest, NominationStatus.ELIGIBLE):
        entry_id = entries.get(n.entrant_id)
        for e in experts:
            if entry_id and (e.id, entry_id) not in existing and is_recused(e, n):
                db.session.add(Recusal(contest_id=contest.id, judge_id=e.id, entry_id=entry_id, source="unit",
                                       reason=N_("与候选人同单位（推荐单位或工作单位），自动回避")))


@dataclass(frozen=True)
class TabletProgress:
    round: str
    expert: User
    submitted: int
    sheets: int


def tablet_progress(contest: Contest) -> list[TabletProgress]:
    """Per round and expert: the sheets the tablet lists (voided ones left out) and how many are submitted."""
    if not contest.events:
        return []
    rounds = {r.id: r for r in event_of(contest).rounds}
    rows = db.session.execute(
        select(ScoreSheet.round_id, ScoreSheet.judge_id, func.count(ScoreSheet.id),
               func.sum(case((ScoreSheet.status == SheetStatus.SUBMITTED.value, 1), else_=0)))
        .where(ScoreSheet.round_id.in_(rounds), ScoreSheet.status != VOID_STATUS)
        .group_by(ScoreSheet.round_id, ScoreSheet.judge_id)).all()
    experts = {e.id: e for e in experts_of(contest)}
    rows = sorted((r for r in rows if r[1] in experts), key=lambda r: (rounds[r[0]].order, r[0], r[1]))
    return [TabletProgress(rounds[rid].name, experts[jid], int(done or 0), int(total)) for rid, jid, total, done in rows]


def entry_of(nomination: Nomination) -> Entry:
    entry = db.session.scalar(select(Entry).where(Entry.entrant_id == nomination.entrant_id))
    if entry is None:
        raise CraftsmanError(Message(N_("%(name)s 不在评审名单中"), name=nomination.name))
    return entry


def record_marks(expert: User, nomination: Nomination, round_code: str, values: dict[str, Decimal],
                 submit: bool = True) -> ScoreSheet:
    """An expert's marks for one candidate in one round, written into the expert's ScoreSheet (the one the judging
    Assignment created) — for marks keyed from paper score sheets and for tests. Experts normally score on the tablet
    through the judging API (/api/v1/assignments, /api/v1/sheets/...), which writes the same sheets. Recused experts
    (the unit rule or any judging Recusal) are refused; a submitted sheet is never overwritten (it needs a return
    with a reason); a voided sheet (a defence sheet of a candidate not shortlisted) is refused."""
    contest = db.session.get(Contest, nomination.contest_id)
    rnd = round_of(contest, round_code)
    if rnd is None:
        raise CraftsmanError(Message(N_("没有轮次 %(code)s"), code=round_code))
    if expert.id not in {e.id for e in experts_of(contest)}:
        raise CraftsmanError(N_("不是本次评选的评审专家"))
    if is_recused(expert, nomination):
        raise CraftsmanError(Message(N_("%(expert)s 与 %(name)s 同单位，须回避"), expert=expert.display_name,
                                     name=nomination.name))
    if round_code == DEFENCE_ROUND and not nomination.shortlisted:
        raise CraftsmanError(N_("只有入围候选人参加答辩"))
    entry = entry_of(nomination)
    if has_recusal(expert, entry):
        raise CraftsmanError(Message(N_("%(expert)s 已回避 %(name)s"), expert=expert.display_name, name=nomination.name))
    spec = next(r for r in spec_of(contest).events[0].rounds if r.code == round_code)
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.entry_id == entry.id,
                                                       ScoreSheet.round_id == rnd.id, ScoreSheet.judge_id == expert.id))
    if sheet is not None and sheet.status == SheetStatus.SUBMITTED:
        raise CraftsmanError(N_("评分表已提交；修改须由组织者退回并说明原因"))
    if sheet is not None and sheet.status not in (SheetStatus.DRAFT, SheetStatus.RETURNED):
        raise CraftsmanError(N_("该评分表已作废"))
    if sheet is None:
        sheet = ScoreSheet(entry_id=entry.id, round_id=rnd.id, judge_id=expert.id, source="tablet")
        db.session.add(sheet)
        db.session.flush()
    criteria = {c.code: c for c in rnd.criteria}
    existing = {m.criterion_id: m for m in sheet.marks}
    for code, value in values.items():
        c, cs = criteria.get(code), spec.criterion(code)
        if c is None or cs is None:
            raise CraftsmanError(Message(N_("没有评分项 %(code)s"), code=code))
        try:
            value = read_decimal(value) if isinstance(value, Decimal) else parse_mark(value)
        except NumberError as exc:
            raise CraftsmanError(Message(N_("%(criterion)s：%(reason)s"), criterion=c.name, reason=said(exc))) from None
        why = cs.check_mark(value)
        if why:
            raise CraftsmanError(Message(N_("%(criterion)s：%(reason)s"), criterion=c.name, reason=said(why)))
        mark = existing.get(c.id)
        if mark is None:
            sheet.marks.append(Mark(criterion_id=c.id, value=value))
        else:
            mark.value = value
    if submit:
        missing = [c.name for c in rnd.criteria if c.id not in {m.criterion_id for m in sheet.marks}]
        if missing:
            raise CraftsmanError(Message(N_("还有评分项未打分：%(names)s"), names="、".join(missing)))
        sheet.status, sheet.submitted_at = SheetStatus.SUBMITTED, utcnow()
    sheet.version = (sheet.version or 0) + 1
    db.session.flush()
    record(expert, "mark.submit" if submit else "mark.save", sheet, contest_id=contest.id,
           summary=f"{expert.display_name} 评分 {nomination.name}（{rnd.name}）",
           data={"values": {k: str(v) for k, v in values.items()}, "round": round_code})
    return sheet


def expert_inputs(contest: Contest, round_codes: Sequence[str], nominations: Sequence[Nomination]):
    """The experts' submitted marks as the domain's inputs (`results.inputs`), keyed by nomination id (as text);
    experts are named by pseudonym (explanations go into the published naming list)."""
    event = event_of(contest)
    by_entrant = {n.entrant_id: n for n in nominations if n.entrant_id}
    nomination_of = {entry_id: str(by_entrant[entrant_id].id) for entry_id, entrant_id in db.session.execute(
        select(Entry.id, Entry.entrant_id).where(Entry.event_id == event.id, Entry.entrant_id.in_(by_entrant)))}
    inputs = entry_inputs(event, spec_of(contest).event(event.code), nomination_of, round_codes,
                          key=nomination_of.__getitem__, judges="expert")
    out: dict[str, list[EntryRoundInput]] = {str(n.id): [] for n in nominations}
    for entry_id, data in inputs.items():
        out[nomination_of[entry_id]] = data
    return out


@dataclass(frozen=True)
class Standing:
    nomination: Nomination
    rank: int
    total: Decimal
    review: Decimal | None
    defence: Decimal | None
    votes: int
    vote_score: Decimal | None
    explanation: str
    tied_with: tuple[str, ...] = ()


def review_standings(call: CraftsmanCall) -> list[Standing]:
    """Ranking of every reviewed candidate on the expert review round alone (for the shortlist)."""
    contest = db.session.get(Contest, call.contest_id)
    event_spec = spec_of(contest).events[0]
    review = event_spec.round(REVIEW_ROUND)
    only_review = replace(event_spec, rounds=(replace(review, weight=ONE),), combine="sum")
    nominations = [n for n in nominations_of(contest, NominationStatus.ELIGIBLE) if n.entrant_id]
    inputs = expert_inputs(contest, [REVIEW_ROUND], nominations)
    incomplete = [n.name for n in nominations if not inputs[str(n.id)]]
    if incomplete:
        raise CraftsmanError(Message(N_("以下候选人还没有专家评分：%(names)s"), names="、".join(incomplete[:10])))
    results = score_event(only_review, inputs)
    by_id = {str(n.id): n for n in nominations}
    return [Standing(by_id[r.entry], r.rank, r.total, r.total, None, 0, None, r.result.explanation.text(), r.tied_with)
            for r in rank(results.values(), only_review.chain)]


def make_shortlist(call: CraftsmanCall, actor) -> list[Standing]:
    """入围: the best `shortlist_size` by review score (a tie across the cut takes every tied candidate)."""
    if call.stage != Stage.REVIEW:
        raise CraftsmanError(N_("只能在专家评审阶段确定入围名单"))
    standings = review_standings(call)
    cut = [s for s in standings if s.rank <= call.shortlist_size]
    cut_ids = {s.nomination.id for s in cut}
    for s in standings:
        s.nomination.shortlisted = s.nomination.id in cut_ids
    contest = db.session.get(Contest, call.contest_id)
    entries = dict(db.session.execute(select(Entry.entrant_id, Entry.id).where(
        Entry.event_id == event_of(contest).id)).all())
    _open_defence(contest, {entries[s.nomination.entrant_id] for s in cut}, actor)
    record(actor, "craftsman.shortlist", call, contest_id=call.contest_id,
           summary=f"确定入围名单 {len(cut)} 人", data={"shortlist": [s.nomination.id for s in cut]})
    return cut


def final_standings(call: CraftsmanCall) -> list[Standing]:
    """Shortlisted candidates ranked on the full event (review and defence by their weights), with the public vote
    merged by the call's weight."""
    contest = db.session.get(Contest, call.contest_id)
    event_spec = spec_of(contest).events[0]
    codes = [r.code for r in event_spec.rounds]
    shortlist = [n for n in nominations_of(contest, NominationStatus.ELIGIBLE) if n.shortlisted]
    if not shortlist:
        raise CraftsmanError(N_("尚未确定入围名单"))
    inputs = expert_inputs(contest, codes, shortlist)
    missing = [n.name for n in shortlist if {i.round for i in inputs[str(n.id)]} != set(codes)]
    if missing:
        raise CraftsmanError(Message(N_("以下入围候选人的评审或答辩评分不全：%(names)s"), names="、".join(missing[:10])))
    results = score_event(event_spec, inputs)
    counts = vote_counts(contest.id) if call.vote_enabled else {}
    top = max(counts.values(), default=0)
    merged, detail = {}, {}
    for key, result in results.items():
        if call.vote_enabled and call.vote_weight:
            m = merge_votes(result.total, counts.get(int(key), 0), top, call.vote_weight, event_spec.places)
            merged[key] = replace(result, total=m.final)
            detail[key] = m
        else:
            merged[key] = result
    by_id = {str(n.id): n for n in shortlist}
    out = []
    for r in rank(merged.values(), event_spec.chain):
        res = results[r.entry]
        m = detail.get(r.entry)
        text = res.explanation.text() + (f"网络投票：{m.detail}\n" if m else "")
        out.append(Standing(by_id[r.entry], r.rank, r.total, _score(res, REVIEW_ROUND), _score(res, DEFENCE_ROUND),
                            counts.get(int(r.entry), 0), m.vote_score if m else None, text, r.tied_with))
    return out


def _score(result, code: str) -> Decimal | None:
    rr = result.round(code)
    return rr.score if rr else None


# --- an expert leaves the panel ----------------------------------------------------------------------------------

@member_removed.connect
def _on_member_removed(contest: Contest, user=None, role: str = "", actor=None, **_kw) -> str | None:
    """An expert removed from a craftsman selection: access ends with the membership (the expert's list, the
    materials and the panel read it); the expert's unsubmitted review and defence sheets are taken back (voided:
    never counted, not listed on the tablet) and reported for reassignment. Submitted marks stay (audited)."""
    if contest.kind != "craftsman" or role != Role.JUDGE or user is None or not contest.events:
        return None
    rounds = [r.id for r in event_of(contest).rounds]
    sheets = list(db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id.in_(rounds),
                                                              ScoreSheet.judge_id == user.id)))
    taken = [s for s in sheets if s.status in (SheetStatus.DRAFT, SheetStatus.RETURNED)]
    for sheet in taken:
        sheet.status, sheet.version = VOID_STATUS, (sheet.version or 0) + 1
    kept = sum(1 for s in sheets if s.status == SheetStatus.SUBMITTED)
    record(actor, "craftsman.expert_removed", contest, contest_id=contest.id,
           summary=f"{user.display_name} 不再担任评审专家：收回未提交的评分表 {len(taken)} 张，已提交的 {kept} 张保留",
           data={"user": user.id, "voided": [s.id for s in taken], "kept": kept})
    if not (taken or kept):
        return None
    return Message(N_("%(name)s 的 %(n)s 张未提交的评分表已收回，待重新分配；已提交的 %(kept)s 张保留"),
                   name=user.display_name, n=len(taken), kept=kept)
