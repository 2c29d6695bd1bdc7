"""The landing page and health check."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from contestapp.auth.permissions import public
from contestapp.auth.views import home_for
from contestapp.extensions import db

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("index.html")


@bp.route("/healthz")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


__all__ = ["bp", "url_for"]
