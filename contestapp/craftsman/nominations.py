"""Nominations (推荐表) of a craftsman selection: the unit's form, submission, the eligibility check and the organiser's
decision, the uploaded materials, and who may see a nomination."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contestapp.audit.service import record
from contestapp.auth.models import Role, User
from contestapp.auth.roles import ORGANISER
from contestapp.contests.access import can
from contestapp.common.db import utcnow
from contestapp.contests.models import Contest, ContestMember
from contestapp.craftsman.calls import event_of, nominations_open, rules_of
from contestapp.craftsman.errors import CraftsmanError
from contestapp.craftsman.models import CraftsmanCall, Nomination, NominationFile, NominationStatus, Stage
from contestapp.craftsman.panel import is_recused
from contestapp.domain.eligibility import Candidate, EligibilityReport, check_eligibility
from contestapp.domain.idcard import IdNumberError, parse_id_number
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.i18n import N_, Message, joined, said, stored
from contestapp.judging.models import Recusal
from contestapp.judging.assignments import is_recused as judging_recused
from contestapp.judging.common import judge_code


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
        raise CraftsmanError(Message(N_("推荐表还缺少：%(fields)s"), fields=tuple(missing)))
    resubmitted = nomination.status == NominationStatus.RETURNED
    nomination.status = NominationStatus.SUBMITTED
    nomination.submitted_at = now or utcnow()
    nomination.check_results = kept_checks(run_checks(call, nomination))
    record(actor, "craftsman.nomination.submit", nomination, contest_id=nomination.contest_id,
           summary=f"{'重新' if resubmitted else ''}提交推荐：{nomination.name}")


def candidate_of(n: Nomination) -> Candidate:
    return Candidate(n.birth_date, n.years_in_trade, n.vocational_level, n.employer_type, n.front_line, n.honours or "")


def run_checks(call: CraftsmanCall, nomination: Nomination) -> EligibilityReport:
    return check_eligibility(rules_of(call), candidate_of(nomination), call.reference_date)


def kept_checks(report: EligibilityReport) -> list[dict[str, Any]]:
    """The checks as kept with the nomination: each reason in Chinese and as a message (`stored`, shown in the
    reader's language)."""
    return [{**c.__dict__, "reason": str(c.reason), "detail": stored(c.reason)} for c in report.checks]


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
    if decision == "ineligible" and not note:  # the failed checks say why, in the reader's language
        note = joined(map(said, report.reasons)) if report.reasons else ""
    if decision in ("ineligible", "return", "direct") and not note:
        raise CraftsmanError({"ineligible": N_("请填写不符合条件的原因"), "return": N_("请填写退回补充的说明"),
                              "direct": N_("请填写直接认定的依据（如：省级技能大赛一等奖）")}[decision])
    if decision in ("eligible", "direct") and report.eligible is False:
        raise CraftsmanError(Message(N_("自动审查未通过：%(reasons)s"), sep="；", reasons=tuple(map(said, report.reasons))))
    nomination.status = DECISIONS[decision]
    nomination.check_results = kept_checks(report)
    nomination.office_note = str(note)[:1000] if decision in ("ineligible", "return") else None
    nomination.office_note_detail = stored(note) if isinstance(note, Message) and nomination.office_note else None
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
        raise CraftsmanError(Message(N_("文件名“%(name)s”不允许（不能包含路径、“..”或控制字符）"), name=raw[:60]))
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
        raise CraftsmanError(Message(N_("文件超过 %(mb)s MB 的上限"), mb=limit // (1024 * 1024)))
    if not data:
        raise CraftsmanError(N_("文件为空"))
    actual = sniff(data[:16])
    if actual != declared:
        raise CraftsmanError(N_("文件内容与扩展名不符（只接受真实的 PDF、JPG 或 PNG 文件）"))
    if len(nomination.files) >= MAX_FILES:
        raise CraftsmanError(Message(N_("每份推荐表最多上传 %(n)s 个文件"), n=MAX_FILES))
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
    return judging_recused(expert.id, entry.id)


def expert_candidates(contest: Contest, expert: User) -> list[tuple[Nomination, str | None]]:
    """The candidates an expert reviews, with the code the tablet shows (codes are given in nomination order when
    the review starts). A craftsman review is not anonymous: experts must read each candidate's materials, so this
    page shows names next to the codes; the tablet lists codes only, as for every judged round. Recused candidates
    (the unit rule or a conflict declared on the tablet) are left out."""
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
