from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from contestapp.audit.service import record
from contestapp.auth.forms import LoginForm, PasswordForm
from contestapp.auth.models import User
from contestapp.auth.permissions import public, roles_required
from contestapp.auth.services import LoginError, authenticate
from contestapp.auth.sessions import end_sessions
from contestapp.extensions import db

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, default: str) -> str:
    """Only follow local redirects (an open redirect is a phishing aid)."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return default


HOMES = {"judge": "judging.home", "unit": "craftsman.unit_home"}


def home_for(user) -> str:
    """Where a user lands after signing in: judges on their scoring tasks, unit accounts on their nominations."""
    return url_for(HOMES.get(user.role, "contests.index"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:  # a refused sign-in shows the form again with the name typed, and keeps the failure counted
            user = authenticate(form.username.data, form.password.data, request.remote_addr or "")
        except LoginError as exc:
            db.session.commit()  # keep the failure record for rate limiting
            flash(_(exc.template, **exc.params), "error")
            return render_template("auth/login.html", form=form), exc.status
        login_user(user, remember=form.remember.data)
        db.session.commit()
        return redirect(safe_next(request.args.get("next"), home_for(user)))
    return render_template("auth/login.html", form=form)


EVERYONE = ("organiser", "chief_judge", "judge", "arbitrator", "unit")  # (admins pass everywhere)


def _me() -> User:
    """The signed-in user as an ORM object (an API request's user is a light SessionUser)."""
    return db.session.get(User, current_user.id)


@bp.route("/logout", methods=["POST"])
@roles_required(*EVERYONE)
def logout():
    """Sign out: the user's session token changes, so this session and any copy of its cookie (or of a remember-me
    cookie) no longer sign anyone in."""
    end_sessions(_me())
    logout_user()
    db.session.commit()
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def account():
    """The user's own account: a new password, and signing out every other device."""
    user = _me()
    form = PasswordForm()
    if form.validate_on_submit():
        if not user.check_password(form.current.data):
            form.current.errors.append(_("当前密码不正确"))
        else:
            user.set_password(form.new.data)  # (ends every session of the user: models)
            end_sessions(user, keep_current=True)
            record(user, "user.password", user, summary=f"{user.username} 修改了自己的密码")
            db.session.commit()
            flash(_("密码已修改，其他设备上的登录已全部退出"), "success")
            return redirect(url_for(".account"))
    return render_template("auth/account.html", form=form, user=user), 400 if form.errors else 200


@bp.route("/account/sessions/end", methods=["POST"])
@roles_required(*EVERYONE)
def end_other_sessions():
    """Log out everywhere else: every other session and remember-me cookie of the user ends; this one stays."""
    user = _me()
    end_sessions(user, keep_current=True)
    record(user, "user.sessions_end", user, summary=f"{user.username} 退出了其他设备上的登录")
    db.session.commit()
    flash(_("其他设备上的登录已全部退出"), "success")
    return redirect(url_for(".account"))


@bp.route("/lang/<code>")
@public
def set_language(code: str):
    response = redirect(safe_next(request.referrer and urlsplit(request.referrer).path, url_for("main.index")))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


# login_required is imported for blueprints that only need "any signed-in user"
__all__ = ["bp", "login_required"]
