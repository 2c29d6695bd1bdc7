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
from contestapp.extensions import db

ADMIN = Role.ADMIN.value
ORGANISER = Role.ORGANISER.value
CHIEF_JUDGE = Role.CHIEF_JUDGE.value
JUDGE = Role.JUDGE.value
ARBITRATOR = Role.ARBITRATOR.value
UNIT = Role.UNIT.value
STAFF = (ORGANISER, CHIEF_JUDGE, ARBITRATOR)


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


def managed_organisation_ids(user: User) -> set[int]:
    """Organisations whose contests an organiser manages: their own and every one below it (cached per request)."""
    from flask import has_request_context

    cache = request.environ.setdefault("contestapp.managed_orgs", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = user.organisation.subtree_ids() if user.organisation else set()
    return cache[user.id]


def contest_roles(user: User, contest) -> set[str]:
    """The roles `user` holds in `contest` (admin counts as every role)."""
    if not user.is_authenticated:
        return set()
    if user.role == ADMIN:
        return {ADMIN, ORGANISER, CHIEF_JUDGE, JUDGE, ARBITRATOR}
    from contestapp.contests.models import ContestMember

    roles: set[str] = set()
    if user.role == ORGANISER and contest.organisation_id in managed_organisation_ids(user):
        roles.add(ORGANISER)
    members = db.session.scalars(
        select(ContestMember.role).where(ContestMember.contest_id == contest.id, ContestMember.user_id == user.id)
    )
    roles.update(r for r in members if r == user.role)  # a membership counts only in the user's own role
    return roles


def can(user: User, contest, *roles: str) -> bool:
    return bool(contest_roles(user, contest) & set(roles)) or (user.is_authenticated and user.role == ADMIN)


def contest_access(*roles: str) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, contest_id: int, **kwargs):
            from contestapp.contests.models import Contest

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
