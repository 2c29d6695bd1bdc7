from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from contestapp.auth.forms import LoginForm
from contestapp.auth.permissions import public, roles_required
from contestapp.auth.services import LoginError, authenticate
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
        try:
            user = authenticate(form.username.data, form.password.data, request.remote_addr or "")
        except LoginError as exc:
            db.session.commit()  # keep the failure record for rate limiting
            flash(_(exc.template, **exc.params), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        db.session.commit()
        return redirect(safe_next(request.args.get("next"), home_for(user)))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@roles_required("organiser", "chief_judge", "judge", "arbitrator", "unit")
def logout():
    logout_user()
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>")
@public
def set_language(code: str):
    response = redirect(safe_next(request.referrer and urlsplit(request.referrer).path, url_for("main.index")))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


# login_required is imported for blueprints that only need "any signed-in user"
__all__ = ["bp", "login_required"]
