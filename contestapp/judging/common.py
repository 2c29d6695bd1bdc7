"""What every part of judging shares: the refusal (JudgingError), sheet states, the code judges see."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from contestapp.common.db import plain
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.judging.models import RoundConfirmation, SheetStatus

EDITABLE = (SheetStatus.DRAFT.value, SheetStatus.RETURNED.value)
OPTIONAL_KINDS = ("bonus", "veto")  # exception-only: no mark means no bonus / no veto
NOTE_KINDS = ("merit", "points")  # contests whose every deduction, bonus and veto must say why, on the tablet too


class JudgingError(Exception):
    """A refused action: `code` for the API, `message` in Chinese, `status` the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 422, detail: Any = None):
        super().__init__(message)
        self.code, self.message, self.status, self.detail = code, message, status, detail


def as_text(value: Decimal | None) -> str | None:
    return None if value is None else format(plain(value), "f")


def local_today() -> date:
    return datetime.now(ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))).date()


def judge_code(entry: Entry) -> str | None:
    """The code judges see: the second-level code when there is one."""
    return entry.code2 or entry.code



def round_confirmed(round_id: int) -> RoundConfirmation | None:
    return db.session.scalar(select(RoundConfirmation).where(RoundConfirmation.round_id == round_id))
