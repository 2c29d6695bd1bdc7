"""Contest tabs: each area adds its own tab here when its blueprint module is imported; which tabs a contest shows,
and in what order, is its kind's list of steps below (one place: a craftsman selection never shows the skills
contest's scoring tabs)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    endpoint: str
    roles: tuple[str, ...]  # contest roles that see the tab
    order: int = 50
    labels: tuple[tuple[str, str], ...] = ()  # (kind, label) where a kind names the step differently


# Each kind of contest: its steps, in the order the work is done.
KIND_STEPS: dict[str, tuple[str, ...]] = {
    "skills": ("setup", "entrants", "members", "judging", "analytics", "marks", "results", "awards", "certificates"),
    "merit": ("setup", "entrants", "members", "merit", "merit_year", "certificates"),
    "points": ("setup", "entrants", "members", "merit", "merit_year", "certificates"),
    "craftsman": ("setup", "members", "craftsman", "certificates"),
}

TABS: list[Tab] = []


def _add(items: list, item) -> None:
    """Register once (modules may be imported again), kept in display order."""
    if all(i.key != item.key for i in items):
        items.append(item)
        items.sort(key=lambda i: i.order)


def add_tab(tab: Tab) -> None:
    _add(TABS, tab)


def contest_tabs(contest, roles: set[str]) -> list[dict]:
    """The tabs a person holding `roles` in the contest sees: its kind's steps, in order, that those roles may use."""
    by_key = {t.key: t for t in TABS}
    tabs = []
    for key in KIND_STEPS.get(contest.kind, ()):
        tab = by_key.get(key)
        if tab is not None and roles & set(tab.roles):
            label = dict(tab.labels).get(contest.kind, tab.label)
            tabs.append({"key": key, "label": label, "url": url_for(tab.endpoint, contest_id=contest.id)})
    return tabs


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
    if not current_user.is_authenticated:
        return []
    return [{"key": n.key, "label": n.label, "url": url_for(n.endpoint)} for n in NAV_LINKS
            if current_user.role in n.roles]
