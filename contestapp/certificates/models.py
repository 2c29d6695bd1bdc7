"""Certificates issued by a contest: serials, layouts, printer calibration, print batches.

A certificate's identity within a contest is its `key` (kind, event, holder, award): issuing the same list again
finds the same rows and so reuses their serials. Serial numbers are allocated from a counter row per contest and
pattern prefix, advanced by one atomic UPDATE (the database arbitrates between concurrent issuers); the serial
column is also UNIQUE across all contests, so a number can never be handed out twice.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contestapp.common.db import Fixed, UTCDateTime, utcnow
from contestapp.extensions import db
from contestapp.i18n import N_


class CertificateKind(StrEnum):
    AWARD = "award"          # 获奖证书
    TITLE = "title"          # 技术能手等称号证书
    CRAFTSMAN = "craftsman"  # 工匠称号证书
    HONOUR = "honour"        # 立功竞赛荣誉证书（先进集体/先进个人/流动红旗）


KIND_LABELS = {
    CertificateKind.AWARD: N_("获奖证书"), CertificateKind.TITLE: N_("称号证书"),
    CertificateKind.CRAFTSMAN: N_("工匠称号证书"), CertificateKind.HONOUR: N_("荣誉证书"),
}
KINDS = tuple(k.value for k in CertificateKind)
BUILTIN_FOR_KIND = {"award": "award", "title": "title", "craftsman": "craftsman", "honour": "honour"}


class CertificateStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


DEFAULT_SERIAL_PATTERN = "{year}-{event}-{seq:04d}"


class CertificateSetup(db.Model):
    """Per-contest certificate settings: the serial pattern, the issuing body and the date printed."""

    __tablename__ = "certificate_setups"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    serial_pattern: Mapped[str] = mapped_column(String(100), default=DEFAULT_SERIAL_PATTERN)
    issuer: Mapped[str | None] = mapped_column(String(200))      # 发证单位 (default: the organising body)
    date_text: Mapped[str | None] = mapped_column(String(50))    # 落款日期 (default: the issue date in Chinese)


class SerialCounter(db.Model):
    """The last sequence number used for one serial prefix of a contest (e.g. "2025-HG-")."""

    __tablename__ = "certificate_serial_counters"
    __table_args__ = (UniqueConstraint("contest_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(100))
    last: Mapped[int] = mapped_column(default=0)


class CertificateLayout(db.Model):
    """A contest's layout for one kind of certificate: a built-in one as shipped (`document` NULL) or edited."""

    __tablename__ = "certificate_layouts"
    __table_args__ = (UniqueConstraint("contest_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    builtin: Mapped[str] = mapped_column(String(64))          # the built-in layout it starts from
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # NULL: the built-in layout unchanged
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    printers: Mapped[list[PrinterOffset]] = relationship(back_populates="layout", order_by="PrinterOffset.printer",
                                                         cascade="all, delete-orphan")

    @property
    def custom(self) -> bool:
        return self.document is not None


class PrinterOffset(db.Model):
    """Calibration of one printer for overlay printing (套打) on one layout's stock: mm right (dx) and down (dy)."""

    __tablename__ = "certificate_printer_offsets"
    __table_args__ = (UniqueConstraint("layout_id", "printer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    layout_id: Mapped[int] = mapped_column(ForeignKey("certificate_layouts.id", ondelete="CASCADE"))
    printer: Mapped[str] = mapped_column(String(100))
    dx: Mapped[Decimal] = mapped_column(Fixed, default=Decimal(0))
    dy: Mapped[Decimal] = mapped_column(Fixed, default=Decimal(0))

    layout: Mapped[CertificateLayout] = relationship(back_populates="printers")


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("contest_id", "key"),
        Index("ix_certificates_contest_order", "contest_id", "kind", "event_order", "rank", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    key: Mapped[str] = mapped_column(String(300))         # identity within the contest (see services.request_key)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40), default="manual")  # awards / craftsman / merit / manual
    holder: Mapped[str] = mapped_column(String(200))
    id_masked: Mapped[str] = mapped_column(String(18), default="")  # never the full ID number
    entrant_id: Mapped[int | None] = mapped_column(ForeignKey("entrants.id", ondelete="SET NULL"), index=True)
    unit: Mapped[str] = mapped_column(String(200), default="")
    award: Mapped[str] = mapped_column(String(200))       # the award or title text (一等奖, 某某市技术能手...)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    event_code: Mapped[str] = mapped_column(String(64), default="")
    event_name: Mapped[str] = mapped_column(String(200), default="")
    event_order: Mapped[int] = mapped_column(default=0)
    rank: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)      # order within the issued list (award order)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # further layout values
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=CertificateStatus.VALID)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    reprints: Mapped[int] = mapped_column(default=0)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest: Mapped["Contest"] = relationship()  # noqa: F821

    @property
    def kind_label(self) -> str:
        try:
            return KIND_LABELS[CertificateKind(self.kind)]
        except ValueError:
            return self.kind

    @property
    def valid(self) -> bool:
        return self.status == CertificateStatus.VALID


class BatchStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


BATCH_STATUS_LABELS = {BatchStatus.QUEUED: N_("排队中"), BatchStatus.RUNNING: N_("生成中"), BatchStatus.DONE: N_("已完成"),
                       BatchStatus.FAILED: N_("失败")}


class CertificateBatch(db.Model):
    """One issuing run: which certificates, how printed, and its progress (polled by the console). The work is done
    by a jobs process (contestapp.jobs.queue), never by the web process."""

    __tablename__ = "certificate_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(40))        # awards / craftsman / merit / issued
    kind: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    mode: Mapped[str] = mapped_column(String(10), default="full")
    printer: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=BatchStatus.QUEUED)
    phase: Mapped[str] = mapped_column(String(50), default="")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    issued: Mapped[int] = mapped_column(default=0)         # new serials
    reprinted: Mapped[int] = mapped_column(default=0)      # serials issued before
    error: Mapped[str | None] = mapped_column(Text)
    pdf_name: Mapped[str | None] = mapped_column(String(200))
    zip_name: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job_queue.id", ondelete="SET NULL"))  # its queued job

    @property
    def status_label(self) -> str:
        return BATCH_STATUS_LABELS.get(BatchStatus(self.status), self.status)

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else (100 if self.status == BatchStatus.DONE else 0)


from contestapp.contests.models import Contest  # noqa: E402,F401  (string relationship target)
