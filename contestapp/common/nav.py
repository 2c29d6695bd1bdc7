"""Contest tabs: each area adds its own tab here when its blueprint module is imported."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    endpoint: str
    roles: tuple[str, ...]  # contest roles that see the tab
    kinds: tuple[str, ...] = ()  # contest kinds it applies to; empty = all
    order: int = 50


TABS: list[Tab] = []


def add_tab(tab: Tab) -> None:
    if all(t.key != tab.key for t in TABS):
        TABS.append(tab)
        TABS.sort(key=lambda t: t.order)


def contest_nav_extra(contest) -> list[dict]:
    from flask_login import current_user

    from contestapp.auth.permissions import contest_roles

    roles = contest_roles(current_user, contest)
    return [
        {"key": t.key, "label": t.label, "url": url_for(t.endpoint, contest_id=contest.id)}
        for t in TABS
        if roles & set(t.roles) and (not t.kinds or contest.kind in t.kinds)
    ]
