"""Awards and titles granted on a final result snapshot.

One row per (snapshot, entry, kind, name): `kind` is "award" (一等奖, 金奖, 优胜奖...) or "title" (市技术能手,
推荐五一劳动奖章...). Rows are written when a final snapshot becomes effective (version 1 at finalisation, later
versions when a correction is approved) and never changed; the official grants of an event are those of its
latest effective final snapshot (`awards.services.current_grants`). The certificates area issues certificates from
these rows (entry -> entrant name and unit; `name` is the award or title text; `rank` the place).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contestapp.common.db import UTCDateTime, utcnow
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.results.models import ResultSnapshot


class AwardGrant(db.Model):
    __tablename__ = "award_grants"
    __table_args__ = (UniqueConstraint("snapshot_id", "entry_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("result_snapshots.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))   # award / title
    name: Mapped[str] = mapped_column(String(100))
    rank: Mapped[int]
    # why, in the system's Chinese (the award rule's reason, 名次 n for a title): a record, no page shows it
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    snapshot: Mapped[ResultSnapshot] = relationship()
    entry: Mapped[Entry] = relationship()
