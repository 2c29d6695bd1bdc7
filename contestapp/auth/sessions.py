"""Sessions that end: the one place that decides whether a session (or a remember-me cookie) still signs a user in.

Every session and remember-me cookie carries the user's id and session token (`User.get_id()`, Flask-Login's
"alternative token"). Flask-Login hands that value to `load_user` on every request; a session whose token is no
longer the user's, or whose user is deactivated, signs nobody in. A new token (`User.end_sessions()`) therefore ends
every session of the user at once, on every worker and host: on logout, "log out everywhere", a new password (set by
the user or an administrator), deactivation and a role change (the last three whichever code makes them: see
`contestapp.auth.models`). A tablet signed in with a login card holds the judge's token too; the card keeps its own
revocation besides (judging checks the card).

JSON API requests get the light `SessionUser` (one Core query, no ORM object, as a tablet's mark save needs it); pages
get the ORM `User`. The user of an API request is loaded here before any blueprint's own hook runs, so the token rule
holds for the API exactly as for pages.
"""
from __future__ import annotations

import secrets

from flask import Flask, current_app, request
from flask_login import current_user, login_user
from sqlalchemy import select

from contestapp.auth.models import SessionUser, User
from contestapp.extensions import db, login_manager

_COLUMNS = [User.__table__.c[name] for name in SessionUser.COLUMNS] + [User.__table__.c.session_token]


def _parse(value: str) -> tuple[int, str] | None:
    ident, sep, token = str(value).partition(":")
    if not sep or not token or not (ident.isascii() and ident.isdigit()) or len(ident) > 18:
        return None  # a session from before tokens existed, or not ours: nobody is signed in
    return int(ident), token


def load_user(value: str):
    """Flask-Login's user_loader: the user whose id and current session token the session names, if active."""
    parsed = _parse(value)
    if parsed is None:
        return None
    user_id, token = parsed
    if request.path.startswith("/api/"):
        row = db.session.execute(select(*_COLUMNS).where(User.__table__.c.id == user_id)).first()
        if row is None:
            return None
        user = SessionUser(*row)
    else:
        user = db.session.get(User, user_id)
        if user is None:
            return None
    if not user.active or not secrets.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def load_api_user_first() -> None:
    """Before any blueprint hook: sign in the API request's user through `load_user` (so the token is checked)."""
    if request.path.startswith("/api/"):
        current_user._get_current_object()


def end_sessions(user: User, keep_current: bool = False) -> None:
    """End every session of `user` (a new token). With `keep_current`, this browser stays signed in under the new
    token (and its remember-me cookie is renewed if it had one)."""
    user.end_sessions()
    db.session.flush()
    if keep_current:
        cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        login_user(user, remember=cookie in request.cookies, fresh=True)


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    app.before_request(load_api_user_first)
