"""The judging services by their old single name, for the areas that still import it (craftsman, results, demo).
Each rule lives in its own module -- draws, cards, assignments (and recusal), criteria, sheets (marks and sign-off),
signoff (the chief judge), membership -- and new code imports from there. Services take the acting user and objects,
raise JudgingError, and never commit."""
from __future__ import annotations

from contestapp.judging.common import (  # noqa: F401
    EDITABLE, JudgingError, OPTIONAL_KINDS, as_text, judge_code, local_today, round_confirmed)
from contestapp.judging.criteria import (  # noqa: F401
    assigned_criteria, contest_kind, criterion_json, criterion_spec, sheet_total)
from contestapp.judging.notes import notes_by_sheet, reason_rules  # noqa: F401
from contestapp.judging.assignments import (  # noqa: F401
    assign, declare_conflict, ensure_member, ensure_sheets, is_recused, sync_unit_recusals, unassign)
from contestapp.judging.draws import (  # noqa: F401
    MANUAL_COLUMNS, draw_event, import_manual_draw, latest_draw, read_manual_draw, verify_draw)
from contestapp.judging.cards import (  # noqa: F401
    CARD_ALPHABET, CardLoginError, card_login, card_valid, issue_card, revoke_card)
from contestapp.judging.sheets import (  # noqa: F401
    CriterionRow, DuplicateKey, SheetContext, judge_assignments, load_sheet_for_judge, parse_marks, parse_notes,
    put_marks, replay_or_refuse, round_criteria, sheet_for_judge, sheet_state, signature_of, submit_sheet)
from contestapp.judging.signoff import (  # noqa: F401
    confirm_round, decrypt_event, decryption_of, judged_rounds, record_tie, return_sheet, round_sheets)
from contestapp.judging.models import (  # noqa: F401
    VOID_STATUS, Assignment, Decryption, JudgeCard, LotDraw, Mark, MarkWrite, Recusal, RoundConfirmation, ScoreSheet,
    SheetStatus, TieDecision)
