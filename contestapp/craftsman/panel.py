"""The experts' panel of a craftsman selection: who the experts are, recusal by the unit each person belongs to, and
the check, before the review starts, that recusal leaves every candidate a big enough panel.

An expert belongs to the organisation chosen for the account (and to the employer named on it, `unit_name`); a
candidate to the nominating unit and to the employer on the nomination form. Sharing any of them means recusal
(`contestapp.domain.recusal`). The check is shown on the start-review page and enforced by `review.start_review`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from sqlalchemy import select

from contestapp.auth.models import Role, User
from contestapp.contests.models import Contest, ContestMember
from contestapp.craftsman.models import Nomination
from contestapp.domain.recusal import BLOCKED, OK, SHORT, Affiliation, panel_floor, panel_level, panel_wanted, unit_key
from contestapp.domain.types import PanelRule
from contestapp.extensions import db

PANEL_MIN, PANEL_MAX = 5, 9

__all__ = ["PANEL_MIN", "PANEL_MAX", "OK", "SHORT", "BLOCKED", "experts_of", "is_recused", "shared_unit",
           "CandidatePanel", "PanelCheck", "check_panel"]


def experts_of(contest: Contest) -> list[User]:
    return list(db.session.scalars(
        select(User).join(ContestMember, ContestMember.user_id == User.id)
        .where(ContestMember.contest_id == contest.id, ContestMember.role == Role.JUDGE, User.active.is_(True))
        .order_by(User.id)))


def _affiliation(nomination: Nomination) -> Affiliation:
    return Affiliation.of(nomination.unit_org_id, nomination.unit_org.name, nomination.employer)


def is_recused(expert: User, nomination: Nomination) -> bool:
    """回避: the expert belongs to the nominating unit or to the candidate's employer."""
    return expert.affiliation.shares_unit(_affiliation(nomination))


def shared_unit(expert: User, nomination: Nomination) -> str | None:
    """The unit that makes the expert recused from the candidate, as the page names it (None: not recused)."""
    if not is_recused(expert, nomination):
        return None
    if expert.organisation_id == nomination.unit_org_id:
        return nomination.unit_org.name
    mine = expert.affiliation.names
    return next((name for name in (nomination.unit_org.name, nomination.employer) if unit_key(name) in mine),
                nomination.unit_org.name)


@dataclass(frozen=True)
class CandidatePanel:
    """One candidate's experts after recusal, and whether that is enough (OK, SHORT or BLOCKED)."""

    nomination: Nomination
    available: tuple[User, ...]
    recused: tuple[tuple[User, str], ...]  # (expert, the unit they share)
    level: str


@dataclass(frozen=True)
class PanelCheck:
    """The panel as it would be if the review started now."""

    experts: tuple[User, ...]
    wanted: int   # experts every candidate should keep: the selection's minimum, or the scoring rules' own
    floor: int    # fewer than this, a candidate cannot be scored at all
    candidates: tuple[CandidatePanel, ...]
    host_experts: tuple[User, ...]  # experts whose unit is the organising federation itself (worth a look)

    @property
    def size_ok(self) -> bool:
        return PANEL_MIN <= len(self.experts) <= PANEL_MAX

    @property
    def blocked(self) -> list[CandidatePanel]:
        return [c for c in self.candidates if c.level == BLOCKED]

    @property
    def short(self) -> list[CandidatePanel]:
        return [c for c in self.candidates if c.level == SHORT]

    @property
    def can_start(self) -> bool:
        return self.size_ok and not self.blocked

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.short)


def check_panel(contest: Contest, nominations: Iterable[Nomination], rules: Sequence[PanelRule]) -> PanelCheck:
    """Each candidate's panel after recusal, against the rules of the rounds the experts score."""
    experts = tuple(experts_of(contest))
    candidates = []
    for n in nominations:
        recused = tuple((e, unit) for e in experts if (unit := shared_unit(e, n)) is not None)
        left = {e.id for e, _ in recused}
        available = tuple(e for e in experts if e.id not in left)
        candidates.append(CandidatePanel(n, available, recused, panel_level(len(available), rules, PANEL_MIN)))
    host = tuple(e for e in experts if e.organisation_id == contest.organisation_id and not (e.unit_name or "").strip())
    return PanelCheck(experts, panel_wanted(rules, PANEL_MIN), panel_floor(rules), tuple(candidates), host)
