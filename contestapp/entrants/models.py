"""Entrants (people, teams, units), their units of affiliation, and entries into events."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contestapp.common.db import UTCDateTime, utcnow
from contestapp.domain.idcard import mask_id_number
from contestapp.extensions import db
from contestapp.i18n import N_


class EntrantKind(StrEnum):
    PERSON = "person"
    TEAM = "team"
    UNIT = "unit"


class Unit(db.Model):
    """A unit that sends entrants (参赛单位 / 推荐单位); in a merit contest also a participating unit (参建单位)."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("contest_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(20))  # construction / supervision / design (merit contests)


class Entrant(db.Model):
    __tablename__ = "entrants"
    __table_args__ = (UniqueConstraint("contest_id", "id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=EntrantKind.PERSON)
    name: Mapped[str] = mapped_column(String(200))
    gender: Mapped[str | None] = mapped_column(String(1))  # "M" / "F", cross-checked with the ID number
    birth_date: Mapped[date | None] = mapped_column(Date)
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    trade: Mapped[str | None] = mapped_column(String(100))            # 工种
    vocational_level: Mapped[str | None] = mapped_column(String(20))  # 职业技能等级
    category: Mapped[str | None] = mapped_column(String(20))          # worker / manager (一线职工 / 管理人员)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("entrants.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit | None] = relationship()
    team: Mapped[Entrant | None] = relationship(remote_side=[id], back_populates="members")
    members: Mapped[list[Entrant]] = relationship(back_populates="team")
    entries: Mapped[list[Entry]] = relationship(back_populates="entrant", cascade="all, delete-orphan")

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else ""

    @property
    def gender_label(self) -> str:
        return {"M": N_("男"), "F": N_("女")}.get(self.gender or "", "")

    @property
    def unit_name(self) -> str:
        return self.unit.name if self.unit else ""


class EntryStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    DISQUALIFIED = "disqualified"


class Entry(db.Model):
    """An entrant in one event (报名). Workstation number and codes are filled in by lot drawing."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("event_id", "entrant_id"),
        UniqueConstraint("event_id", "number"),
        UniqueConstraint("event_id", "code"),
        UniqueConstraint("event_id", "workstation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    entrant_id: Mapped[int] = mapped_column(ForeignKey("entrants.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(32))                  # 参赛编号
    workstation: Mapped[int | None]                                   # 工位号
    code: Mapped[str | None] = mapped_column(String(32))             # 加密号 (一次加密)
    code2: Mapped[str | None] = mapped_column(String(32))            # 二次加密号
    status: Mapped[str] = mapped_column(String(20), default=EntryStatus.ACTIVE)

    entrant: Mapped[Entrant] = relationship(back_populates="entries")
    event: Mapped["Event"] = relationship()  # noqa: F821


from contestapp.contests.models import Event  # noqa: E402,F401  (string relationship target)
from contestapp.contests.finality import watch  # noqa: E402  (after Event: finality imports contests.models)

watch(Entry, lambda e: e.event_id)
