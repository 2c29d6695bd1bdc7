"""Pure domain rules: no Flask, no SQLAlchemy; frozen dataclasses in and out; Decimal, rounded half-up.

Public API
- types:      ContestSpec, EventSpec, RoundSpec, CriterionSpec, PanelRule, Choice, TieBreakKey, AwardRule,
              AwardLevel, TitleRule, DEFAULT_TIE_BREAK, OBJECTIVE_PANEL, SpecError, round_half_up
- scoring:    Mark, EntryRoundInput, score_criterion, score_round, score_entry, score_event, team_result,
              CriterionResult, RoundResult, EntryResult, Explanation, Line, ScoringError
- ranking:    rank(results, chain, unshared_places, decisions) -> [Ranked], TieDecision, pending_ties,
              rank_outcome(...) -> RankOutcome(ranked, stale_decisions) (decisions that match no tie any more)
- awards:     assign_awards(rule, ranked) -> [Award], award_counts
- titles:     grant_titles(rules, ranked, entrants, contest_date, awards) -> [TitleGrant], Entrant, age_on
- fast:       PanelStats, RoundStats, fast_entry, fast_round, criterion_value, needs_values, chain_criteria, stats_of,
              score_event_rows (a whole event from aggregate rows)
              (the same results from per-criterion aggregates, no explanation; for ranking from a database)
- draw:       draw_lots(entries, seed, levels, workstations) -> Draw(seed, lots=[Lot]), new_seed
- definition: parse_contest(dict), loads_contest(text), dump_contest(spec), dumps_contest(spec), DefinitionError
- periods:    plan_periods(schedule, start, end, deadline_days) -> [PeriodPlan], SCHEDULES (merit / 1+X periods)
- merit:      red_flags, flag_top, RankBand + rank_rewards, PeriodScore + year_result, HonourRule + allocate_honours
- recusal:    Affiliation (units a person or candidate belongs to) + shares_unit, unit_key, panel_level /
              panel_wanted / panel_floor (is the panel left after recusal big enough: OK, SHORT, BLOCKED)
"""
from .awards import Award, assign_awards, award_counts
from .definition import DefinitionError, dump_contest, dumps_contest, loads_contest, parse_contest
from .fast import PanelStats, RoundStats, chain_criteria, criterion_value, fast_entry, fast_round, needs_values, stats_of
from .fast import score_event_rows
from .draw import Draw, Lot, draw_lots, new_seed
from .ranking import Ranked, RankOutcome, TieDecision, pending_ties, rank, rank_outcome
from .scoring import (
    CriterionResult,
    EntryResult,
    EntryRoundInput,
    Explanation,
    Line,
    Mark,
    RoundResult,
    ScoringError,
    score_criterion,
    score_entry,
    score_event,
    score_round,
    team_result,
)
from .titles import Entrant, TitleGrant, age_on, grant_titles
from .types import (
    DEFAULT_TIE_BREAK,
    OBJECTIVE_PANEL,
    AwardLevel,
    AwardRule,
    Choice,
    ContestSpec,
    CriterionSpec,
    EventSpec,
    PanelRule,
    RoundSpec,
    SpecError,
    TieBreakKey,
    TitleRule,
    round_half_up,
)

__all__ = [
    "Award", "assign_awards", "award_counts",
    "DefinitionError", "dump_contest", "dumps_contest", "loads_contest", "parse_contest",
    "PanelStats", "RoundStats", "chain_criteria", "criterion_value", "fast_entry", "fast_round", "needs_values",
    "stats_of", "score_event_rows",
    "Draw", "Lot", "draw_lots", "new_seed",
    "Ranked", "RankOutcome", "TieDecision", "pending_ties", "rank", "rank_outcome",
    "CriterionResult", "EntryResult", "EntryRoundInput", "Explanation", "Line", "Mark", "RoundResult",
    "ScoringError", "score_criterion", "score_entry", "score_event", "score_round", "team_result",
    "Entrant", "TitleGrant", "age_on", "grant_titles",
    "DEFAULT_TIE_BREAK", "OBJECTIVE_PANEL", "AwardLevel", "AwardRule", "Choice", "ContestSpec", "CriterionSpec",
    "EventSpec", "PanelRule", "RoundSpec", "SpecError", "TieBreakKey", "TitleRule", "round_half_up",
]
