"""Judge login cards (登录卡): issue, revoke, and log in with a card's code and PIN (throttled)."""
from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select

from contestapp.audit.service import record
from contestapp.auth import throttle
from contestapp.auth.models import User
from contestapp.auth.services import LoginError
from contestapp.common.db import utcnow
from contestapp.contests.models import Contest
from contestapp.extensions import db
from contestapp.i18n import N_
from contestapp.judging.common import JudgingError, local_today
from contestapp.judging.models import JudgeCard

CARD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1


class CardLoginError(LoginError):
    """A refused card login (same shape as a refused password login): 401."""

    retry_after: int | None = None


class CardLocked(CardLoginError):
    """Too many failed PINs for the card, or from the address (`auth.throttle`): 429, like every other limit
    (`common.limits`), with the message's minutes as Retry-After (seconds)."""

    status = 429

    @property
    def retry_after(self) -> int:
        return int(self.params.get("minutes") or 1) * 60


def _new_card_code() -> str:
    while True:
        code = "".join(secrets.choice(CARD_ALPHABET) for _ in range(8))
        if db.session.scalar(select(JudgeCard.id).where(JudgeCard.code == code)) is None:
            return code


def issue_card(contest: Contest, judge: User, actor, valid_from: date | None = None,
               valid_until: date | None = None) -> JudgeCard:
    """A new card for `judge`, valid on the contest days; the judge's earlier cards for the contest are revoked."""
    if judge.role != "judge":
        raise JudgingError("not_judge", N_("只能为裁判制作登录卡"))
    start = valid_from or contest.starts_on or local_today()
    until = valid_until or contest.ends_on or start
    if until < start:
        raise JudgingError("bad_dates", N_("有效期结束日期不能早于开始日期"))
    for old in db.session.scalars(select(JudgeCard).where(
            JudgeCard.contest_id == contest.id, JudgeCard.judge_id == judge.id, JudgeCard.revoked_at.is_(None))):
        old.revoked_at = utcnow()
        record(actor, "card.revoke", old, contest_id=contest.id, summary=f"补发时作废 {judge.display_name} 的登录卡")
    # no PIN is stored: card.pin derives it from SECRET_KEY and the code (models.card_pin)
    card = JudgeCard(contest_id=contest.id, judge_id=judge.id, code=_new_card_code(), valid_from=start,
                     valid_until=until, issued_by_id=getattr(actor, "id", None))
    db.session.add(card)
    db.session.flush()
    record(actor, "card.issue", card, contest_id=contest.id,
           summary=f"为 {judge.display_name} 制作登录卡（{start} 至 {until} 有效）")
    return card


def revoke_card(card: JudgeCard, actor) -> None:
    if card.revoked_at is None:
        card.revoked_at = utcnow()
        record(actor, "card.revoke", card, contest_id=card.contest_id, summary=f"作废 {card.judge.display_name} 的登录卡")


def card_valid(card: JudgeCard | None, today: date | None = None) -> bool:
    today = today or local_today()
    return bool(card and card.revoked_at is None and card.valid_from <= today <= card.valid_until
                and card.judge.active)


def card_login(code: str, pin: str, address: str) -> JudgeCard:
    """The card for this code and PIN if it may log in now; failures are throttled per card and per address, as
    password logins are (contestapp.auth.throttle)."""
    code = code.strip().upper().replace("-", "").replace(" ", "")
    key = f"card:{code}"[:80]
    try:
        throttle.check(key, address)
    except throttle.Throttled as exc:
        raise CardLocked(exc.template, **exc.params) from None
    card = db.session.scalar(select(JudgeCard).where(JudgeCard.code == code))
    # bytes, not str: compare_digest refuses non-ASCII text (a full-width digit typed on a tablet) with a TypeError
    if card is None or not secrets.compare_digest(card.pin.encode(), pin.strip().encode()):
        throttle.failed(key, address)
        raise CardLoginError(N_("登录卡号或 PIN 码错误"))
    if card.revoked_at is not None:
        raise CardLoginError(N_("该登录卡已作废，请向组织者领取新卡"))
    if not card_valid(card):
        raise CardLoginError(N_("该登录卡仅在 %(start)s 至 %(end)s 有效"), start=card.valid_from, end=card.valid_until)
    card.last_used_at = utcnow()
    throttle.succeeded(key)
    record(card.judge, "card.login", card, contest_id=card.contest_id, summary="使用登录卡登录")
    return card
