"""JSON API for tablets and integrations (/api/v1/), described by /api/v1/openapi.json.

Authentication is the session cookie (card or password login), so every write is CSRF-protected by Flask-WTF:
the tablet sends the token from the page's <meta name="csrf-token"> in the X-CSRFToken header. No route is exempt:
a cookie-authenticated API without CSRF would let any page the judge visits write marks in their name.
Errors are JSON: {"error": {"code": "...", "message": "...", "detail": ...}}, in the reader's language.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from contestapp.auth.permissions import JUDGE, deny, public, roles_required
from contestapp.extensions import db
from contestapp.i18n import N_, Message, tr
from contestapp.judging import sheets
from contestapp.judging.assignments import declare_conflict
from contestapp.judging.common import JudgingError, local_today
from contestapp.judging.models import JudgeCard, SheetRequest, SheetStatus
from contestapp.judging.openapi import document
from contestapp.judging.requests import request_change
from contestapp.judging.sheets import (
    DuplicateKey, judge_assignments, load_sheet_for_judge, replay_or_refuse, sheet_for_judge, submit_sheet)

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")


def check_card_session() -> None:
    """A tablet logged in with a card stays in only while the card is valid (contest days, not revoked)."""
    card_id = session.get("card_id")
    if card_id and current_user.is_authenticated:
        row = db.session.execute(_CARD, {"id": card_id}).first()
        _refuse_invalid_card(row, current_user.id)


def _refuse_invalid_card(card, user_id: int) -> None:
    today = local_today()
    if (card is None or card.judge_id is None or card.revoked_at is not None or card.judge_id != user_id
            or not card.valid_from <= today <= card.valid_until):
        logout_user()
        session.pop("card_id", None)
        deny(401, _("登录卡已失效，请重新登录"))


_CARD = select(JudgeCard.judge_id, JudgeCard.revoked_at, JudgeCard.valid_from, JudgeCard.valid_until).where(
    JudgeCard.id == bindparam("id"))
bp.before_request(check_card_session)


@bp.errorhandler(JudgingError)
def judging_error(exc: JudgingError):
    db.session.rollback()
    body = {"code": exc.code, "message": tr(exc.message)}
    if exc.detail is not None:
        body["detail"] = _detail(exc.detail)
    return jsonify(error=body), exc.status


def _detail(detail):
    """An error's detail with its messages in the reader's language, like `message` (a list of problems, each a
    message or {"message": ...}); names, codes and the stale sheet stay as they are."""
    if not isinstance(detail, list):
        return detail
    return [tr(item) if isinstance(item, Message) else
            {**item, "message": tr(item["message"])} if isinstance(item, dict) and "message" in item else item
            for item in detail]


def _shown(sheet: dict) -> dict:
    """A sheet as the tablet shows it: the reason it was returned (a message) in the reader's language, like the
    errors (the service gives it as a Message, whose JSON is the Chinese text)."""
    if sheet.get("returned_reason"):
        sheet["returned_reason"] = tr(sheet["returned_reason"])
    return sheet


def _json_body() -> dict:
    payload = request.get_json(silent=True)
    if payload is None:
        raise JudgingError("bad_request", N_("请求体须为 JSON"), 400)
    if not isinstance(payload, dict):
        raise JudgingError("bad_request", N_("请求体须为 JSON 对象"), 422)
    return payload


@bp.get("/assignments")
@roles_required(JUDGE)
def assignments():
    data = judge_assignments(current_user)
    db.session.commit()  # sheets created on first sight
    for rnd in data:
        rnd["sheets"] = [_shown(sheet) for sheet in rnd["sheets"]]
    return jsonify(judge={"id": current_user.id, "name": current_user.display_name}, rounds=data)


@bp.get("/sheets/<int:sheet_id>")
@roles_required(JUDGE)
def sheet(sheet_id: int):
    ctx = load_sheet_for_judge(sheet_id, current_user)
    return jsonify(_shown(sheet_for_judge(ctx)))


@bp.put("/sheets/<int:sheet_id>/marks")
@roles_required(JUDGE)
def put_marks(sheet_id: int):
    ctx = load_sheet_for_judge(sheet_id, current_user)
    key = request.headers.get("Idempotency-Key", "").strip()
    payload = _json_body()
    try:
        result = sheets.put_marks(ctx, current_user, payload, key)
        db.session.commit()
    except (DuplicateKey, IntegrityError):  # the key was stored first by another request
        db.session.rollback()
        result = replay_or_refuse(ctx, current_user, payload, key)
    return jsonify(result)


@bp.post("/sheets/<int:sheet_id>/submit")
@roles_required(JUDGE)
def submit(sheet_id: int):
    ctx = load_sheet_for_judge(sheet_id, current_user)
    result = submit_sheet(ctx, current_user, _json_body(),
                          request.headers.get("X-Device-Id") or request.user_agent.string)
    db.session.commit()
    return jsonify(result)


@bp.post("/sheets/<int:sheet_id>/recusal")
@roles_required(JUDGE)
def recuse(sheet_id: int):
    """A recusal: at once on an open sheet; on a submitted sheet a request to the chief judge (202), the marks
    counting until it is approved."""
    ctx = load_sheet_for_judge(sheet_id, current_user)
    payload = _json_body()
    sheet = ctx.sheet
    if sheet.status == SheetStatus.SUBMITTED:
        return _requested(request_change(sheet, current_user, "recusal", payload.get("reason")))
    declare_conflict(current_user, sheet.entry, payload.get("reason"), current_user)
    db.session.commit()
    return jsonify(recused=True, sheet_id=sheet_id)


@bp.post("/sheets/<int:sheet_id>/withdrawal")
@roles_required(JUDGE)
def withdraw(sheet_id: int):
    """Asks the chief judge to give a submitted sheet back (202); until approved it stays submitted."""
    ctx = load_sheet_for_judge(sheet_id, current_user)
    return _requested(request_change(ctx.sheet, current_user, "withdrawal", _json_body().get("reason")))


def _requested(req: SheetRequest):
    db.session.commit()
    return jsonify(requested=True, request_id=req.id, sheet_id=req.sheet_id, kind=req.kind, status=req.status,
                   message=_("已提交裁判长审批；批准前评分保持不变")), 202


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document())
