"""Craftsman selection (工匠评选): the call, nominations and their materials, public votes, named titles.

A selection is a Contest(kind="craftsman") with one event. Candidates accepted into review become Entrants with an
Entry in that event; the experts' marks are ScoreSheets/Marks of the event's rounds (专家评审, 答辩), ranked by the
scoring core. This module only holds what the core has no place for.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contestapp.auth.models import Organisation, User
from contestapp.common.db import Fixed, UTCDateTime, utcnow
from contestapp.domain.idcard import mask_id_number
from contestapp.extensions import db
from contestapp.i18n import N_, Message, kept


class Stage(StrEnum):
    NOMINATION = "nomination"   # 申报
    CHECKING = "checking"       # 资格审查
    REVIEW = "review"           # 专家评审 (and 答辩)
    VOTE = "vote"               # 网络投票
    NAMING = "naming"           # 拟命名名单
    PUBLICITY = "publicity"     # 公示
    NAMED = "named"             # 已命名


STAGE_LABELS = {
    Stage.NOMINATION: N_("申报中"), Stage.CHECKING: N_("资格审查"), Stage.REVIEW: N_("专家评审"),
    Stage.VOTE: N_("网络投票"), Stage.NAMING: N_("拟定名单"), Stage.PUBLICITY: N_("公示中"), Stage.NAMED: N_("已命名"),
}
STAGE_ORDER = list(Stage)


class CraftsmanCall(db.Model):
    """申报通知: one per craftsman contest."""

    __tablename__ = "craftsman_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))            # the title granted, e.g. 江山工匠
    notice: Mapped[str] = mapped_column(Text, default="")       # the call's text
    quota: Mapped[int] = mapped_column(default=10)
    shortlist_size: Mapped[int] = mapped_column(default=15)
    reference_date: Mapped[date] = mapped_column(Date)          # ages are counted on this date
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)     # nominations close
    stage: Mapped[str] = mapped_column(String(20), default=Stage.NOMINATION)
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # EligibilityRules fields
    targets: Mapped[list[Any]] = mapped_column(JSON, default=list)           # Target fields
    vote_enabled: Mapped[bool] = mapped_column(default=False)
    vote_weight: Mapped[Decimal] = mapped_column(Fixed, default=Decimal(0))
    publicity_days: Mapped[int] = mapped_column(default=5)
    publicity_starts: Mapped[datetime | None] = mapped_column(UTCDateTime)
    publicity_ends: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # what the confirmed list did not meet: `stored` messages (before they were kept so: the Chinese as shown)
    confirmed_warnings: Mapped[list[Any] | None] = mapped_column(JSON)
    named_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest = relationship("Contest")

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(Stage(self.stage), self.stage)

    @property
    def confirmed_warning_messages(self) -> list[Message]:
        """`confirmed_warnings` for `tr`: each kept message, or an older Chinese text as it was written."""
        return [kept(w, None) if isinstance(w, dict) else kept(None, w) for w in self.confirmed_warnings or [] if w]


class NominationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"       # 退回补充
    ELIGIBLE = "eligible"       # 审查通过, in expert review
    INELIGIBLE = "ineligible"   # 不符合条件
    DIRECT = "direct"           # 直接认定


NOMINATION_STATUS_LABELS = {
    NominationStatus.DRAFT: N_("草稿"), NominationStatus.SUBMITTED: N_("已提交"), NominationStatus.RETURNED: N_("退回补充"),
    NominationStatus.ELIGIBLE: N_("审查通过"), NominationStatus.INELIGIBLE: N_("不符合条件"),
    NominationStatus.DIRECT: N_("直接认定"),
}
EMPLOYER_TYPES = (N_("国有企业"), N_("民营企业"), N_("外资企业"), N_("集体企业"), N_("事业单位"), N_("机关"), N_("社会组织"), N_("其他"))


class Nomination(db.Model):
    """A unit's nomination of one candidate (推荐表)."""

    __tablename__ = "craftsman_nominations"
    __table_args__ = (UniqueConstraint("contest_id", "id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    unit_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # the nominating unit
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=NominationStatus.DRAFT, index=True)
    # personal data
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date)
    id_number: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    employer: Mapped[str] = mapped_column(String(200), default="")         # 工作单位
    employer_type: Mapped[str | None] = mapped_column(String(20))          # 单位性质
    job: Mapped[str | None] = mapped_column(String(100))                   # 岗位/职务
    front_line: Mapped[bool | None]                                         # 一线职工
    trade: Mapped[str] = mapped_column(String(100), default="")           # 职业（工种）
    years_in_trade: Mapped[int | None]
    vocational_level: Mapped[str | None] = mapped_column(String(20))
    # achievements
    honours: Mapped[str] = mapped_column(Text, default="")                 # 荣誉与竞赛获奖, one per line
    apprentices: Mapped[int | None]                                         # 带徒人数
    innovations: Mapped[str] = mapped_column(Text, default="")             # 技术创新成果
    patents: Mapped[int | None]                                             # 专利数
    statement: Mapped[str] = mapped_column(Text, default="")               # 主要事迹
    summary: Mapped[str] = mapped_column(String(500), default="")          # 公示/投票用简介
    # office
    check_results: Mapped[list[Any] | None] = mapped_column(JSON)          # automatic checks as last run
    office_note: Mapped[str | None] = mapped_column(String(1000))          # return note / ineligibility reason
    office_note_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # `stored` when the checks wrote it
    direct_reason: Mapped[str | None] = mapped_column(String(500))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entrant_id: Mapped[int | None] = mapped_column(ForeignKey("entrants.id", ondelete="SET NULL"))
    shortlisted: Mapped[bool] = mapped_column(default=False)
    named: Mapped[bool] = mapped_column(default=False)
    final_rank: Mapped[int | None]
    final_score: Mapped[Decimal | None] = mapped_column(Fixed)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit_org: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    files: Mapped[list[NominationFile]] = relationship(back_populates="nomination", cascade="all, delete-orphan",
                                                       order_by="NominationFile.id")

    @property
    def status_label(self) -> str:
        return NOMINATION_STATUS_LABELS.get(NominationStatus(self.status), self.status)

    @property
    def office_note_message(self) -> Message | None:
        """The office's note for `tr`: the failed checks' reasons when the office left it to them (kept as a
        message), else the office's words as written."""
        return kept(self.office_note_detail, self.office_note)

    @staticmethod
    def check_reason(check: dict) -> Message | None:
        """One of `check_results` said for `tr`: its reason kept as a message, else (a check run before reasons
        were kept so) the Chinese text as it was."""
        return kept(check.get("detail"), check.get("reason"))

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else ""

    @property
    def editable(self) -> bool:
        return self.status in (NominationStatus.DRAFT, NominationStatus.RETURNED)

    @property
    def photo(self) -> NominationFile | None:
        return next((f for f in self.files if f.kind == "photo"), None)


class NominationFile(db.Model):
    """An uploaded material (PDF or image), stored under UPLOAD_DIR with a generated name."""

    __tablename__ = "craftsman_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("craftsman_nominations.id", ondelete="CASCADE"),
                                               index=True)
    kind: Mapped[str] = mapped_column(String(20), default="material")  # material / photo
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nomination: Mapped[Nomination] = relationship(back_populates="files")


class VoteCode(db.Model):
    """A one-time code sent by SMS to a voter's phone (stored as keyed hashes, never in clear)."""

    __tablename__ = "craftsman_vote_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    voter: Mapped[str] = mapped_column(String(64), index=True)  # HMAC of the phone number
    code_hash: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64), index=True)
    device: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    used: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Vote(db.Model):
    """One verified person's vote on one day (the unique key lets the database refuse a second one)."""

    __tablename__ = "craftsman_votes"
    __table_args__ = (
        UniqueConstraint("contest_id", "voter", "day"),
        Index("ix_craftsman_votes_contest_address", "contest_id", "address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    nomination_id: Mapped[int] = mapped_column(ForeignKey("craftsman_nominations.id", ondelete="CASCADE"),
                                               index=True)
    voter: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)  # the contest's local day (common.formatting.contest_zone)
    address: Mapped[str] = mapped_column(String(64))
    device: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CraftsmanTitle(db.Model):
    """A title granted at naming (命名), with its certificate serial (工匠称号证书编号)."""

    __tablename__ = "craftsman_titles"
    __table_args__ = (UniqueConstraint("contest_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("craftsman_nominations.id", ondelete="CASCADE"))
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    holder: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nomination: Mapped[Nomination] = relationship()
