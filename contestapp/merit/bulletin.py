"""The period bulletin (通报) as a PDF: ranking, red-flag holders, every deduction with its reason, veto notices.

Text is set in an embedded CJK TrueType font from `contestapp.certificates.fonts` (never a non-embedded font: the
canvas starts in our font, so no Helvetica is referenced either).
"""
from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from flask import current_app
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from contestapp.certificates.fonts import load_fonts
from contestapp.common.db import plain


def distinct_notes(notes: list[dict]) -> list[dict]:
    """A unit's deductions, bonuses and vetoes with their reasons, each finding once: the assessors of a group often
    record the same finding (same item, points, reason and document number), which is read once."""
    seen, out = set(), []
    for n in notes:
        key = (n.get("criterion"), n.get("kind"), n.get("value"), n.get("note"), n.get("document_no"))
        if key not in seen:
            seen.add(key)
            out.append(n)
    return out


def _num(value) -> str:
    return "" if value is None else str(plain(value))


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4),
        "sub": ParagraphStyle("sub", parent=base, fontSize=10, alignment=TA_CENTER, textColor=colors.grey),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=20, spaceBefore=10, spaceAfter=4),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
    }


def render_bulletin(period, computed, previous: dict[int, list[str]]) -> bytes:
    """The bulletin's bytes. `computed`: event id -> (event, standings) from services.compute_period."""
    from contestapp.merit.periods import project_of

    fonts = load_fonts(current_app.config.get("CERT_FONT"))
    font = fonts.primary("hei").name
    st = _styles(font)
    contest = period.contest
    project = project_of(contest)
    story = [Paragraph(escape(f"{contest.name}"), st["title"]),
             Paragraph(escape(f"{period.name}通报"), st["title"]),
             Paragraph(escape(f"考评期 {period.starts_on} 至 {period.ends_on}"
                              + (f" · 项目：{project.name}" if project else "")
                              + (f" · 建设单位：{project.owner}" if project and project.owner else "")), st["sub"]),
             Spacer(1, 6 * mm)]
    label = "前列" if contest.kind == "points" else "流动红旗"
    for event_id, (event, standings) in computed.items():
        story.append(Paragraph(escape(f"一、{event.name}考评排名"), st["h2"]))
        rows = [["名次", "名称", "所属单位", "自评", "考评得分", "奖惩", "备注"]]
        for s in standings:
            r = s.result
            remark = []
            if s.red_flag:
                remark.append(label)
            if r is not None and r.vetoed:
                remark.append("一票否决")
            if s.problem:
                remark.append(s.problem[:40])
            rows.append([str(s.rank or "—"), s.name, s.entry.entrant.unit_name if s.entry.entrant.kind != "unit" else "",
                         _num(s.self_score), _num(r.score) if r else "—",
                         "、".join(f"{b.label}{'' if not b.amount else f'（{_num(b.amount)}元）'}" for b in s.rewards),
                         "、".join(remark)])
        table = Table([[Paragraph(escape(str(c)), st["cell"]) for c in row] for row in rows],
                      colWidths=[12 * mm, 42 * mm, 30 * mm, 16 * mm, 18 * mm, 32 * mm, 30 * mm], repeatRows=1)
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), font),  # the table sets its cell font even around Paragraphs
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3d6d6")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        story.append(table)
        holders = [s.name for s in standings if s.red_flag]
        story.append(Paragraph(escape(f"二、{label}：" + ("、".join(holders) or "无")), st["h2"]))
        before = previous.get(event_id)
        if before is not None and contest.kind != "points":
            gone = [n for n in before if n not in holders]
            new = [n for n in holders if n not in before]
            text = f"上期{label}：{'、'.join(before) or '无'}。"
            if gone:
                text += f"本期收回：{'、'.join(gone)}。"
            if new:
                text += f"本期授予：{'、'.join(new)}。"
            story.append(Paragraph(escape(text), st["body"]))
        story.append(Paragraph(escape("三、扣分、加分及通报情况"), st["h2"]))
        any_note = False
        for s in standings:
            for n in distinct_notes(s.notes):
                if n["kind"] == "veto":
                    continue
                any_note = True
                what = {"deduction": "扣", "bonus": "加", "evidence": "未计"}.get(n["kind"], "")
                value = n["value"]
                if n["kind"] == "bonus" and value.startswith("-"):
                    what, value = "扣", value[1:]
                count = f"（{n['count']} 处）" if n.get("count") else ""
                doc = f"（{n['document_no']}）" if n.get("document_no") else ""
                story.append(Paragraph(escape(f"{s.name}：{n['criterion']} {what} {value} 分{count}。"
                                              f"原因：{n['note']}{doc}"), st["body"]))
        if not any_note:
            story.append(Paragraph("本期无扣分、加分事项。", st["body"]))
        unexplained = sum(1 for s in standings for n in s.notes if n.get("missing") and n["kind"] != "veto")
        if unexplained:  # a deduction entered without its required reason (e.g. on a tablet) is said, not hidden
            story.append(Paragraph(escape(f"注：以上有 {unexplained} 项扣分、加分未填写原因（考评人员未补填）。"),
                                   st["body"]))
        vetoes = [(s, n) for s in standings for n in distinct_notes(s.notes) if n["kind"] == "veto"]
        story.append(Paragraph(escape("四、一票否决"), st["h2"]))
        if vetoes:
            for s, n in vetoes:
                story.append(Paragraph(escape(
                    f"{s.name}：发生“{n['criterion'].replace('一票否决：', '')}”（{n['note']}），实行一票否决，"
                    f"取消本期及本年度评先评优资格。"), st["body"]))
        else:
            story.append(Paragraph("本期无一票否决事项。", st["body"]))
    story.append(Spacer(1, 8 * mm))
    story.append(Paragraph(escape(f"{contest.organisation.name}"), st["body"]))

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"{contest.name} {period.name}通报", author="contestapp",
                            initialFontName=font, initialFontSize=10)  # the canvas never starts in Helvetica

    def page_number(canvas, document):
        canvas.setFont(font, 8)
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"第 {document.page} 页")

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return out.getvalue()


def bulletin_dir(contest_id: int) -> Path:
    path = Path(current_app.config["INSTANCE_PATH"]) / "bulletins" / str(contest_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_bulletin(period, computed, previous) -> tuple[str, str, int]:
    """Write the bulletin file atomically (temp file + rename); returns (path, sha256, size)."""
    content = render_bulletin(period, computed, previous)
    path = bulletin_dir(period.contest_id) / f"{period.code}.pdf"
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)
    return str(path), hashlib.sha256(content).hexdigest(), len(content)
