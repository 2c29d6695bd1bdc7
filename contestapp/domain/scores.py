"""What the scoring engine takes and gives: marks or panel statistics in; criterion, round and entry results out,
each with its explanation (成绩明细) when one was asked for.

Inputs are frozen dataclasses; results are plain (slotted) dataclasses: a whole event makes tens of thousands of
them, and a frozen dataclass pays a guarded `__setattr__` for every field.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from operator import attrgetter
from typing import NamedTuple, Optional

from .types import ZERO, TieBreakKey


class ScoringError(ValueError):
    """Marks cannot be scored (too few judges, a mark out of range, ...). The message is Chinese, for users."""


@dataclass(frozen=True)
class Mark:
    """One judge's mark for one criterion (see CriterionSpec for what `value` means per kind)."""

    judge: str
    criterion: str
    value: Decimal


@dataclass(frozen=True)
class EntryRoundInput:
    """All marks of one entry in one round; `multiplier` is its difficulty coefficient (难度系数) if the round uses one;
    `time` is a recorded time in seconds (用时, e.g. from a timekeeper's sheet), used when no time criterion has marks."""

    entry: str
    round: str
    marks: tuple[Mark, ...]
    multiplier: Optional[Decimal] = None
    time: Optional[Decimal] = None


class PanelStats(NamedTuple):
    """One entry's marks for one criterion, aggregated: count, sum, lowest, highest; `values` (ascending) only when
    the rule needs the single marks (`needs_values`). What one aggregate query gives per (entry, round, criterion)."""

    n: int
    total: Decimal
    low: Decimal
    high: Decimal
    values: Optional[tuple[Decimal, ...]] = None


@dataclass(frozen=True, slots=True)
class RoundStats:
    """One entry's aggregated marks in one round (criterion code -> stats), its round facts, and optionally the
    exact plain part (numerator, denominator) of the plan's plain criteria (those are then not in `stats`)."""

    stats: dict
    multiplier: Optional[Decimal] = None
    time: Optional[Decimal] = None
    plain: Optional[tuple[int, int]] = None


@dataclass(frozen=True)
class Line:
    """One line of an explanation: `label` (what), `detail` (how, in Chinese), `value` (the figure it gives)."""

    depth: int
    label: str
    detail: str
    value: Optional[Decimal] = None


@dataclass(frozen=True)
class Explanation:
    """成绩明细: structured lines, renderable as Chinese text."""

    lines: tuple[Line, ...]

    def text(self) -> str:
        return "\n".join("  " * ln.depth + f"{ln.label}：{ln.detail}" for ln in self.lines) + "\n"

    def nested(self, by: int = 1) -> tuple[Line, ...]:
        return tuple(Line(ln.depth + by, ln.label, ln.detail, ln.value) for ln in self.lines)


NO_EXPLANATION = Explanation(())


class _Compact:
    """Pickled as (class, field values): results are cached by the tens of thousands (results.engine); the field
    values come from one `attrgetter` per class (one C call, not a Python loop per object)."""

    __slots__ = ()
    _fields: attrgetter

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__slots__" in cls.__dict__:  # (the class `dataclass(slots=True)` makes, with the fields as slots)
            cls._fields = attrgetter(*cls.__slots__)

    def __reduce__(self):
        return self.__class__, self._fields(self)


@dataclass(slots=True)
class CriterionResult(_Compact):
    code: str
    name: str
    kind: str
    value: Decimal  # points (scored kinds, bonus), seconds (time) or 1/0 (veto)
    used: tuple[Mark, ...]
    dropped: tuple[Mark, ...]
    rule: str
    alert: Optional[str] = None
    fallback: bool = False  # the panel's fallback was applied (too few judges)
    explanation: Explanation = NO_EXPLANATION
    exact: Optional[Fraction] = None  # `value` exactly, when it has no exact Decimal (a mean of thirds)

    @property
    def figure(self) -> Fraction:
        """The value as an exact rational (what the round adds up)."""
        return self.exact if self.exact is not None else Fraction(self.value)


@dataclass(slots=True)
class RoundResult(_Compact):
    round: str
    name: str
    score: Decimal
    subtotal: Decimal
    bonus: Decimal
    multiplier: Optional[Decimal]
    time: Optional[Decimal]
    vetoed: bool
    veto_reasons: tuple[str, ...]
    passed: bool
    criteria: tuple[CriterionResult, ...]
    explanation: Explanation

    @property
    def alerts(self) -> tuple[str, ...]:
        return tuple(c.alert for c in self.criteria if c.alert)

    def criterion(self, code: str) -> Optional[CriterionResult]:
        return next((c for c in self.criteria if c.code == code), None)


@dataclass(slots=True)
class EntryResult(_Compact):
    """An entry's result in an event; a team's result from its members' results has `members` and no `rounds`."""

    entry: str
    total: Decimal
    time: Optional[Decimal]
    vetoed: bool
    veto_reasons: tuple[str, ...]
    passed: bool
    rounds: tuple[RoundResult, ...]
    explanation: Explanation
    members: tuple["EntryResult", ...] = ()

    def round(self, code: str) -> Optional[RoundResult]:
        return next((r for r in self.rounds if r.round == code), None)

    def round_score(self, code: str) -> Optional[Decimal]:
        """The entry's score in a round, or None. A team scored from its members' results (`team_result`) has no
        rounds of its own: its round score is the sum of its counted members' scores in that round (团体成绩 =
        队员成绩之和), None when none of them has one. Exact: each member's score is already rounded half-up at the
        round's places, so the Decimal sum keeps those places and rounds nothing. Exports, the ranking page and the
        tie-break chain (`value`) all read round scores here."""
        if self.members:
            scores = [s for m in self.members if (s := m.round_score(code)) is not None]
            return sum(scores, ZERO) if scores else None
        for rr in self.rounds:  # looked up directly: ranking asks this of every tied entry
            if rr.round == code:
                return rr.score
        return None

    def round_scores(self) -> dict[str, Decimal]:
        """Round code -> `round_score` for every round the entry (a team: any of its counted members) has."""
        if not self.members:
            return {rr.round: rr.score for rr in self.rounds}
        codes = dict.fromkeys(code for m in self.members for code in m.round_scores())
        return {code: score for code in codes if (score := self.round_score(code)) is not None}

    def value(self, key: TieBreakKey) -> Optional[Decimal]:
        """The figure a tie-break key compares (teams: the sum over members; a round score: `round_score`)."""
        if key.key == "round":
            return self.round_score(key.code or "")
        if self.members:
            values = [v for m in self.members if (v := m.value(key)) is not None]
            return sum(values, ZERO) if values else None
        if key.key == "time":
            return self.time
        round_code, _, crit = (key.code or "").partition(".")
        rr = self.round(round_code)
        cr = rr.criterion(crit) if rr is not None else None
        return None if cr is None else cr.value
