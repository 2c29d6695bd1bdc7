"""Sign-in throttling for password logins and login cards: failures only, counted by the application's rate limiter
(contestapp.common.limits, limits `login_account` and `login_address`), so every worker and host counts the same.

- per account (LOGIN_MAX_FAILURES, default 5, over LOGIN_WINDOW_SECONDS): locks that account (or card) only;
- per address (LOGIN_MAX_ADDRESS_FAILURES, default 100): a much higher ceiling against guessing across accounts.
  A venue's tablets share one Wi-Fi address, so one judge's typos must never lock the other judges out.
A successful sign-in clears its account's failures.
"""
from __future__ import annotations

from contestapp.common import limits


class Throttled(Exception):
    """Too many failures; `template` and `params` make the Chinese message (`str()`)."""

    def __init__(self, template: str, **params):
        self.template, self.params = template, params
        super().__init__(template % params)


def _account(account: str) -> str:
    return account.strip()[:80]


def check(account: str, address: str) -> None:
    """Raise Throttled when the account, or the address, has too many recent failures."""
    for name, key in (("login_account", _account(account)), ("login_address", address or "")):
        until = limits.blocked_until(name, key)
        if until is not None:
            template, params = limits.message(name, until)
            raise Throttled(template, **params)


def failed(account: str, address: str) -> None:
    limits.count("login_account", _account(account))
    limits.count("login_address", address or "")


def succeeded(account: str) -> None:
    limits.clear("login_account", _account(account))
