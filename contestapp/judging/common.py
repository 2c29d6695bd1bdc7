"""What every part of judging shares: the refusal (JudgingError), sheet states, the code judges see."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from contestapp.common.db import plain
from contestapp.common.formatting import contest_zone
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.i18n import N_, Message
from contestapp.judging.models import RoundConfirmation, SheetStatus

EDITABLE = (SheetStatus.DRAFT.value, SheetStatus.RETURNED.value)
OPTIONAL_KINDS = ("bonus", "veto")  # exception-only: no mark means no bonus / no veto


class JudgingError(Exception):
    """A refused action: `code` for the API, `message` in Chinese, `status` the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 422, detail: Any = None):
        super().__init__(message)
        self.code, self.message, self.status, self.detail = code, message, status, detail


def clean_text(raw, label: str, limit: int, required: bool = False) -> str:
    """Text a person sent (a reason, a note, a document number): stripped, at most `limit` characters, no control
    characters (a line break and a tab are allowed); JudgingError 422 with a Chinese message naming the field.
    `label` is marked N_ by the caller: the message carries it as a Message, so `tr` translates it with the rest."""
    label = Message(label)
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise JudgingError("bad_text", Message(N_("%(field)s须为文字"), field=label))
    text = raw.strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise JudgingError("bad_text", Message(N_("%(field)s含有控制字符，请删除后重试"), field=label))
    if len(text) > limit:
        raise JudgingError("bad_text", Message(N_("%(field)s过长（最多 %(n)s 字）"), field=label, n=limit))
    if required and not text:
        raise JudgingError("reason_required", Message(N_("请填写%(field)s"), field=label))
    return text


def as_text(value: Decimal | None) -> str | None:
    return None if value is None else format(plain(value), "f")


def local_today() -> date:
    return datetime.now(contest_zone()).date()


def judge_code(entry: Entry) -> str | None:
    """The code judges see: the second-level code when there is one."""
    return entry.code2 or entry.code



def round_confirmed(round_id: int) -> RoundConfirmation | None:
    return db.session.scalar(select(RoundConfirmation).where(RoundConfirmation.round_id == round_id))
