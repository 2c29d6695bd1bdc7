"""Score sheets and marks: the raw data every result is computed from.

A score sheet (评分表) is one judge's marks for one entry in one round. Its marks are never overwritten silently:
once submitted the sheet is locked, and a change needs an explicit return (退回) with a reason; every change of a
mark is written to the audit log. Results are always recomputed from these rows; nothing stores partial sums.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask import current_app
from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contestapp.auth.models import User
from contestapp.common.db import Fixed, UTCDateTime, utcnow
from contestapp.contests.finality import watch
from contestapp.contests.models import Criterion, Round
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.i18n import N_, Message, kept, verbatim


class SheetStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"


SHEET_STATUS_LABELS = {SheetStatus.DRAFT: "草稿", SheetStatus.SUBMITTED: "已提交", SheetStatus.RETURNED: "已退回"}


class ScoreSheet(db.Model):
    __tablename__ = "score_sheets"
    __table_args__ = (
        UniqueConstraint("entry_id", "round_id", "judge_id"),
        # a round's sheets (its first column), and the sheet progress the big screen and the analytics page count
        # per (round, judge, status) read from the index alone, in its order
        Index("ix_score_sheets_round_judge_status", "round_id", "judge_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=SheetStatus.DRAFT)
    version: Mapped[int] = mapped_column(default=1)  # bumped on every change; a stale tablet is detected by it
    source: Mapped[str] = mapped_column(String(20), default="tablet")  # tablet / paper (marks import)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_reason: Mapped[str | None] = mapped_column(String(500))  # in Chinese, or as the chief judge wrote it
    returned_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # `stored` when the system wrote the reason
    signature: Mapped[str | None] = mapped_column(String(64))  # sha256 of judge, sheet and marks at submission
    device: Mapped[str | None] = mapped_column(String(200))  # the device that submitted
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    entry: Mapped[Entry] = relationship()
    round: Mapped[Round] = relationship()
    judge: Mapped[User] = relationship()
    marks: Mapped[list[Mark]] = relationship(back_populates="sheet", cascade="all, delete-orphan")

    @property
    def returned_message(self) -> Message | None:
        """Why the sheet was returned, for `tr`: the system's message (a withdrawal approved), else the chief
        judge's words as written."""
        return kept(self.returned_detail, self.returned_reason)


class Mark(db.Model):
    """One judge's mark for one criterion of one entry (评分)."""

    __tablename__ = "marks"
    __table_args__ = (
        UniqueConstraint("sheet_id", "criterion_id"),
        # covering index for ranking: a round's marks grouped by entry and criterion in one ordered range scan
        # (no join to score_sheets, no sort); entry_id and round_id are copies of the sheet's (never change)
        Index("ix_marks_round_entry_criterion_value", "round_id", "entry_id", "criterion_id", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    # Copies of the sheet's entry and round (a sheet never changes them), so ranking reads marks alone. Set by the
    # before_insert listener below for ORM writes and explicitly by raw inserts. No foreign keys: the sheet's already
    # cascades, and an extra check per inserted mark would cost the judging write path for nothing.
    entry_id: Mapped[int]
    round_id: Mapped[int]
    value: Mapped[Decimal] = mapped_column(Fixed)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sheet: Mapped[ScoreSheet] = relationship(back_populates="marks")
    criterion: Mapped[Criterion] = relationship()


@event.listens_for(Mark, "before_insert")
def _mark_copies_sheet_keys(mapper, connection, target: Mark) -> None:
    """ORM writers append marks to `sheet.marks`: copy the sheet's entry and round onto the mark."""
    if target.entry_id is None or target.round_id is None:
        sheet = target.sheet
        if sheet is not None and sheet.entry_id is not None and sheet.round_id is not None:
            target.entry_id, target.round_id = sheet.entry_id, sheet.round_id
        else:
            sheets = ScoreSheet.__table__
            row = connection.execute(select(sheets.c.entry_id, sheets.c.round_id)
                                     .where(sheets.c.id == target.sheet_id)).one()
            target.entry_id, target.round_id = row.entry_id, row.round_id


class EntryRound(db.Model):
    """Per entry and round facts that are not a judge's mark: difficulty multiplier (难度系数) and time (用时)."""

    __tablename__ = "entry_rounds"
    __table_args__ = (UniqueConstraint("entry_id", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    multiplier: Mapped[Decimal | None] = mapped_column(Fixed)
    time: Mapped[Decimal | None] = mapped_column(Fixed)  # seconds



class MarkNote(db.Model):
    """Why a mark was given, where the contest's kind asks for it (`judging.notes`): the reason for an assessor's
    deduction, bonus, adjustment or veto, with the notice's number (文号). The table keeps the name it was created with
    in the merit area."""

    __tablename__ = "merit_mark_notes"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(String(500))
    document_no: Mapped[str | None] = mapped_column(String(100))  # 文号 of a 通报批评 / 表扬

# --- judging workflow: draws, login cards, assignments, recusals, idempotent writes, sign-off, decryption --------

VOID_STATUS = "void"  # a sheet voided by a recusal declared after marks were entered (never counted)
SHEET_STATUS_LABELS_EXTRA = {"not_started": "未开始", VOID_STATUS: "已作废"}


class LotDraw(db.Model):
    """One lot drawing (抽签) of an event: the seed makes it reproducible; `lots` keeps what it gave."""

    __tablename__ = "lot_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(20), default="seeded")  # seeded / manual (hand-drawn, imported)
    seed: Mapped[str | None] = mapped_column(String(40))  # a 63-bit integer, kept as text (exact everywhere)
    levels: Mapped[int] = mapped_column(default=1)
    workstations: Mapped[int | None]
    lots: Mapped[list] = mapped_column(JSON, default=list)  # [{entry_id, workstation, code, code2}]
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    witnesses: Mapped[str | None] = mapped_column(String(300))

    drawn_by: Mapped[User | None] = relationship()


CARD_PIN_PURPOSE = b"contestapp judge card pin v1:"


def card_pin(code: str) -> str:
    """The 6-digit PIN of the card `code`: derived from SECRET_KEY and the code, never stored, so the database alone
    does not let anyone log in, yet the card can be reprinted any time. A new SECRET_KEY gives every card a new PIN
    (the printed cards must then be reissued)."""
    key = current_app.config["SECRET_KEY"]
    digest = hmac.new(key.encode() if isinstance(key, str) else key, CARD_PIN_PURPOSE + code.encode(),
                      hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10 ** 6:06d}"


class JudgeCard(db.Model):
    """A judge's login card: a QR code (code and PIN) or the code and PIN typed in; valid on the contest days only.
    The PIN is `card_pin(code)`; only cards issued before PINs were derived keep theirs in `legacy_pin`."""

    __tablename__ = "judge_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # printed on the card, e.g. K7QM3F9A
    # the PIN stored in clear by versions before derived PINs, kept so those printed cards still work; NULL for
    # every card issued since
    legacy_pin: Mapped[str | None] = mapped_column(String(8))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    judge: Mapped[User] = relationship(foreign_keys=[judge_id])

    @property
    def pin(self) -> str:
        """The PIN printed on the card (needs an app context for SECRET_KEY)."""
        return self.legacy_pin or card_pin(self.code)


class Assignment(db.Model):
    """A judge assigned to a round of an event, optionally to a group of its criteria (codes; empty = all)."""

    __tablename__ = "judge_assignments"
    __table_args__ = (UniqueConstraint("judge_id", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    criteria: Mapped[list | None] = mapped_column(JSON)  # criterion codes, None = every criterion
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    judge: Mapped[User] = relationship()
    round: Mapped[Round] = relationship()


class Recusal(db.Model):
    """A judge blocked from an entry (回避): automatically (same unit) or declared with a reason."""

    __tablename__ = "recusals"
    __table_args__ = (UniqueConstraint("judge_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # unit / declared
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    judge: Mapped[User] = relationship()
    entry: Mapped[Entry] = relationship()


class MarkWrite(db.Model):
    """One accepted write of marks, keyed by the client's Idempotency-Key: a retry gets the same answer back."""

    __tablename__ = "mark_writes"
    __table_args__ = (UniqueConstraint("judge_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(80))
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))  # of the request body: the same key with another body is refused
    response: Mapped[dict] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoundConfirmation(db.Model):
    """The chief judge's confirmation of a round (every sheet signed)."""

    __tablename__ = "round_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), unique=True)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    confirmed_by: Mapped[User] = relationship()


class Decryption(db.Model):
    """Codes of an event revealed to names (解密): who and when."""

    __tablename__ = "decryptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    decrypted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decrypted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decrypted_by: Mapped[User] = relationship()


class TieDecision(db.Model):
    """The chief judge's recorded order of entries the tie-break chain cannot separate (排名不并列).
    Read by the results engine as domain.ranking.TieDecision(entries, reason)."""

    __tablename__ = "tie_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    entry_ids: Mapped[list] = mapped_column(JSON)  # ordered, best first
    reason: Mapped[str] = mapped_column(String(500))
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _entry_event(entry_id: int | None) -> int | None:
    entry = db.session.get(Entry, entry_id) if entry_id is not None else None
    return entry.event_id if entry is not None else None


# Nothing of an event whose results are final changes (contests.finality): these rows are refused at flush.
watch(ScoreSheet, lambda s: s.round_id, "round")
watch(Mark, lambda m: m.round_id if m.round_id is not None else getattr(m.sheet, "round_id", None), "round")
watch(EntryRound, lambda r: r.round_id, "round")
watch(Assignment, lambda a: a.round_id, "round")
watch(RoundConfirmation, lambda c: c.round_id, "round")
watch(Recusal, lambda r: _entry_event(r.entry_id))
watch(LotDraw, lambda d: d.event_id)
watch(Decryption, lambda d: d.event_id)
watch(TieDecision, lambda t: t.event_id)


# the decision the system writes on a reassignment request when the judge is given the round again
# (`assignments._hand_back`)
HANDED_BACK = N_("裁判已重新分配到本轮，评分表交还原裁判")


class SheetRequest(db.Model):
    """A change to a sheet that needs the chief judge (裁判长): a judge's recusal or withdrawal of a submitted sheet
    (nothing happens to the marks until it is approved), or a sheet taken back from a judge removed from the contest
    (to be given to another judge). Decided once, with a reason when refused; every step is audited."""

    __tablename__ = "sheet_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # recusal / withdrawal / reassign
    reason: Mapped[str] = mapped_column(String(500))  # the judge's words, or the system's text in Chinese
    reason_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # `stored` when the system wrote the reason
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending / approved / refused
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(500))  # the chief judge's reason, or HANDED_BACK
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sheet: Mapped[ScoreSheet] = relationship()
    judge: Mapped[User] = relationship(foreign_keys=[judge_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def reason_message(self) -> Message | None:
        """The request's reason, for `tr`: the system's message (a judge who left the staff), else the judge's words
        as written."""
        return kept(self.reason_detail, self.reason)

    @property
    def decision_message(self) -> Message | None:
        """The decision, for `tr`: the system's fixed text on a reassignment the hand-back closed, else the chief
        judge's words as written (never looked up in the catalogue)."""
        if self.kind == "reassign" and self.decision == HANDED_BACK:
            return Message(HANDED_BACK)
        return verbatim(self.decision) if self.decision else None
