"""JSON API for tablets and integrations (/api/v1/), described by /api/v1/openapi.json.

Authentication is the session cookie (card or password login), so every write is CSRF-protected by Flask-WTF:
the tablet sends the token from the page's <meta name="csrf-token"> in the X-CSRFToken header. No route is exempt:
a cookie-authenticated API without CSRF would let any page the judge visits write marks in their name.
Errors are JSON: {"error": {"code": "...", "message": "中文说明", "detail": ...}}.
"""
from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from flask import Blueprint, current_app, g, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_accessed
from sqlalchemy import bindparam, select

from contestapp.auth.models import SessionUser, User
from contestapp.auth.permissions import JUDGE, deny, public, roles_required
from contestapp.extensions import db
from contestapp.i18n import N_
from contestapp.judging import services
from contestapp.judging.models import JudgeCard
from contestapp.judging.services import JudgingError

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")


def check_card_session() -> None:
    """A tablet logged in with a card stays in only while the card is valid (contest days, not revoked)."""
    card_id = session.get("card_id")
    if card_id and current_user.is_authenticated:
        row = db.session.execute(_CARD, {"id": card_id}).first()
        _refuse_invalid_card(row, current_user.id)


def _refuse_invalid_card(card, user_id: int) -> None:
    today = services.local_today()
    if (card is None or card.judge_id is None or card.revoked_at is not None or card.judge_id != user_id
            or not card.valid_from <= today <= card.valid_until):
        logout_user()
        session.pop("card_id", None)
        deny(401, _("登录卡已失效，请重新登录"))


_CARD = select(JudgeCard.judge_id, JudgeCard.revoked_at, JudgeCard.valid_from, JudgeCard.valid_until).where(
    JudgeCard.id == bindparam("id"))

# The signed-in user for an API request and, for a tablet signed in with a card, the card: one prepared statement.
_USERS, _CARDS = User.__table__, JudgeCard.__table__
_API_USER = services.Prepared(lambda _: (
    select(*(_USERS.c[name] for name in SessionUser.COLUMNS), _CARDS.c.judge_id, _CARDS.c.revoked_at,
           _CARDS.c.valid_from, _CARDS.c.valid_until)
    .select_from(_USERS.outerjoin(_CARDS, _CARDS.c.id == bindparam("card_id")))
    .where(_USERS.c.id == bindparam("user_id"))
))


class _Card(NamedTuple):
    judge_id: int | None
    revoked_at: Any
    valid_from: date | None
    valid_until: date | None


def _day(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value  # SQLite keeps dates as text


def load_api_user() -> None:
    """Flask-Login's user for the API, loaded light: the session's user as a SessionUser (plus the card check) in
    one statement instead of an ORM load and a second query. Session protection runs as Flask-Login runs it; a
    session without a user (a remember-me cookie) or whose account is gone is left to Flask-Login."""
    user_id = session.get("_user_id")
    if user_id is None or "_login_user" in g:
        return check_card_session()
    manager = current_app.login_manager
    user_accessed.send(current_app._get_current_object())
    if manager._session_protection_failed():
        g._login_user = manager.anonymous_user()
        return None
    card_id = session.get("card_id")
    row = services.Prepared.runner()(_API_USER, {"user_id": int(user_id), "card_id": card_id}).fetchone()
    if row is None:
        return None
    n = len(SessionUser.COLUMNS)
    uid, username, display_name, role, active, organisation_id, unit_name, locale = row[:n]
    g._login_user = SessionUser(uid, username, display_name, role, bool(active), organisation_id, unit_name, locale)
    if card_id:
        judge_id, revoked_at, valid_from, valid_until = row[n:]
        _refuse_invalid_card(_Card(judge_id, revoked_at, _day(valid_from), _day(valid_until)), uid)
    return None


bp.before_request(load_api_user)


@bp.errorhandler(JudgingError)
def judging_error(exc: JudgingError):
    db.session.rollback()
    body = {"code": exc.code, "message": _(exc.message)}
    if exc.detail is not None:
        body["detail"] = exc.detail
    return jsonify(error=body), exc.status


def _json_body():
    payload = request.get_json(silent=True)
    if payload is None:
        raise JudgingError("bad_request", N_("请求体须为 JSON"), 400)
    return payload


@bp.get("/assignments")
@roles_required(JUDGE)
def assignments():
    data = services.judge_assignments(current_user)
    db.session.commit()  # sheets created on first sight
    return jsonify(judge={"id": current_user.id, "name": current_user.display_name}, rounds=data)


@bp.get("/sheets/<int:sheet_id>")
@roles_required(JUDGE)
def sheet(sheet_id: int):
    ctx = services.load_sheet_for_judge(sheet_id, current_user)
    return jsonify(services.sheet_for_judge(ctx))


@bp.put("/sheets/<int:sheet_id>/marks")
@roles_required(JUDGE)
def put_marks(sheet_id: int):
    ctx = services.load_sheet_for_judge(sheet_id, current_user)
    key = request.headers.get("Idempotency-Key", "").strip()
    payload = _json_body()
    try:
        result = services.put_marks(ctx, current_user, payload, key)
        db.session.commit()
    except (services.DuplicateKey, services.IntegrityError):  # the key was stored first by another request
        db.session.rollback()
        result = services.replay_or_refuse(ctx, current_user, payload, key)
    return jsonify(result)


@bp.post("/sheets/<int:sheet_id>/submit")
@roles_required(JUDGE)
def submit(sheet_id: int):
    ctx = services.load_sheet_for_judge(sheet_id, current_user)
    result = services.submit_sheet(ctx, current_user, _json_body(),
                                   request.headers.get("X-Device-Id") or request.user_agent.string)
    db.session.commit()
    return jsonify(result)


@bp.post("/sheets/<int:sheet_id>/recusal")
@roles_required(JUDGE)
def recuse(sheet_id: int):
    ctx = services.load_sheet_for_judge(sheet_id, current_user)
    payload = _json_body()
    services.declare_conflict(current_user, ctx.sheet.entry, str(payload.get("reason", "")), current_user)
    db.session.commit()
    return jsonify(recused=True, sheet_id=sheet_id)


@bp.get("/openapi.json")
@public
def openapi():
    from contestapp.judging.openapi import document

    return jsonify(document())
