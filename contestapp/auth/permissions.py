"""Who may use what: the one place for access rules.

Every view is wrapped by exactly one of the decorators below, which records its rule on the function
(`view.access`); a test walks the URL map and refuses any endpoint without one.

- `public`: anyone (published results, certificate verification, login).
- `roles_required(*roles)`: a signed-in user with one of the roles (admins pass everywhere).
- `contest_access(*roles)`: the view takes `contest_id`; the contest is loaded (404 if missing) and passed as
  `contest`. Organisers pass for contests of their organisation and below; chief judges, judges and arbitrators
  pass only for contests they are members of, in that role.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, g, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from contestapp.auth.models import Role, User
from contestapp.contests.models import Contest
from contestapp.extensions import db

# The rules themselves live below the web tier, where services can ask them too: role names and the organisations
# an organiser manages in auth.roles, the roles a person holds in a contest in contests.access.
from contestapp.auth.roles import (  # noqa: E402,F401  (re-exported for the views)
    ADMIN, ARBITRATOR, CHIEF_JUDGE, JUDGE, ORGANISER, STAFF, UNIT, managed_organisation_ids)
from contestapp.contests.access import can, contest_roles  # noqa: E402,F401


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def deny(status: int, message: str | None = None):
    """401/403 as the client expects it: JSON for the API, a login redirect or a Chinese error page otherwise."""
    if _wants_json():
        code = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}[status]
        text = message or {401: "请先登录", 403: "无权访问", 404: "未找到"}[status]
        response = jsonify(error={"code": code, "message": text})
        response.status_code = status
        abort(response)
    if status == 401:
        abort(redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path)))
    abort(status, description=message)


def public(view: Callable) -> Callable:
    view.access = "public"
    return view


def roles_required(*roles: str) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                deny(401)
            if current_user.role != ADMIN and current_user.role not in roles:
                deny(403)
            return view(*args, **kwargs)

        wrapped.access = f"roles:{','.join(roles)}"
        return wrapped

    return decorator


def contest_access(*roles: str) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, contest_id: int, **kwargs):
            if not current_user.is_authenticated:
                deny(401)
            contest = db.session.get(Contest, contest_id)
            if contest is None:
                deny(404)
            if not can(current_user, contest, *roles):
                deny(403)
            g.contest = contest
            return view(*args, contest=contest, **kwargs)

        wrapped.access = f"contest:{','.join(roles)}"
        return wrapped

    return decorator


def get_or_404(model, ident, **must_match):
    """Load `model` by id and check it belongs where the URL says (e.g. contest_id=...), else 404."""
    obj = db.session.get(model, ident)
    if obj is None or any(getattr(obj, k) != v for k, v in must_match.items()):
        deny(404)
    return obj
