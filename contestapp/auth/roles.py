"""Role names and whom an organiser manages: the parts of the access rules that services need too (the decorators
that apply them to pages are in auth.permissions)."""
from __future__ import annotations

from flask import has_request_context, request

from contestapp.auth.models import Role, User

ADMIN = Role.ADMIN.value
ORGANISER = Role.ORGANISER.value
CHIEF_JUDGE = Role.CHIEF_JUDGE.value
JUDGE = Role.JUDGE.value
ARBITRATOR = Role.ARBITRATOR.value
UNIT = Role.UNIT.value
STAFF = (ORGANISER, CHIEF_JUDGE, ARBITRATOR)


def managed_organisation_ids(user: User) -> set[int]:
    """Organisations whose contests an organiser manages: their own and every one below it (cached per request)."""
    cache = request.environ.setdefault("contestapp.managed_orgs", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = user.organisation.subtree_ids() if user.organisation else set()
    return cache[user.id]
