"""Craftsman selection services: call, nominations, materials, eligibility check, expert review, vote, naming.

Services take the acting user and objects, raise `CraftsmanError` (a Chinese message for the user) and never
commit. Scoring goes through the scoring core: experts' marks are ScoreSheets/Marks; results come from
`contestapp.domain` (score_event, rank) on the contest's own definition (`spec_of`).

Experts score on tablets through the judging flow: starting the review (and the shortlist, for the defence round)
gives every expert of the panel a judging Assignment, whose sheets the tablet lists by entry code. The unit recusal
rule is written as judging Recusal rows, the one record both flows read. The naming list's publicity is kept as the
event's results snapshots (see "publicity as results snapshots" below).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from contestapp.audit.service import record
from contestapp.auth.models import Role, User
from contestapp.common.db import utcnow
from contestapp.contests.definition import DefinitionFileError, spec_of
from contestapp.contests.models import Contest, ContestMember, Round
from contestapp.craftsman.models import (
    STAGE_ORDER, CraftsmanCall, CraftsmanTitle, Nomination, NominationFile, NominationStatus, Stage, Vote, VoteCode)
from contestapp.craftsman.panel import PanelCheck, check_panel, experts_of, is_recused, shared_unit
from contestapp.domain import EntryRoundInput, rank, score_event
from contestapp.domain.eligibility import (
    Candidate, EligibilityReport, EligibilityRules, Target, TargetResult, check_eligibility, check_targets,
    find_bursts, merge_votes)
from contestapp.domain.idcard import IdNumberError, parse_id_number
from contestapp.domain.types import ONE
from contestapp.entrants.models import Entrant, Entry, Unit
from contestapp.extensions import db
from contestapp.i18n import N_
from contestapp.judging.models import Mark, ScoreSheet, SheetStatus
from contestapp.results.inputs import entry_inputs

ZONE = ZoneInfo("Asia/Shanghai")
REVIEW_ROUND = "review"
DEFENCE_ROUND = "defence"


class CraftsmanError(ValueError):
    """A refused action; the message is Chinese, for the user."""


class RateLimited(CraftsmanError):
    pass


# --- call --------------------------------------------------------------------------------------------------------

def call_of(contest: Contest) -> CraftsmanCall | None:
    return db.session.scalar(select(CraftsmanCall).where(CraftsmanCall.contest_id == contest.id))


def require_call(contest: Contest) -> CraftsmanCall:
    call = call_of(contest)
    if call is None:
        raise CraftsmanError(N_("尚未发布申报通知"))
    return call


def save_call(contest: Contest, values: dict[str, Any], actor) -> CraftsmanCall:
    """Create or update the call. `values`: title, notice, quota, shortlist_size, reference_date, deadline,
    eligibility (dict of EligibilityRules fields), targets (list of Target fields), vote_enabled, vote_weight,
    publicity_days."""
    if contest.kind != "craftsman":
        raise CraftsmanError(N_("只有工匠评选可以发布申报通知"))
    rules_of_values(values.get("eligibility") or {})  # refuse bad rules early
    targets_of_values(values.get("targets") or [])
    if values["quota"] < 1 or values["shortlist_size"] < values["quota"]:
        raise CraftsmanError(N_("名额须至少为 1，入围人数不能少于名额"))
    weight = Decimal(str(values.get("vote_weight") or 0))
    if not Decimal(0) <= weight < 1:
        raise CraftsmanError(N_("投票权重须在 0 到 1 之间（不含 1）"))
    call = call_of(contest)
    if call is None:
        call = CraftsmanCall(contest_id=contest.id)
        db.session.add(call)
    for key in ("title", "notice", "quota", "shortlist_size", "reference_date", "deadline", "eligibility",
                "targets", "vote_enabled", "publicity_days"):
        if key in values:
            setattr(call, key, values[key])
    call.vote_weight = weight
    db.session.flush()
    record(actor, "craftsman.call.save", call, contest_id=contest.id, summary=f"保存申报通知：{call.title}",
           data={k: values.get(k) for k in ("quota", "shortlist_size", "deadline", "eligibility", "targets",
                                             "vote_enabled", "vote_weight")})
    return call


def rules_of_values(data: dict[str, Any]) -> EligibilityRules:
    try:
        return EligibilityRules(
            max_age=data.get("max_age"), min_age=data.get("min_age"),
            min_years_in_trade=data.get("min_years_in_trade"), min_level=data.get("min_level") or None,
            employer_types=tuple(data.get("employer_types") or ()),
            front_line_only=bool(data.get("front_line_only")),
            direct_keywords=tuple(data.get("direct_keywords") or ()))
    except (ValueError, TypeError) as exc:
        raise CraftsmanError(f"申报条件有误：{exc}") from None


def targets_of_values(data: Iterable[dict[str, Any]]) -> list[Target]:
    try:
        return [Target(t["code"], t["label"], Decimal(str(t["min_share"])), t.get("max_age"), t.get("front_line"))
                for t in data]
    except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
        raise CraftsmanError(f"结构要求有误：{exc}") from None


def rules_of(call: CraftsmanCall) -> EligibilityRules:
    return rules_of_values(call.eligibility or {})


def targets_of(call: CraftsmanCall) -> list[Target]:
    return targets_of_values(call.targets or [])


def set_stage(call: CraftsmanCall, stage: str, actor) -> None:
    """Move the selection to another stage (the views offer only the next one)."""
    try:
        target = Stage(stage)
    except ValueError:
        raise CraftsmanError(N_("阶段无效")) from None
    if target == Stage.VOTE and not call.vote_enabled:
        raise CraftsmanError(N_("本次评选未开启网络投票"))
    old = call.stage
    call.stage = target
    record(actor, "craftsman.stage", call, contest_id=call.contest_id, summary=f"评选阶段：{old} → {target}")


def next_stage(call: CraftsmanCall) -> Stage | None:
    i = STAGE_ORDER.index(Stage(call.stage))
    for stage in STAGE_ORDER[i + 1:]:
        if stage == Stage.VOTE and not call.vote_enabled:
            continue
        return stage
    return None


def nominations_open(call: CraftsmanCall, now: datetime | None = None) -> bool:
    return call.stage == Stage.NOMINATION and (now or utcnow()) <= call.deadline


# --- nominations -------------------------------------------------------------------------------------------------

NOMINATION_FIELDS = ("name", "id_number", "phone", "employer", "employer_type", "job", "front_line", "trade",
                     "years_in_trade", "vocational_level", "honours", "apprentices", "innovations", "patents",
                     "statement", "summary")
REQUIRED_TO_SUBMIT = {"name": N_("姓名"), "id_number": N_("身份证号"), "employer": N_("工作单位"),
                      "employer_type": N_("单位性质"), "trade": N_("职业（工种）"), "years_in_trade": N_("从业年限"),
                      "vocational_level": N_("职业技能等级"), "statement": N_("主要事迹"), "summary": N_("事迹简介")}


def _unit_org(user: User):
    if user.role not in (Role.UNIT, Role.ADMIN) or user.organisation is None:
        raise CraftsmanError(N_("只有单位账号可以推荐候选人"))
    return user.organisation


def save_nomination(call: CraftsmanCall, unit_user: User, nomination: Nomination | None,
                    values: dict[str, Any], now: datetime | None = None) -> Nomination:
    """Create or edit a draft (or a returned nomination). The ID number is checked and gives birth date and gender."""
    org = _unit_org(unit_user)
    if nomination is None:
        if not nominations_open(call, now):
            raise CraftsmanError(N_("申报已截止"))
        if org.id == db.session.get(Contest, call.contest_id).organisation_id:
            raise CraftsmanError(N_("本账号属于评选的主办单位，不能推荐候选人；请用推荐单位的账号申报（账号的所属单位由管理员设置）"))
    else:
        check_unit_owns(unit_user, nomination)
        if not nomination.editable:
            raise CraftsmanError(N_("推荐表已提交，不能修改"))
        if nomination.status == NominationStatus.DRAFT and not nominations_open(call, now):
            raise CraftsmanError(N_("申报已截止"))
    if not (values.get("name") or "").strip():
        raise CraftsmanError(N_("请填写候选人姓名"))
    try:
        parsed = parse_id_number(values.get("id_number") or "")
    except IdNumberError as exc:
        raise CraftsmanError(str(exc)) from None
    with db.session.no_autoflush:
        dup = db.session.scalar(select(Nomination.id).where(
            Nomination.contest_id == call.contest_id, Nomination.id_number == parsed.number,
            Nomination.id != (nomination.id if nomination is not None and nomination.id else 0)))
    if dup is not None:
        raise CraftsmanError(N_("该身份证号的候选人已被推荐"))
    if nomination is None:
        nomination = Nomination(contest_id=call.contest_id, unit_org_id=org.id, created_by_id=unit_user.id)
        db.session.add(nomination)
    for key in NOMINATION_FIELDS:
        if key in values:
            setattr(nomination, key, values[key])
    nomination.id_number, nomination.birth_date, nomination.gender = parsed.number, parsed.birth_date, parsed.gender
    db.session.flush()
    return nomination


def check_unit_owns(user: User, nomination: Nomination) -> None:
    if user.role != Role.ADMIN and user.organisation_id != nomination.unit_org_id:
        raise CraftsmanError(N_("无权操作其他单位的推荐表"))


def missing_for_submit(nomination: Nomination) -> list[str]:
    missing = [label for key, label in REQUIRED_TO_SUBMIT.items()
               if getattr(nomination, key) in (None, "")]
    if nomination.front_line is None:
        missing.append(N_("是否一线职工"))
    if not any(f.kind == "material" for f in nomination.files):
        missing.append(N_("证明材料（至少一份）"))
    return missing


def submit_nomination(call: CraftsmanCall, nomination: Nomination, actor, now: datetime | None = None) -> None:
    check_unit_owns(actor, nomination)
    if not nomination.editable:
        raise CraftsmanError(N_("推荐表已提交"))
    if nomination.status == NominationStatus.DRAFT and not nominations_open(call, now):
        raise CraftsmanError(N_("申报已截止，不能再提交"))
    if nomination.status == NominationStatus.RETURNED and call.stage not in (Stage.NOMINATION, Stage.CHECKING):
        raise CraftsmanError(N_("资格审查已结束，不能再提交"))
    missing = missing_for_submit(nomination)
    if missing:
        raise CraftsmanError("推荐表还缺少：" + "、".join(missing))
    resubmitted = nomination.status == NominationStatus.RETURNED
    nomination.status = NominationStatus.SUBMITTED
    nomination.submitted_at = now or utcnow()
    nomination.check_results = [c.__dict__ for c in run_checks(call, nomination).checks]
    record(actor, "craftsman.nomination.submit", nomination, contest_id=nomination.contest_id,
           summary=f"{'重新' if resubmitted else ''}提交推荐：{nomination.name}")


def candidate_of(n: Nomination) -> Candidate:
    return Candidate(n.birth_date, n.years_in_trade, n.vocational_level, n.employer_type, n.front_line, n.honours or "")


def run_checks(call: CraftsmanCall, nomination: Nomination) -> EligibilityReport:
    return check_eligibility(rules_of(call), candidate_of(nomination), call.reference_date)


def nominations_of(contest: Contest, status: str | None = None, unit_org_id: int | None = None) -> list[Nomination]:
    q = (select(Nomination).where(Nomination.contest_id == contest.id)
         .options(selectinload(Nomination.files), selectinload(Nomination.unit_org)).order_by(Nomination.id))
    if status:
        q = q.where(Nomination.status == status)
    if unit_org_id is not None:
        q = q.where(Nomination.unit_org_id == unit_org_id)
    return list(db.session.scalars(q))


DECISIONS = {"eligible": NominationStatus.ELIGIBLE, "ineligible": NominationStatus.INELIGIBLE,
             "direct": NominationStatus.DIRECT, "return": NominationStatus.RETURNED}


def decide(call: CraftsmanCall, nomination: Nomination, decision: str, note: str, actor) -> None:
    """The office's eligibility decision: eligible, ineligible (with the reason), direct recognition (with the
    reason) or return for completion (with a note for the unit)."""
    if call.stage not in (Stage.NOMINATION, Stage.CHECKING):
        raise CraftsmanError(N_("资格审查已结束"))
    if decision not in DECISIONS:
        raise CraftsmanError(N_("审查结论无效"))
    if nomination.status in (NominationStatus.DRAFT, NominationStatus.RETURNED):
        raise CraftsmanError(N_("推荐表尚未提交"))
    note = (note or "").strip()
    report = run_checks(call, nomination)
    if decision == "ineligible" and not note:
        note = "；".join(report.reasons)
    if decision in ("ineligible", "return", "direct") and not note:
        raise CraftsmanError({"ineligible": "请填写不符合条件的原因", "return": "请填写退回补充的说明",
                              "direct": "请填写直接认定的依据（如：省级技能大赛一等奖）"}[decision])
    if decision in ("eligible", "direct") and report.eligible is False:
        raise CraftsmanError("自动审查未通过：" + "；".join(report.reasons))
    nomination.status = DECISIONS[decision]
    nomination.check_results = [c.__dict__ for c in report.checks]
    nomination.office_note = note if decision in ("ineligible", "return") else None
    nomination.direct_reason = note if decision == "direct" else None
    nomination.checked_by_id, nomination.checked_at = actor.id if actor else None, utcnow()
    record(actor, f"craftsman.check.{decision}", nomination, contest_id=nomination.contest_id,
           summary=f"资格审查 {nomination.name}：{nomination.status_label}" + (f"（{note}）" if note else ""))


# --- materials ---------------------------------------------------------------------------------------------------

MAGIC = {"pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpeg": (b"\xff\xd8\xff",)}
EXTENSIONS = {".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
MAX_FILES = 20


def max_file_bytes() -> int:
    return int(current_app.config.get("CRAFTSMAN_MAX_FILE_MB", 10) * 1024 * 1024)


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "craftsman"


def check_filename(name: str) -> str:
    """The display name, or CraftsmanError for names that try to leave the folder or hide control characters."""
    raw = name or ""
    if not raw.strip():
        raise CraftsmanError(N_("文件名为空"))
    if ("/" in raw or "\\" in raw or ".." in raw or raw.startswith(".") or ":" in raw
            or any(ord(ch) < 32 or ord(ch) == 127 for ch in raw) or len(raw) > 200):
        raise CraftsmanError(f"文件名“{raw[:60]}”不允许（不能包含路径、“..”或控制字符）")
    return raw


def sniff(head: bytes) -> str | None:
    for kind, prefixes in MAGIC.items():
        if any(head.startswith(p) for p in prefixes):
            return kind
    return None


def store_file(nomination: Nomination, filename: str, stream, actor, kind: str = "material") -> NominationFile:
    """Check and store one upload: the name, the extension AND the content's magic bytes must agree on PDF, PNG or
    JPEG; the size is limited; the file is written under UPLOAD_DIR with a generated name."""
    check_unit_owns(actor, nomination)
    if not nomination.editable:
        raise CraftsmanError(N_("推荐表已提交，不能再上传材料"))
    if kind not in ("material", "photo"):
        raise CraftsmanError(N_("材料类别无效"))
    name = check_filename(filename)
    ext = Path(name).suffix.lower()
    declared = EXTENSIONS.get(ext)
    if declared is None:
        raise CraftsmanError(N_("只接受 PDF、JPG 或 PNG 文件"))
    if kind == "photo" and declared == "pdf":
        raise CraftsmanError(N_("照片须为 JPG 或 PNG 图片"))
    limit = max_file_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise CraftsmanError(f"文件超过 {limit // (1024 * 1024)} MB 的上限")
    if not data:
        raise CraftsmanError(N_("文件为空"))
    actual = sniff(data[:16])
    if actual != declared:
        raise CraftsmanError(N_("文件内容与扩展名不符（只接受真实的 PDF、JPG 或 PNG 文件）"))
    if len(nomination.files) >= MAX_FILES:
        raise CraftsmanError(f"每份推荐表最多上传 {MAX_FILES} 个文件")
    if kind == "photo":
        for old in [f for f in nomination.files if f.kind == "photo"]:
            delete_file(nomination, old, actor)
    stored = f"{uuid.uuid4().hex}{'.jpg' if actual == 'jpeg' else '.' + actual}"
    folder = upload_dir() / str(nomination.contest_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored).write_bytes(data)
    f = NominationFile(kind=kind, original_name=name, stored_name=stored, content_type=CONTENT_TYPES[actual],
                       size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                       uploaded_by_id=getattr(actor, "id", None))
    nomination.files.append(f)
    db.session.flush()
    return f


def file_path(f: NominationFile) -> Path:
    base = (upload_dir() / str(f.nomination.contest_id)).resolve()
    path = (base / f.stored_name).resolve()
    if path.parent != base:  # stored names are generated; this is a second lock on the door
        raise CraftsmanError(N_("文件路径无效"))
    return path


def delete_file(nomination: Nomination, f: NominationFile, actor) -> None:
    check_unit_owns(actor, nomination)
    if not nomination.editable:
        raise CraftsmanError(N_("推荐表已提交，不能删除材料"))
    path = file_path(f)
    nomination.files.remove(f)
    db.session.flush()
    path.unlink(missing_ok=True)


# --- who may see a nomination ------------------------------------------------------------------------------------

def has_recusal(expert: User, entry: Entry) -> bool:
    """A judging Recusal row for the pair: the unit rule written at the start of the review, or a conflict the
    expert declared on the tablet. The one record both flows read."""
    from contestapp.judging.services import is_recused as judging_recused

    return judging_recused(expert.id, entry.id)


def expert_candidates(contest: Contest, expert: User) -> list[tuple[Nomination, str | None]]:
    """The candidates an expert reviews, with the code the tablet shows (codes are given in nomination order when
    the review starts). A craftsman review is not anonymous: experts must read each candidate's materials, so this
    page shows names next to the codes; the tablet lists codes only, as for every judged round. Recused candidates
    (the unit rule or a conflict declared on the tablet) are left out."""
    from contestapp.judging.models import Recusal
    from contestapp.judging.services import judge_code

    recused = set(db.session.scalars(select(Recusal.entry_id).where(Recusal.judge_id == expert.id)))
    entries = {e.entrant_id: e for e in db.session.scalars(select(Entry).where(
        Entry.event_id == event_of(contest).id))} if contest.events else {}
    out = []
    for n in nominations_of(contest, NominationStatus.ELIGIBLE):
        entry = entries.get(n.entrant_id)
        if is_recused(expert, n) or (entry is not None and entry.id in recused):
            continue
        out.append((n, judge_code(entry) if entry is not None else None))
    out.sort(key=lambda pair: (pair[1] is None, pair[1] or "", pair[0].id))
    return out


def may_see_nomination(user: User, nomination: Nomination) -> bool:
    """The nominating unit, the contest's organisers (and admins), and the contest's experts who are not recused."""
    from contestapp.auth.permissions import ORGANISER, can

    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.UNIT:
        return user.organisation_id == nomination.unit_org_id
    contest = db.session.get(Contest, nomination.contest_id)
    if user.role == Role.ORGANISER:
        return can(user, contest, ORGANISER)
    if user.role == Role.JUDGE:
        in_review = nomination.status == NominationStatus.ELIGIBLE
        member = db.session.scalar(select(ContestMember.id).where(
            ContestMember.contest_id == contest.id, ContestMember.user_id == user.id,
            ContestMember.role == Role.JUDGE)) is not None
        if not (in_review and member) or is_recused(user, nomination):
            return False
        entry = db.session.scalar(select(Entry).where(Entry.entrant_id == nomination.entrant_id)) \
            if nomination.entrant_id else None
        return entry is None or not has_recusal(user, entry)
    return False


# --- expert review (the scoring core) ----------------------------------------------------------------------------

def event_of(contest: Contest):
    if not contest.events:
        raise CraftsmanError(N_("评选尚未定义评审轮次（请导入工匠评选定义文件）"))
    return contest.events[0]


def _round(contest: Contest, code: str) -> Round | None:
    return next((r for r in event_of(contest).rounds if r.code == code), None)


class PanelTooSmall(CraftsmanError):
    """The review cannot start (or needs the organiser's confirmation): `check` says for which candidates."""

    def __init__(self, message: str, check: PanelCheck):
        super().__init__(message)
        self.check = check


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
    if _round(contest, REVIEW_ROUND) is None:
        raise CraftsmanError(f"评选定义中缺少代码为 {REVIEW_ROUND} 的专家评审轮次")
    check = panel_check(call)
    if not check.size_ok:
        raise PanelTooSmall(N_("评审专家人数不符合要求，不能开始评审"), check)
    if check.blocked:
        raise PanelTooSmall(N_("回避后有候选人没有足够的评审专家，无法评分，不能开始评审"), check)
    if check.short and not acknowledged:
        raise PanelTooSmall(N_("回避后有候选人的评审专家少于要求人数，请确认后再开始评审"), check)
    pending = [n for n in nominations_of(contest) if n.status == NominationStatus.SUBMITTED]
    if pending:
        raise CraftsmanError(f"还有 {len(pending)} 份推荐表未审查")
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
    (empty) sheets for every coded entry and leaves out the recused pairs (`judging.services.assign` ->
    `ensure_sheets`). The craftsman recusal rule is written as judging Recusal rows first (`_record_recusals`), so
    the judging flow and this module read one set of rows; `sync_unit_recusals` skips pairs already recorded."""
    from contestapp.judging import services as judging

    rnd = _round(contest, code)
    if rnd is None:
        return None
    _record_recusals(contest)
    db.session.flush()
    try:
        for expert in experts_of(contest):
            judging.assign(contest, expert, [rnd], None, actor)
    except judging.JudgingError as exc:
        raise CraftsmanError(exc.message) from None
    return rnd


def _open_defence(contest: Contest, shortlisted_entries: set[int], actor) -> int:
    """The defence round (答辩) is for the shortlisted only. The judging flow has no per-round list of entries
    (`ensure_sheets` creates a sheet for every coded active entry of the event), so the sheets of the candidates
    not shortlisted are voided here (kept, never counted, not listed on the tablet, never recreated since the
    pair has a sheet). A re-made shortlist puts voided, unmarked sheets of newly shortlisted candidates back to
    draft. Returns the number of open defence sheets."""
    from contestapp.judging.models import VOID_STATUS, Recusal

    rnd = _round(contest, DEFENCE_ROUND)
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
    from contestapp.judging.models import Recusal

    db.session.flush()
    existing = set(db.session.execute(select(Recusal.judge_id, Recusal.entry_id)
                                      .where(Recusal.contest_id == contest.id)).all())
    entries = dict(db.session.execute(select(Entry.entrant_id, Entry.id).where(
        Entry.event_id == event_of(contest).id)).all())
    experts = experts_of(contest)
    for n in nominations_of(contest, NominationStatus.ELIGIBLE):
        entry_id = entries.get(n.entrant_id)
        for e in experts:
            unit = shared_unit(e, n) if entry_id and (e.id, entry_id) not in existing else None
            if unit is not None:
                db.session.add(Recusal(contest_id=contest.id, judge_id=e.id, entry_id=entry_id, source="unit",
                                       reason=f"评审专家与候选人同属 {unit}"))


@dataclass(frozen=True)
class TabletProgress:
    round: str
    expert: User
    submitted: int
    sheets: int


def tablet_progress(contest: Contest) -> list[TabletProgress]:
    """Per round and expert: the sheets the tablet lists (voided ones left out) and how many are submitted."""
    from sqlalchemy import case

    from contestapp.judging.models import VOID_STATUS

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
        raise CraftsmanError(f"{nomination.name} 不在评审名单中")
    return entry


def record_marks(expert: User, nomination: Nomination, round_code: str, values: dict[str, Decimal],
                 submit: bool = True) -> ScoreSheet:
    """An expert's marks for one candidate in one round, written into the expert's ScoreSheet (the one the judging
    Assignment created) — for marks keyed from paper score sheets and for tests. Experts normally score on the tablet
    through the judging API (/api/v1/assignments, /api/v1/sheets/...), which writes the same sheets. Recused experts
    (the unit rule or any judging Recusal) are refused; a submitted sheet is never overwritten (it needs a return
    with a reason); a voided sheet (a defence sheet of a candidate not shortlisted) is refused."""
    contest = db.session.get(Contest, nomination.contest_id)
    rnd = _round(contest, round_code)
    if rnd is None:
        raise CraftsmanError(f"没有轮次 {round_code}")
    if expert.id not in {e.id for e in experts_of(contest)}:
        raise CraftsmanError(N_("不是本次评选的评审专家"))
    if is_recused(expert, nomination):
        raise CraftsmanError(f"{expert.display_name} 与 {nomination.name} 同单位，须回避")
    if round_code == DEFENCE_ROUND and not nomination.shortlisted:
        raise CraftsmanError(N_("只有入围候选人参加答辩"))
    entry = entry_of(nomination)
    if has_recusal(expert, entry):
        raise CraftsmanError(f"{expert.display_name} 已回避 {nomination.name}")
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
            raise CraftsmanError(f"没有评分项 {code}")
        why = cs.check_mark(Decimal(value))
        if why:
            raise CraftsmanError(f"{c.name}：{why}")
        mark = existing.get(c.id)
        if mark is None:
            sheet.marks.append(Mark(criterion_id=c.id, value=Decimal(value)))
        else:
            mark.value = Decimal(value)
    if submit:
        missing = [c.name for c in rnd.criteria if c.id not in {m.criterion_id for m in sheet.marks}]
        if missing:
            raise CraftsmanError("还有评分项未打分：" + "、".join(missing))
        sheet.status, sheet.submitted_at = SheetStatus.SUBMITTED, utcnow()
    sheet.version = (sheet.version or 0) + 1
    db.session.flush()
    record(expert, "mark.submit" if submit else "mark.save", sheet, contest_id=contest.id,
           summary=f"{expert.display_name} 评分 {nomination.name}（{rnd.name}）",
           data={"values": {k: str(v) for k, v in values.items()}, "round": round_code})
    return sheet


def _inputs(contest: Contest, round_codes: Sequence[str], nominations: Sequence[Nomination]):
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
    inputs = _inputs(contest, [REVIEW_ROUND], nominations)
    incomplete = [n.name for n in nominations if not inputs[str(n.id)]]
    if incomplete:
        raise CraftsmanError("以下候选人还没有专家评分：" + "、".join(incomplete[:10]))
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


def vote_counts(contest_id: int) -> dict[int, int]:
    return dict(db.session.execute(select(Vote.nomination_id, func.count(Vote.id))
                                   .where(Vote.contest_id == contest_id).group_by(Vote.nomination_id)).all())


def final_standings(call: CraftsmanCall) -> list[Standing]:
    """Shortlisted candidates ranked on the full event (review and defence by their weights), with the public vote
    merged by the call's weight."""
    contest = db.session.get(Contest, call.contest_id)
    event_spec = spec_of(contest).events[0]
    codes = [r.code for r in event_spec.rounds]
    shortlist = [n for n in nominations_of(contest, NominationStatus.ELIGIBLE) if n.shortlisted]
    if not shortlist:
        raise CraftsmanError(N_("尚未确定入围名单"))
    inputs = _inputs(contest, codes, shortlist)
    missing = [n.name for n in shortlist if {i.round for i in inputs[str(n.id)]} != set(codes)]
    if missing:
        raise CraftsmanError("以下入围候选人的评审或答辩评分不全：" + "、".join(missing[:10]))
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


# --- naming ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Proposal:
    direct: list[Nomination]
    ranked: list[Standing]       # the ranked candidates taken
    rest: list[Standing]         # ranked candidates not taken
    targets: list[TargetResult]
    warnings: list[str]

    @property
    def named(self) -> list[Nomination]:
        return self.direct + [s.nomination for s in self.ranked]


def propose(call: CraftsmanCall) -> Proposal:
    """拟命名名单: the directly recognised first, then the best ranked up to the quota; targets checked."""
    contest = db.session.get(Contest, call.contest_id)
    direct = nominations_of(contest, NominationStatus.DIRECT)
    standings = final_standings(call)
    room = max(call.quota - len(direct), 0)
    taken, rest = standings[:room], standings[room:]
    warnings: list[str] = []
    if len(direct) > call.quota:
        warnings.append(f"直接认定 {len(direct)} 人，已超过名额 {call.quota} 人")
    if taken and rest and rest[0].rank == taken[-1].rank:
        warnings.append(f"第 {taken[-1].rank} 名并列，名额线处须由评审委员会决定")
    named = direct + [s.nomination for s in taken]
    if len(named) < call.quota:
        warnings.append(f"拟命名 {len(named)} 人，少于名额 {call.quota} 人")
    results = check_targets(targets_of(call), [candidate_of(n) for n in named], call.reference_date)
    warnings += [r.message for r in results if not r.met]
    return Proposal(direct, taken, rest, results, warnings)


def confirm_list(call: CraftsmanCall, actor, acknowledged: bool, now: datetime | None = None) -> Proposal:
    """The organiser confirms the proposed list; missed targets must be acknowledged explicitly. Publicity starts."""
    if call.stage not in (Stage.REVIEW, Stage.VOTE, Stage.NAMING):
        raise CraftsmanError(N_("当前阶段不能确定命名名单"))
    if call.vote_enabled and call.stage == Stage.REVIEW:
        raise CraftsmanError(N_("本次评选设有网络投票，请先完成投票"))
    proposal = propose(call)
    if proposal.warnings and not acknowledged:
        raise CraftsmanError("名单有未达到的要求，请确认已知悉后再提交：" + "；".join(proposal.warnings))
    contest_nominations = nominations_of(db.session.get(Contest, call.contest_id))
    chosen = {n.id for n in proposal.named}
    for n in contest_nominations:
        n.named = n.id in chosen
    for s in proposal.ranked + proposal.rest:
        s.nomination.final_rank, s.nomination.final_score = s.rank, s.total
    now = now or utcnow()
    call.confirmed_at, call.confirmed_warnings = now, proposal.warnings
    call.stage = Stage.PUBLICITY
    call.publicity_starts = now
    call.publicity_ends = add_working_days(now, call.publicity_days)
    snap = _record_snapshot(call, "preliminary", _naming_list_data(call, proposal, now), actor, now)
    record(actor, "craftsman.list.confirm", call, contest_id=call.contest_id,
           summary=f"确定拟命名名单 {len(chosen)} 人，公示至 {call.publicity_ends:%Y-%m-%d}（{snap.number}）",
           data={"named": sorted(chosen), "warnings": proposal.warnings, "snapshot": snap.number})
    return proposal


# --- publicity as results snapshots ------------------------------------------------------------------------------
#
# The naming list is published and kept as the event's results snapshots (result_snapshots: numbered, immutable,
# every version readable on the results pages): the publicity list is a preliminary snapshot (P1, P2...), the named
# list the final one (F1). It does not go through `results.services.publish_preliminary`/`finalise`, because that
# workflow publishes the scoring engine's ranking of every active entry on marks alone: the candidates not
# shortlisted have no defence marks (publication is refused), the public vote merge, the direct recognitions (no
# entry, no marks) and the quota cut are not in it, and `finalise` applies the event's awards. So the craftsman call
# keeps its own publicity period (`publicity_starts`/`publicity_ends`, working days to the end of the local day) and
# writes the snapshots itself, numbered as the results workflow numbers them; the results EventResultState is left
# untouched (the scheduler's `end_publicity_if_due` would otherwise try to finalise the marks-only ranking).
# Objections during publicity are the results workflow's appeals on the event (`results.services.lodge_appeal`);
# naming waits until none is pending.

def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _naming_list_data(call: CraftsmanCall, proposal: Proposal, now: datetime) -> dict[str, Any]:
    """The publicised list in the results snapshot's shape (ranking rows with rank, code, name, unit, total, rounds,
    explanation), the directly recognised first (no rank), then the ranked candidates taken."""
    contest = db.session.get(Contest, call.contest_id)
    event = event_of(contest)
    entries = {e.entrant_id: e for e in db.session.scalars(select(Entry).where(Entry.event_id == event.id))}
    rows = []
    for n in proposal.direct:
        rows.append({"rank": None, "entry_id": None, "nomination_id": n.id, "number": None, "code": None,
                     "name": n.name, "unit": n.unit_org.name, "employer": n.employer, "total": None, "time": None,
                     "vetoed": False, "passed": True, "tied_with": [], "decision": "直接认定", "rounds": {},
                     "explanation": f"直接认定：{n.direct_reason or ''}"})
    for st in proposal.ranked:
        n, entry = st.nomination, entries.get(st.nomination.entrant_id)
        rows.append({"rank": st.rank, "entry_id": entry.id if entry else None, "nomination_id": n.id,
                     "number": entry.number if entry else None, "code": entry.code if entry else None,
                     "name": n.name, "unit": n.unit_org.name, "employer": n.employer, "total": _num(st.total),
                     "time": None, "vetoed": False, "passed": True, "tied_with": list(st.tied_with),
                     "decision": None, "rounds": {REVIEW_ROUND: _num(st.review), DEFENCE_ROUND: _num(st.defence)},
                     "votes": st.votes if call.vote_enabled else None, "explanation": st.explanation})
    spec = spec_of(contest).events[0]
    return {
        "contest": {"id": contest.id, "code": contest.code, "name": contest.name},
        "event": {"id": event.id, "code": event.code, "name": event.name},
        "rounds": [{"code": r.code, "name": r.name} for r in spec.rounds],
        "chain": [k.describe() for k in spec.chain],
        "computed_at": now.isoformat(),
        "ranking": rows,
        "withdrawn": [],
        "craftsman": {"title": call.title, "quota": call.quota, "warnings": list(proposal.warnings),
                      "publicity_starts": call.publicity_starts.isoformat() if call.publicity_starts else None,
                      "publicity_ends": call.publicity_ends.isoformat() if call.publicity_ends else None,
                      "vote_weight": str(call.vote_weight) if call.vote_enabled else None},
    }


def _record_snapshot(call: CraftsmanCall, kind: str, data: dict[str, Any], actor, now: datetime):
    """A new effective snapshot of the selection's event, numbered `<contest>/<event>/P<n>` or `F<n>` as the results
    workflow numbers its own (the unique (event, kind, version) arbitrates two concurrent publications)."""
    from contestapp.results.models import ResultSnapshot, SnapshotKind

    contest = db.session.get(Contest, call.contest_id)
    event = event_of(contest)
    kind = SnapshotKind(kind)
    version = (db.session.scalar(select(func.max(ResultSnapshot.version)).where(
        ResultSnapshot.event_id == event.id, ResultSnapshot.kind == kind)) or 0) + 1
    letter = "P" if kind == SnapshotKind.PRELIMINARY else "F"
    snap = ResultSnapshot(event_id=event.id, kind=kind, version=version, status="effective",
                          number=f"{contest.code}/{event.code}/{letter}{version}", data=data, reason=None,
                          created_by_id=getattr(actor, "id", None), created_at=now)
    db.session.add(snap)
    db.session.flush()
    record(actor, "results.publish" if letter == "P" else "results.finalise", snap, contest_id=contest.id,
           summary=f"{event.name}：{'公示' if letter == 'P' else '命名'}名单 {snap.number}")
    return snap


def publicity_snapshots(contest: Contest) -> list:
    """Every published version of the naming list (the event's results snapshots), oldest first."""
    from contestapp.results.models import ResultSnapshot

    if not contest.events:
        return []
    return list(db.session.scalars(select(ResultSnapshot).where(ResultSnapshot.event_id == event_of(contest).id)
                                   .order_by(ResultSnapshot.created_at, ResultSnapshot.id)))


def current_publicity_snapshot(contest: Contest):
    from contestapp.results.models import SnapshotKind

    snaps = [s for s in publicity_snapshots(contest) if s.kind == SnapshotKind.PRELIMINARY and s.status == "effective"]
    return snaps[-1] if snaps else None


def pending_objections(contest: Contest) -> int:
    """Objections lodged during publicity (the results workflow's appeals on the event) not yet decided."""
    from contestapp.results.services import pending_appeals

    return pending_appeals(event_of(contest)) if contest.events else 0


def add_working_days(start: datetime, days: int) -> datetime:
    """End of the publicity period: `days` working days (Mon–Fri) after `start`, at the end of that local day."""
    local = start.astimezone(ZONE)
    d, left = local.date(), days
    while left > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            left -= 1
    return datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=ZONE)


def name_titles(call: CraftsmanCall, actor, now: datetime | None = None) -> list[CraftsmanTitle]:
    """命名: after publicity, each named candidate receives the title with a numbered certificate serial."""
    now = now or utcnow()
    if call.stage != Stage.PUBLICITY:
        raise CraftsmanError(N_("须先确定名单并完成公示"))
    if call.publicity_ends and now < call.publicity_ends:
        raise CraftsmanError(f"公示期至 {call.publicity_ends.astimezone(ZONE):%Y-%m-%d %H:%M}，公示结束后才能命名")
    contest = db.session.get(Contest, call.contest_id)
    pending = pending_objections(contest)
    if pending:
        raise CraftsmanError(f"公示期间收到的 {pending} 件异议尚未处理，处理后才能命名")
    published = current_publicity_snapshot(contest)
    named = [n for n in nominations_of(contest) if n.named]
    named.sort(key=lambda n: (n.status != NominationStatus.DIRECT, n.final_rank or 0, n.id))
    titles = []
    for i, n in enumerate(named, 1):
        t = CraftsmanTitle(contest_id=contest.id, nomination_id=n.id, serial=f"GJ{contest.year or now.year}"
                           f"{contest.id:03d}{i:03d}", holder=n.name, unit=n.employer or n.unit_org.name,
                           title=call.title)
        db.session.add(t)
        titles.append(t)
    call.stage, call.named_at = Stage.NAMED, now
    db.session.flush()
    if published is not None:  # the named list = the publicised list, kept as the final snapshot with the serials
        serials = {t.nomination_id: t.serial for t in titles}
        data = dict(published.data)
        data["computed_at"] = now.isoformat()
        data["ranking"] = [dict(row, serial=serials.get(row.get("nomination_id"))) for row in data["ranking"]]
        data["craftsman"] = dict(data.get("craftsman") or {}, named_at=now.isoformat(), publicity=published.number)
        _record_snapshot(call, "final", data, actor, now)
    for t in titles:
        record(actor, "certificate.title", t, contest_id=contest.id, summary=f"命名 {t.holder} 为“{t.title}”，证书 {t.serial}")
    _issue_certificates(contest, titles, actor)
    return titles


def _issue_certificates(contest: Contest, titles: Sequence[CraftsmanTitle], actor) -> None:
    """Register the title certificates with the certificate issue, keeping the serials given at naming, so that
    /verify/<serial> finds them and reprints, revocation and batches work as for every certificate."""
    from contestapp.certificates import services as certs

    if not titles:
        return
    by_id = {n.id: n for n in nominations_of(contest)}
    certs.issue(contest, [certs.CertificateRequest(
        holder=t.holder, award=t.title, kind="craftsman", id_number=by_id[t.nomination_id].id_number,
        entrant_id=by_id[t.nomination_id].entrant_id, unit=t.unit, rank=i, serial=t.serial, source="craftsman",
        fields={"title": t.title, "unit": t.unit}) for i, t in enumerate(titles, 1)], actor=actor)


def titles_of(contest: Contest) -> list[CraftsmanTitle]:
    return list(db.session.scalars(select(CraftsmanTitle).where(CraftsmanTitle.contest_id == contest.id)
                                   .order_by(CraftsmanTitle.serial)))


def certificate_records(contest: Contest):
    """One CertificateData per title, from the certificate issue's records (same serials and signed links)."""
    from contestapp.certificates import services as certs
    from contestapp.certificates.models import Certificate

    serials = [t.serial for t in titles_of(contest)]
    rows = {c.serial: c for c in db.session.scalars(select(Certificate).where(Certificate.serial.in_(serials)))}
    setup = certs.setup_of(contest)
    return [certs.certificate_data(rows[s], contest, setup) for s in serials if s in rows]


def render_certificates(contest: Contest, out) -> int:
    """All title certificates of a contest in one PDF (layout `craftsman`); returns the page count."""
    from contestapp.certificates.render import render_batch

    records = certificate_records(contest)
    if not records:
        raise CraftsmanError(N_("还没有命名，无法生成证书"))
    return render_batch("craftsman", records, out, title=f"{contest.name} 工匠称号证书").pages


# --- public vote -------------------------------------------------------------------------------------------------

def _hash(kind: str, value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def local_day(at: datetime) -> date:
    return at.astimezone(ZONE).date()


def vote_open(call: CraftsmanCall) -> bool:
    return call.vote_enabled and call.stage == Stage.VOTE


def check_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "")
    if len(phone) != 11 or not phone.isdigit() or phone[0] != "1":
        raise CraftsmanError(N_("请输入 11 位手机号码"))
    return phone


def request_code(call: CraftsmanCall, phone: str, address: str, device: str, now: datetime | None = None) -> None:
    """Send a one-time code by SMS; limited per phone (1 a minute), per address and per device (an hour)."""
    from contestapp.craftsman.sms import SmsError, get_sender

    if not vote_open(call):
        raise CraftsmanError(N_("投票未开放"))
    phone = check_phone(phone)
    now = now or utcnow()
    voter = _hash("phone", phone)
    hour = now - timedelta(hours=1)
    recent = select(func.count(VoteCode.id)).where(VoteCode.contest_id == call.contest_id)
    if db.session.scalar(recent.where(VoteCode.voter == voter, VoteCode.created_at > now - timedelta(seconds=60))):
        raise RateLimited("验证码已发送，请 1 分钟后再试")
    if db.session.scalar(recent.where(VoteCode.address == address, VoteCode.created_at > hour)) >= _setting(
            "CRAFTSMAN_CODES_PER_ADDRESS_HOUR", 30):
        raise RateLimited("此网络获取验证码过于频繁，请稍后再试")
    if device and db.session.scalar(recent.where(VoteCode.device == device, VoteCode.created_at > hour)) >= _setting(
            "CRAFTSMAN_CODES_PER_DEVICE_HOUR", 5):
        raise RateLimited("此设备获取验证码过于频繁，请稍后再试")
    code = f"{secrets.randbelow(10 ** 6):06d}"
    db.session.add(VoteCode(contest_id=call.contest_id, voter=voter, code_hash=_hash("code", voter + code),
                            address=address, device=device, created_at=now, expires_at=now + timedelta(minutes=10)))
    db.session.flush()
    try:
        get_sender().send(phone, f"您的投票验证码为 {code}，10 分钟内有效。如非本人操作请忽略。")
    except SmsError as exc:
        raise CraftsmanError(str(exc)) from None


def cast_vote(call: CraftsmanCall, nomination: Nomination, phone: str, code: str, address: str, device: str,
              now: datetime | None = None) -> Vote:
    """One vote per verified phone per day; limited per address and per device per day."""
    if not vote_open(call):
        raise CraftsmanError(N_("投票未开放"))
    if nomination.contest_id != call.contest_id or not nomination.shortlisted:
        raise CraftsmanError(N_("该候选人不在投票名单中"))
    phone = check_phone(phone)
    now = now or utcnow()
    voter = _hash("phone", phone)
    vc = db.session.scalar(select(VoteCode).where(
        VoteCode.contest_id == call.contest_id, VoteCode.voter == voter, VoteCode.used.is_(False),
        VoteCode.expires_at > now).order_by(VoteCode.id.desc()).limit(1))
    if vc is None:
        raise CraftsmanError(N_("请先获取验证码（验证码 10 分钟内有效）"))
    if vc.attempts >= 5:
        raise CraftsmanError(N_("验证码错误次数过多，请重新获取"))
    if not hmac.compare_digest(vc.code_hash, _hash("code", voter + (code or "").strip())):
        vc.attempts += 1
        raise CraftsmanError(N_("验证码错误"))
    day = local_day(now)
    start = datetime(day.year, day.month, day.day, tzinfo=ZONE)
    today = select(func.count(Vote.id)).where(Vote.contest_id == call.contest_id, Vote.at >= start)
    if db.session.scalar(today.where(Vote.address == address)) >= _setting("CRAFTSMAN_VOTES_PER_ADDRESS_DAY", 200):
        raise RateLimited("此网络今日投票次数已达上限")
    if device and db.session.scalar(today.where(Vote.device == device)) >= _setting(
            "CRAFTSMAN_VOTES_PER_DEVICE_DAY", 5):
        raise RateLimited("此设备今日投票次数已达上限")
    vote = Vote(contest_id=call.contest_id, nomination_id=nomination.id, voter=voter, day=day, address=address,
                device=device, at=now)
    try:
        with db.session.begin_nested():  # the unique key (contest, voter, day) arbitrates concurrent votes
            db.session.add(vote)
    except IntegrityError:
        raise CraftsmanError(N_("您今天已经投过票了，请明天再来")) from None
    vc.used = True
    return vote


def suspicious(call: CraftsmanCall) -> dict[str, Any]:
    """What the organiser should look at: bursts from one address, and the busiest addresses and devices."""
    rows = db.session.execute(select(Vote.address, Vote.at).where(Vote.contest_id == call.contest_id)).all()
    window = timedelta(minutes=_setting("CRAFTSMAN_BURST_MINUTES", 10))
    bursts = find_bursts(rows, window, _setting("CRAFTSMAN_BURST_VOTES", 20))
    by_address = db.session.execute(
        select(Vote.address, func.count(Vote.id), func.count(func.distinct(Vote.nomination_id)))
        .where(Vote.contest_id == call.contest_id).group_by(Vote.address)
        .order_by(func.count(Vote.id).desc()).limit(10)).all()
    return {"bursts": bursts, "addresses": by_address, "window": window}
