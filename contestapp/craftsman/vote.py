"""The public vote of a craftsman selection: SMS codes, one vote per verified phone per day, limits per address and
device, and what looks suspicious."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contestapp.common.db import utcnow
from contestapp.common.formatting import contest_zone
from contestapp.craftsman.errors import CraftsmanError, RateLimited, WrongCode
from contestapp.craftsman.models import CraftsmanCall, Nomination, Stage, Vote, VoteCode
from contestapp.craftsman.sms import SmsError, get_sender
from contestapp.domain.eligibility import find_bursts
from contestapp.extensions import db
from contestapp.i18n import N_


# --- public vote -------------------------------------------------------------------------------------------------

def _hash(kind: str, value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def vote_open(call: CraftsmanCall) -> bool:
    return call.vote_enabled and call.stage == Stage.VOTE


def check_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "")
    if len(phone) != 11 or not phone.isdigit() or phone[0] != "1":
        raise CraftsmanError(N_("请输入 11 位手机号码"))
    return phone


def request_code(call: CraftsmanCall, phone: str, address: str, device: str, now: datetime | None = None) -> None:
    """Send a one-time code by SMS; limited per phone (1 a minute), per address and per device (an hour)."""
    if not vote_open(call):
        raise CraftsmanError(N_("投票未开放"))
    phone = check_phone(phone)
    now = now or utcnow()
    voter = _hash("phone", phone)
    hour = now - timedelta(hours=1)
    recent = select(func.count(VoteCode.id)).where(VoteCode.contest_id == call.contest_id)
    if db.session.scalar(recent.where(VoteCode.voter == voter, VoteCode.created_at > now - timedelta(seconds=60))):
        raise RateLimited(N_("验证码已发送，请 1 分钟后再试"))
    if db.session.scalar(recent.where(VoteCode.address == address, VoteCode.created_at > hour)) >= _setting(
            "CRAFTSMAN_CODES_PER_ADDRESS_HOUR", 30):
        raise RateLimited(N_("此网络获取验证码过于频繁，请稍后再试"))
    if device and db.session.scalar(recent.where(VoteCode.device == device, VoteCode.created_at > hour)) >= _setting(
            "CRAFTSMAN_CODES_PER_DEVICE_HOUR", 5):
        raise RateLimited(N_("此设备获取验证码过于频繁，请稍后再试"))
    code = f"{secrets.randbelow(10 ** 6):06d}"
    db.session.add(VoteCode(contest_id=call.contest_id, voter=voter, code_hash=_hash("code", voter + code),
                            address=address, device=device, created_at=now, expires_at=now + timedelta(minutes=10)))
    db.session.flush()
    try:
        get_sender().send(phone, f"您的投票验证码为 {code}，10 分钟内有效。如非本人操作请忽略。")
    except SmsError as exc:
        raise CraftsmanError(exc.args[0]) from None  # its N_ or Message, translated where shown


def cast_vote(call: CraftsmanCall, nomination: Nomination, phone: str, code: str, address: str, device: str,
              now: datetime | None = None) -> Vote:
    """One vote per verified phone per day; limited per address and per device per day."""
    if not vote_open(call):
        raise CraftsmanError(N_("投票未开放"))
    if nomination.contest_id != call.contest_id or not nomination.shortlisted:
        raise CraftsmanError(N_("该候选人不在投票名单中"))
    phone = check_phone(phone)
    now = now or utcnow()
    voter = _hash("phone", phone)
    vc = db.session.scalar(select(VoteCode).where(
        VoteCode.contest_id == call.contest_id, VoteCode.voter == voter, VoteCode.used.is_(False),
        VoteCode.expires_at > now).order_by(VoteCode.id.desc()).limit(1))
    if vc is None:
        raise CraftsmanError(N_("请先获取验证码（验证码 10 分钟内有效）"))
    if vc.attempts >= 5:
        raise CraftsmanError(N_("验证码错误次数过多，请重新获取"))
    if not hmac.compare_digest(vc.code_hash, _hash("code", voter + (code or "").strip())):
        vc.attempts += 1
        raise WrongCode(N_("验证码错误"))
    zone = contest_zone(call.contest)  # a vote's day is the contest's local day
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time(0), tzinfo=zone)
    today = select(func.count(Vote.id)).where(Vote.contest_id == call.contest_id, Vote.at >= start)
    if db.session.scalar(today.where(Vote.address == address)) >= _setting("CRAFTSMAN_VOTES_PER_ADDRESS_DAY", 200):
        raise RateLimited(N_("此网络今日投票次数已达上限"))
    if device and db.session.scalar(today.where(Vote.device == device)) >= _setting(
            "CRAFTSMAN_VOTES_PER_DEVICE_DAY", 5):
        raise RateLimited(N_("此设备今日投票次数已达上限"))
    vote = Vote(contest_id=call.contest_id, nomination_id=nomination.id, voter=voter, day=day, address=address,
                device=device, at=now)
    try:
        with db.session.begin_nested():  # the unique key (contest, voter, day) arbitrates concurrent votes
            db.session.add(vote)
    except IntegrityError:
        raise CraftsmanError(N_("您今天已经投过票了，请明天再来")) from None
    vc.used = True
    return vote


def suspicious(call: CraftsmanCall) -> dict[str, Any]:
    """What the organiser should look at: bursts from one address, and the busiest addresses and devices."""
    rows = db.session.execute(select(Vote.address, Vote.at).where(Vote.contest_id == call.contest_id)).all()
    window = timedelta(minutes=_setting("CRAFTSMAN_BURST_MINUTES", 10))
    bursts = find_bursts(rows, window, _setting("CRAFTSMAN_BURST_VOTES", 20))
    by_address = db.session.execute(
        select(Vote.address, func.count(Vote.id), func.count(func.distinct(Vote.nomination_id)))
        .where(Vote.contest_id == call.contest_id).group_by(Vote.address)
        .order_by(func.count(Vote.id).desc()).limit(10)).all()
    return {"bursts": bursts, "addresses": by_address, "window": window}


def vote_counts(contest_id: int) -> dict[int, int]:
    return dict(db.session.execute(select(Vote.nomination_id, func.count(Vote.id))
                                   .where(Vote.contest_id == contest_id).group_by(Vote.nomination_id)).all())
