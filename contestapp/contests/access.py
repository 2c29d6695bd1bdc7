"""The roles a person holds in a contest: organisers for contests of their organisation and below, staff by
membership in their own role, admins as every role. Asked by pages (auth.permissions.contest_access) and services."""
from __future__ import annotations

from sqlalchemy import select

from contestapp.auth.models import User
from contestapp.auth.roles import ADMIN, ARBITRATOR, CHIEF_JUDGE, JUDGE, ORGANISER, managed_organisation_ids
from contestapp.contests.models import ContestMember
from contestapp.extensions import db


def contest_roles(user: User, contest) -> set[str]:
    """The roles `user` holds in `contest` (admin counts as every role)."""
    if not user.is_authenticated:
        return set()
    if user.role == ADMIN:
        return {ADMIN, ORGANISER, CHIEF_JUDGE, JUDGE, ARBITRATOR}
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
