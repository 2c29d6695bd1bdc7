"""Result exports: ranking as CSV / Excel / PDF, the marks workbook (成绩明细表), and a CJK PDF table helper.

CSV columns: rank,entry,name,unit,total, then one column per round code (entry = 加密号, or 参赛编号 before the
draw; a team ranked on its members' results has their summed round scores, `EntryResult.round_scores`). PDFs embed
a TrueType CJK subset found by `contestapp.certificates.fonts` (the font is set before anything is drawn, so no
non-embedded base font appears).
"""
from __future__ import annotations

import io
from typing import Iterable, Optional, Sequence

from sqlalchemy import select

from contestapp.common.tables import csv_bytes, xlsx_bytes
from contestapp.contests.models import Criterion, Event, Round
from contestapp.extensions import db
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


def pdf_table(title: str, subtitle: str, header: Sequence[str], rows: Sequence[Sequence[str]],
              widths: Optional[Sequence[float]] = None, footer: str = "") -> bytes:
    """A paginated A4 table with Chinese text in an embedded TrueType font."""
    from flask import current_app
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from contestapp.certificates.fonts import load_fonts

    fonts = load_fonts(current_app.config.get("CERT_FONT"))
    font = fonts.primary("hei").name
    page_w, page_h = A4
    margin = 40
    usable = page_w - 2 * margin
    widths = list(widths or [1] * len(header))
    scale = usable / sum(widths)
    widths = [w * scale for w in widths]
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1, initialFontName=font, initialFontSize=10)
    c.setTitle(title)
    c.setAuthor("contestapp")
    line_h = 18
    size = 10

    def fit(text: str, width: float) -> str:
        text = str(text)
        while text and c.stringWidth(text, font, size) > width - 4:
            text = text[:-1]
        return text

    page = 1

    def start_page() -> float:
        c.setFont(font, 16)  # our font first: the canvas would otherwise start with a base-14 font
        c.drawCentredString(page_w / 2, page_h - margin - 10, title)
        c.setFont(font, 10)
        if subtitle:
            c.drawCentredString(page_w / 2, page_h - margin - 30, subtitle)
        y = page_h - margin - 60
        c.setFont(font, size)
        x = margin
        for h, w in zip(header, widths):
            c.drawString(x + 2, y, fit(h, w))
            x += w
        c.line(margin, y - 5, page_w - margin, y - 5)
        return y - line_h

    def end_page() -> None:
        c.setFont(font, 8)
        c.drawRightString(page_w - margin, margin / 2, f"第 {page} 页")
        if footer:
            c.drawString(margin, margin / 2, footer)

    y = start_page()
    for row in rows:
        if y < margin + line_h:
            end_page()
            c.showPage()
            page += 1
            y = start_page()
        x = margin
        for value, w in zip(row, widths):
            c.drawString(x + 2, y, fit("" if value is None else value, w))
            x += w
        y -= line_h
    end_page()
    c.save()
    return buf.getvalue()


def ranking_pdf(event: Event, ranking: Ranking) -> bytes:
    header, rows = ranking_table(ranking)
    labels = ["名次", "编号", "姓名", "单位", "总成绩", *[rs.name for rs in ranking.spec.rounds]]
    return pdf_table(f"{event.contest.name}", f"{event.name} 成绩排名", labels, rows,
                     [1, 1.6, 1.5, 3, 1.4, *[1.4] * len(ranking.spec.rounds)])


def marks_rows(event: Event) -> Iterable[list]:
    """Every mark of the event (成绩明细表): one row per judge and criterion, with the sheet's status and source."""
    from contestapp.auth.models import User
    from contestapp.entrants.models import Entry
    from contestapp.judging.models import Mark, ScoreSheet

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
