"""Result exports: ranking as CSV / Excel / PDF, the marks workbook (成绩明细表), and a CJK PDF table helper.

CSV columns: rank,entry,name,unit,total, then one column per round code (entry = 加密号, or 参赛编号 before the
draw; a team ranked on its members' results has their summed round scores, `EntryResult.round_scores`). PDFs embed
a TrueType CJK subset found by `contestapp.certificates.fonts` (the font is set before anything is drawn, so no
non-embedded base font appears).
"""
from __future__ import annotations

from typing import Iterable, Optional, Sequence

from flask import current_app
from sqlalchemy import select

from contestapp.auth.models import User
from contestapp.certificates.fonts import load_fonts
from contestapp.common.pdfdoc import MM, PdfDoc
from contestapp.common.tables import csv_bytes, xlsx_bytes
from contestapp.contests.models import Criterion, Event, Round
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.judging.models import Mark, ScoreSheet
from contestapp.results.aggregate import dec, raw as _raw
from contestapp.results.engine import Ranking


def ranking_table(ranking: Ranking) -> tuple[list[str], list[list[str]]]:
    rounds = [rs.code for rs in ranking.spec.rounds]
    header = ["rank", "entry", "name", "unit", "total", *rounds]
    rows = []
    for r, info in ranking.rows():
        scores = r.result.round_scores()
        rows.append([r.rank, info.label, info.name, info.unit, r.total, *[scores.get(c, "") for c in rounds]])
    return header, rows


to_csv, to_xlsx = csv_bytes, xlsx_bytes  # every cell through contestapp.common.tables (no live formulas)


def pdf_table(title: str, subtitle: str, header: Sequence[str], rows: Sequence[Sequence[str]], footer: str = "",
              aligns: Optional[Sequence[str]] = None) -> bytes:
    """A paginated A4 table in an embedded CJK font, title and subtitle on every page: columns as wide as their
    content allows, text that does not fit shrinks, then wraps (`contestapp.common.pdfdoc`)."""
    def head(doc: PdfDoc) -> None:
        doc.heading(title, 16, after=3)
        if subtitle:
            doc.text(subtitle, 10, 8, align="center", paragraph=False, after=3)
        doc.space(3 * MM)

    doc = PdfDoc(load_fonts(current_app.config.get("CERT_FONT")), title, head=head, footer=footer)
    doc.table(header, [["" if v is None else str(v) for v in row] for row in rows], aligns=aligns)
    return doc.finish()


def ranking_pdf(event: Event, ranking: Ranking) -> bytes:
    header, rows = ranking_table(ranking)
    return ranking_rows_pdf(event.contest.name, event.name, [rs.name for rs in ranking.spec.rounds], rows)


def ranking_rows_pdf(contest_name: str, event_name: str, round_names: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    """成绩排名 PDF from `ranking_table` rows (rank, entry, name, unit, total, one score per round)."""
    return pdf_table(contest_name, f"{event_name} 成绩排名", ["名次", "编号", "姓名", "单位", "总成绩", *round_names],
                     rows)


def marks_rows(event: Event) -> Iterable[list]:
    """Every mark of the event (成绩明细表): one row per judge and criterion, with the sheet's status and source."""
    query = (select(Round.code, Entry.number, Entry.code, Criterion.code, Criterion.name, User.username,
                    _raw(Mark.value), ScoreSheet.status, ScoreSheet.source)
             .select_from(Mark).join(ScoreSheet, ScoreSheet.id == Mark.sheet_id)
             .join(Round, Round.id == ScoreSheet.round_id).join(Criterion, Criterion.id == Mark.criterion_id)
             .join(Entry, Entry.id == ScoreSheet.entry_id).join(User, User.id == ScoreSheet.judge_id)
             .where(Round.event_id == event.id)
             .order_by(Entry.number, Round.order, Criterion.order, User.username))
    for rcode, number, code, ccode, cname, judge, value, status, source in db.session.execute(query):
        yield [event.code, rcode, number, code or "", ccode, cname, judge, dec(value), status, source]


def marks_workbook(event: Event, ranking: Ranking, explanations: dict) -> bytes:
    """成绩明细表: the ranking with every explanation, and every raw mark."""
    header, rows = ranking_table(ranking)
    rows = [[*row, explanations.get(info.id, "")] for row, (_, info) in zip(rows, ranking.rows())]
    marks_header = ["event", "round", "number", "code", "criterion", "criterion_name", "judge", "value", "status",
                    "source"]
    return to_xlsx([("排名", [*header, "成绩明细"], rows), ("评分明细", marks_header, marks_rows(event))])
