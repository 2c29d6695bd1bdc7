"""Pure domain rules: no Flask, no SQLAlchemy; frozen dataclasses in and out; Decimal, rounded half-up.

Public API
- types:      ContestSpec, EventSpec, RoundSpec, CriterionSpec, PanelRule, Choice, TieBreakKey, AwardRule,
              AwardLevel, TitleRule, DEFAULT_TIE_BREAK, OBJECTIVE_PANEL, SpecError, round_half_up
- scores:     Mark, EntryRoundInput, PanelStats, RoundStats (inputs); CriterionResult, RoundResult, EntryResult,
              Explanation, Line (results); ScoringError
- panel:      the panel rule, once: panel_value, criterion_value, score_criterion, needs_values, stats_of
- scoring:    the one engine: score_round / score_entry / score_event (single marks, explained) and
              score_round_stats / score_entry_stats (per-criterion statistics, unexplained), team_result,
              chain_criteria -- both through the same round and entry arithmetic
- batch:      plan_event, plain_part, score_event_stats (a whole event from one aggregate query's rows)
- ranking:    rank(results, chain, unshared_places, decisions) -> [Ranked], TieDecision, pending_ties,
              rank_outcome(...) -> RankOutcome(ranked, stale_decisions) (decisions that match no tie any more)
- awards:     assign_awards(rule, ranked) -> [Award], award_counts
- titles:     grant_titles(rules, ranked, entrants, contest_date, awards) -> [TitleGrant], Entrant, age_on
- draw:       draw_lots(entries, seed, levels, workstations) -> Draw(seed, lots=[Lot]), new_seed
- definition: parse_contest(dict), parse_round(dict), loads_contest(text), dump_contest(spec), dumps_contest(spec),
              DefinitionError
- periods:    plan_periods(schedule, start, end, deadline_days) -> [PeriodPlan], SCHEDULES (merit / 1+X periods);
              schedule_of(codes), span_from(schedule, start, count), successor(old, new, code) (re-dating)
- merit:      red_flags, flag_top, RankBand + rank_rewards, PeriodScore + year_result, HonourRule + allocate_honours
- publicity:  add_working_days, appeal_deadline, appeals_close_at, appeals_open, finalise_holds -> [Hold]
              (publicity period, appeal window, when results may become final)
- recusal:    Affiliation (units a person or candidate belongs to) + shares_unit, unit_key, panel_level /
              panel_wanted / panel_floor (is the panel left after recusal big enough: OK, SHORT, BLOCKED)
"""
from .awards import Award, assign_awards, award_counts
from .definition import DefinitionError, dump_contest, dumps_contest, loads_contest, parse_contest, parse_round
from .batch import RoundPlan, plain_part, plan_event, score_event_stats
from .panel import criterion_value, needs_values, score_criterion, stats_of
from .scores import (CriterionResult, EntryResult, EntryRoundInput, Explanation, Line, Mark, PanelStats, RoundResult,
                     RoundStats, ScoringError)
from .draw import Draw, Lot, draw_lots, new_seed
from .ranking import Ranked, RankOutcome, TieDecision, pending_ties, rank, rank_outcome
from .scoring import (chain_criteria, score_entry, score_entry_stats, score_event, score_round, score_round_stats,
                      team_result)
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
    "DefinitionError", "dump_contest", "dumps_contest", "loads_contest", "parse_contest", "parse_round",
    "PanelStats", "RoundStats", "chain_criteria", "criterion_value", "needs_values", "stats_of",
    "RoundPlan", "plain_part", "plan_event", "score_event_stats", "score_entry_stats", "score_round_stats",
    "Draw", "Lot", "draw_lots", "new_seed",
    "Ranked", "RankOutcome", "TieDecision", "pending_ties", "rank", "rank_outcome",
    "CriterionResult", "EntryResult", "EntryRoundInput", "Explanation", "Line", "Mark", "RoundResult",
    "ScoringError", "score_criterion", "score_entry", "score_event", "score_round", "team_result",
    "Entrant", "TitleGrant", "age_on", "grant_titles",
    "DEFAULT_TIE_BREAK", "OBJECTIVE_PANEL", "AwardLevel", "AwardRule", "Choice", "ContestSpec", "CriterionSpec",
    "EventSpec", "PanelRule", "RoundSpec", "SpecError", "TieBreakKey", "TitleRule", "round_half_up",
]
