"""Login throttling: the one place that counts failed logins and decides when to refuse (密码登录 and 登录卡).

Failures are rows of `login_failures` in the database, so every worker and host counts the same ones. Two limits,
both over the last LOGIN_WINDOW_SECONDS:
- per account (LOGIN_MAX_FAILURES, default 5): locks that account only;
- per address (LOGIN_MAX_ADDRESS_FAILURES, default 100): a much higher ceiling against guessing across accounts.
  A venue's tablets share one Wi-Fi address, so one judge's typos must never lock the other judges out.
A successful login clears its account's failures.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from contestapp.auth.models import LoginFailure
from contestapp.common.db import utcnow
from contestapp.extensions import db
from contestapp.i18n import N_

ACCOUNT_LOCKED = N_("该账号登录失败次数过多，已暂时锁定，请 %(minutes)s 分钟后再试（其他账号不受影响）")
ADDRESS_LOCKED = N_("本网络地址登录失败次数过多，请 %(minutes)s 分钟后再试")


class Throttled(Exception):
    """Too many failures; `template` and `params` make the Chinese message (`str()`)."""

    def __init__(self, template: str, **params):
        self.template, self.params = template, params
        super().__init__(template % params)


def _unlocks_at(column, value: str, limit: int, since: datetime, window: timedelta) -> datetime | None:
    """When the count of failures for `value` in the window drops below `limit` (None: it is below already): the
    limit-th most recent failure leaves the window."""
    oldest_counted = db.session.scalar(
        select(LoginFailure.at).where(column == value, LoginFailure.at >= since)
        .order_by(LoginFailure.at.desc()).offset(limit - 1).limit(1))
    return None if oldest_counted is None else oldest_counted + window


def check(account: str, address: str) -> None:
    """Raise Throttled when the account, or the address, has too many recent failures."""
    config = current_app.config
    window = timedelta(seconds=config["LOGIN_WINDOW_SECONDS"])
    now = utcnow()
    since = now - window
    for column, value, limit, template in (
            (LoginFailure.username, account[:80], config["LOGIN_MAX_FAILURES"], ACCOUNT_LOCKED),
            (LoginFailure.address, (address or "")[:64], config["LOGIN_MAX_ADDRESS_FAILURES"], ADDRESS_LOCKED)):
        until = _unlocks_at(column, value, limit, since, window)
        if until is not None:
            raise Throttled(template, minutes=max(1, math.ceil((until - now).total_seconds() / 60)))


def failed(account: str, address: str) -> None:
    db.session.add(LoginFailure(username=account[:80], address=(address or "")[:64]))


def succeeded(account: str) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == account[:80]))
