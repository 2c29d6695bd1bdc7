"""The call (申报通知) of a craftsman selection: its rules and targets, its stages, and the event and rounds the
experts score (from the contest's definition file)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from sqlalchemy import select

from contestapp.audit.service import record
from contestapp.common.db import utcnow
from contestapp.contests.models import Contest, Round
from contestapp.craftsman.errors import CraftsmanError
from contestapp.craftsman.models import CraftsmanCall, STAGE_ORDER, Stage
from contestapp.domain.eligibility import EligibilityRules, Target
from contestapp.extensions import db
from contestapp.i18n import N_, Message, said, verbatim

REVIEW_ROUND = "review"
DEFENCE_ROUND = "defence"

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
        raise CraftsmanError(Message(N_("申报条件有误：%(why)s"), why=said(exc))) from None


FRONT_LINE_LABEL = N_("一线职工")


def young_label(max_age: int) -> Message:
    return Message(N_("%(age)s周岁及以下"), age=max_age)


def target_label(target: dict[str, Any]) -> Message:
    """A target's label for `tr`: the call form writes it in Chinese from the target's code (`young_label`,
    FRONT_LINE_LABEL), so a label it wrote is said again as a message; any other label as written."""
    label = str(target.get("label") or "")
    if target.get("code") == "young" and target.get("max_age") is not None:
        mine = young_label(target["max_age"])
        if label == mine:
            return mine
    if target.get("code") == "front" and label == FRONT_LINE_LABEL:
        return Message(FRONT_LINE_LABEL)
    return verbatim(label)


def targets_of_values(data: Iterable[dict[str, Any]]) -> list[Target]:
    try:
        return [Target(t["code"], target_label(t), Decimal(str(t["min_share"])), t.get("max_age"),
                       t.get("front_line")) for t in data]
    except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
        raise CraftsmanError(Message(N_("结构要求有误：%(why)s"), why=said(exc))) from None


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


# --- the contest's event and rounds -----------------------------------------------------------------------------

def event_of(contest: Contest):
    if not contest.events:
        raise CraftsmanError(N_("评选尚未定义评审轮次（请导入工匠评选定义文件）"))
    return contest.events[0]


def round_of(contest: Contest, code: str) -> Round | None:
    return next((r for r in event_of(contest).rounds if r.code == code), None)
