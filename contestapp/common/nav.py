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


def _add(items: list, item) -> None:
    """Register once (modules may be imported again), kept in display order."""
    if all(i.key != item.key for i in items):
        items.append(item)
        items.sort(key=lambda i: i.order)


def add_tab(tab: Tab) -> None:
    _add(TABS, tab)


def contest_nav_extra(contest) -> list[dict]:
    from flask_login import current_user

    from contestapp.auth.permissions import contest_roles

    roles = contest_roles(current_user, contest)
    return [
        {"key": t.key, "label": t.label, "url": url_for(t.endpoint, contest_id=contest.id)}
        for t in TABS
        if roles & set(t.roles) and (not t.kinds or contest.kind in t.kinds)
    ]


@dataclass(frozen=True)
class NavLink:
    """A link in the top bar for accounts of some roles (e.g. an assessor's or a unit account's own tasks), added
    by the area that serves it, like a contest tab."""

    key: str
    label: str
    endpoint: str
    roles: tuple[str, ...]  # account roles that see it
    order: int = 50


NAV_LINKS: list[NavLink] = []


def add_nav_link(link: NavLink) -> None:
    _add(NAV_LINKS, link)


def top_nav_links() -> list[dict]:
    from flask_login import current_user

    if not current_user.is_authenticated:
        return []
    return [{"key": n.key, "label": n.label, "url": url_for(n.endpoint)} for n in NAV_LINKS
            if current_user.role in n.roles]
