"""Recusal (回避) by unit, and whether the panel recusal leaves is big enough. Pure: no Flask, no SQLAlchemy.

A person (judge, expert) and a candidate each belong to units: an organisation of the federation's tree (compared by
id) and unit names (that organisation's name, a free-text employer), compared without spaces. They share a unit when
either matches; the person then may not score the candidate.

A panel rule needs `min_judges` marks; with fewer, its `fallback` applies (`error`: no score at all). A selection may
also want a bigger panel than its rules need (a craftsman review: 5–9 experts). For each candidate, the experts left
after recusal are then:
- BLOCKED: the candidate cannot be scored at all (nobody left, or fewer than a rule with no fallback needs);
- SHORT: a score is possible, but from a smaller panel than wanted (the fallback applies, or fewer than the
  selection's minimum): the organiser must know and say so;
- OK.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from .types import PanelRule

OK, SHORT, BLOCKED = "ok", "short", "blocked"
_SEVERITY = {OK: 0, SHORT: 1, BLOCKED: 2}


def unit_key(name: Optional[str]) -> str:
    """A unit's name as compared: without any spaces (full-width ones included)."""
    return "".join((name or "").split())


@dataclass(frozen=True)
class Affiliation:
    """The units someone belongs to: an organisation (by id) and unit names (normalised by `unit_key`)."""

    org_id: Optional[int] = None
    names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, org_id: Optional[int], *names: Optional[str]) -> Affiliation:
        return cls(org_id, frozenset(k for k in map(unit_key, names) if k))

    def shares_unit(self, other: Affiliation) -> bool:
        return (self.org_id is not None and self.org_id == other.org_id) or bool(self.names & other.names)


def panel_wanted(rules: Iterable[PanelRule], preferred: int = 1) -> int:
    """The panel size every candidate should keep after recusal: the selection's minimum, and every rule's own."""
    return max([preferred, *(r.min_judges for r in rules)])


def panel_floor(rules: Iterable[PanelRule]) -> int:
    """The fewest marks with which every rule still gives a score (a rule with no fallback needs its minimum)."""
    return max([1, *(r.min_judges for r in rules if r.fallback == "error")])


def panel_level(available: int, rules: Sequence[PanelRule], preferred: int = 1) -> str:
    """OK, SHORT or BLOCKED for a candidate whom `available` experts may score (see the module's text)."""
    if available < panel_floor(rules):
        return BLOCKED
    if available < panel_wanted(rules, preferred):
        return SHORT
    return OK


def worst(levels: Iterable[str]) -> str:
    return max(levels, key=_SEVERITY.__getitem__, default=OK)
