"""Throttling: every rate limit of the application, in one place (Flask-Limiter over a shared storage).

Storage (RATELIMIT_STORAGE_URI, config.py): Redis when CONTESTAPP_REDIS_URL, CONTESTAPP_RATELIMIT_STORAGE_URI or a
redis:// CONTESTAPP_CACHE_URL names one, so every worker and host counts the same requests. Without one it is
`memory://`: counts per process, fine on a laptop and in tests, but each gunicorn worker would count on its own, so
production refuses to start on it unless CONTESTAPP_RATELIMIT_STORAGE_URI=memory:// says so explicitly (one worker).
If Redis stops answering, requests are counted in memory per process until it is back (never a 500).

Addresses are `request.remote_addr`: the client's own, or, behind CONTESTAPP_PROXIES trusted proxies, the one they
report (werkzeug's ProxyFix in create_app takes exactly that many X-Forwarded-For hops, so a client cannot walk
around a limit by sending its own header).

The limits (config RATELIMITS, each "N per period[; M per period]"; the login ones from LOGIN_*):
- `login_account`: failed sign-ins per account (password, or login card by card code); a success clears them.
- `login_address`: failed sign-ins per address, a much higher ceiling (a venue's tablets share one address).
- `cert_lookup`: certificate look-ups (by serial and holder name, and verification links) per address.
- `vote_code` / `vote_code_phone`: SMS codes sent, per address / per phone number; `vote_cast` / `vote_cast_phone`:
  votes (so code guesses) per address / per phone number. (The contest's own rules -- one vote a day per phone,
  codes a minute apart, per device -- stay in craftsman.)
- `export`: downloads of exports (xlsx/csv) per signed-in user.
A refusal is 429 with a Chinese message saying when to try again (JSON under /api/), and a Retry-After header.
"""
from __future__ import annotations

import logging
import math
import time
from typing import Callable

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user
from limits import RateLimitItem, parse_many

from contestapp.i18n import N_

log = logging.getLogger(__name__)

# name: (what it is counted per, default limit, message)
LIMITS = {
    "login_account": ("account", None, N_("该账号登录失败次数过多，已暂时锁定，请 %(minutes)s 分钟后再试（其他账号不受影响）")),
    "login_address": ("address", None, N_("本网络地址登录失败次数过多，请 %(minutes)s 分钟后再试")),
    "cert_lookup": ("address", "20 per minute; 200 per hour", N_("证书查询过于频繁，请 %(minutes)s 分钟后再试")),
    "vote_code": ("address", "20 per minute; 100 per hour", N_("获取验证码过于频繁，请 %(minutes)s 分钟后再试")),
    "vote_code_phone": ("phone", "3 per 10 minutes; 10 per day", N_("获取验证码过于频繁，请 %(minutes)s 分钟后再试")),
    "vote_cast": ("address", "30 per minute; 300 per hour", N_("投票请求过于频繁，请 %(minutes)s 分钟后再试")),
    "vote_cast_phone": ("phone", "10 per 10 minutes; 30 per day", N_("投票请求过于频繁，请 %(minutes)s 分钟后再试")),
    "export": ("user", "30 per minute; 300 per hour", N_("导出过于频繁，请 %(minutes)s 分钟后再试")),
}
CONFIGURABLE = tuple(name for name, (_per, default, _msg) in LIMITS.items() if default)


def client_address() -> str:
    return request.remote_addr or ""


limiter = Limiter(key_func=client_address, strategy="moving-window", key_prefix="contestapp",
                  swallow_errors=True, in_memory_fallback_enabled=True)


def limit_value(name: str) -> str:
    """The configured limit `name` as Flask-Limiter reads it, e.g. "20 per minute; 200 per hour"."""
    config = current_app.config
    if name == "login_account":
        return f"{config['LOGIN_MAX_FAILURES']} per {config['LOGIN_WINDOW_SECONDS']} second"
    if name == "login_address":
        return f"{config['LOGIN_MAX_ADDRESS_FAILURES']} per {config['LOGIN_WINDOW_SECONDS']} second"
    return config.get("RATELIMITS", {}).get(name) or LIMITS[name][1]


def _minutes(reset_at: float) -> int:
    return max(1, math.ceil((reset_at - time.time()) / 60))


# --- limits on views (decorators) -----------------------------------------------------------------------------------

def _by_user() -> str:
    user_id = getattr(current_user, "id", None)
    return f"user:{user_id}" if user_id else f"address:{client_address()}"


def _by_phone() -> str:
    phone = "".join(ch for ch in (request.form.get("phone") or "") if ch.isascii() and ch.isdigit())[:20]
    return f"phone:{phone}" if phone else f"address:{client_address()}"


KEYS: dict[str, Callable[[], str]] = {"address": client_address, "user": _by_user, "phone": _by_phone}


def limited(*names: str) -> Callable:
    """Decorate a view with the limits `names` (each counted per what LIMITS says), shared by every view that names
    the same limit."""
    def decorator(view: Callable) -> Callable:
        for name in reversed(names):
            per = LIMITS[name][0]
            view = limiter.shared_limit(lambda name=name: limit_value(name), scope=name, key_func=KEYS[per],
                                        error_message=name)(view)
        return view

    return decorator


# --- failure counters (sign-ins: only failures count; contestapp.auth.throttle) --------------------------------------

def _items(name: str) -> list[RateLimitItem]:
    return parse_many(limit_value(name))


def blocked_until(name: str, key: str) -> float | None:
    """When limit `name` frees `key` again, or None if it is not exhausted."""
    try:
        for item in _items(name):
            if not limiter.limiter.test(item, name, key):
                return limiter.limiter.get_window_stats(item, name, key).reset_time
    except Exception:  # the storage is down: count nothing rather than refuse every sign-in  # noqa: BLE001
        log.warning("rate limit storage unavailable (%s)", name, exc_info=True)
    return None


def count(name: str, key: str) -> None:
    try:
        for item in _items(name):
            limiter.limiter.hit(item, name, key)
    except Exception:  # noqa: BLE001
        log.warning("rate limit storage unavailable (%s)", name, exc_info=True)


def clear(name: str, key: str) -> None:
    try:
        for item in _items(name):
            limiter.limiter.clear(item, name, key)
    except Exception:  # noqa: BLE001
        log.warning("rate limit storage unavailable (%s)", name, exc_info=True)


def message(name: str, reset_at: float) -> tuple[str, dict]:
    """The template and parameters of the Chinese message for limit `name` (translated by the caller)."""
    return LIMITS[name][2], {"minutes": _minutes(reset_at)}


# --- set-up and the 429 answer ---------------------------------------------------------------------------------------

def too_many(error: RateLimitExceeded):
    name = error.description if error.description in LIMITS else None
    current = limiter.current_limit
    reset_at = current.reset_at if current else time.time() + 60
    text = gettext(LIMITS[name][2], minutes=_minutes(reset_at)) if name else gettext(N_("请求过于频繁，请稍后再试"))
    headers = {"Retry-After": str(max(1, int(reset_at - time.time())))}
    if request.path.startswith("/api/"):
        return jsonify(error={"code": "too_many_requests", "message": text}), 429, headers
    return render_template("error.html", code=429, title=N_("请求过于频繁"), text=text, description=None), 429, headers


def init_app(app: Flask) -> None:
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory") and app.config.get("RATELIMIT_REQUIRE_SHARED"):
        raise RuntimeError("Rate limits need a storage shared by every worker and host in production: set "
                           "CONTESTAPP_REDIS_URL=redis://host:6379/1, or CONTESTAPP_RATELIMIT_STORAGE_URI=memory:// "
                           "for a single worker (生产环境限流须使用共享存储，请设置 CONTESTAPP_REDIS_URL)")
    app.config["RATELIMIT_STORAGE_URI"] = uri
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many)


def reset() -> None:
    """Forget every count (tests; `flask limits reset` after a lock-out by mistake)."""
    limiter.reset()
