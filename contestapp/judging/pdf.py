"""Printable judging documents: draw sheets for witnesses, judge login cards (8 per A4), signed score sheets.

Every page sets an embedded CJK TrueType font (contestapp.certificates.fonts) before drawing anything, so no
non-embedded Helvetica is left in the file; QR codes are segno matrices drawn as one path.
"""
from __future__ import annotations

import io
from typing import Iterable, Sequence

from flask import current_app
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from contestapp.certificates.fonts import load_fonts
from contestapp.certificates.qr import qr_matrix, qr_path_ops

W, H = A4


def _font() -> str:
    return load_fonts(current_app.config.get("CERT_FONT")).primary("hei").name


class _Doc:
    def __init__(self, title: str):
        self.buf = io.BytesIO()
        self.c = Canvas(self.buf, pagesize=A4, pageCompression=1, initialFontName=_font(), initialFontSize=10)
        self.c.setTitle(title)
        self.c.setAuthor("contestapp")
        self.font = _font()
        self.c.setFont(self.font, 10)

    def text(self, x: float, y: float, s: str, size: float = 10, right: bool = False, centre: bool = False):
        self.c.setFont(self.font, size)
        if right:
            self.c.drawRightString(x, y, s)
        elif centre:
            self.c.drawCentredString(x, y, s)
        else:
            self.c.drawString(x, y, s)

    def fit(self, s: str, width: float, size: float) -> str:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        while s and stringWidth(s, self.font, size) > width:
            s = s[:-1]
        return s

    def new_page(self):
        self.c.showPage()
        self.c.setFont(self.font, 10)

    def done(self) -> bytes:
        self.c.save()
        return self.buf.getvalue()


def table(doc: _Doc, title_lines: Sequence[str], headers: Sequence[str], widths: Sequence[float],
          rows: Iterable[Sequence[str]], footer_lines: Sequence[str], row_h: float = 7 * mm) -> None:
    """A titled table over as many pages as needed, with the footer (signature lines) after the last row."""
    left = 15 * mm
    total_w = sum(widths)

    def head() -> float:
        y = H - 20 * mm
        for i, line in enumerate(title_lines):
            doc.text(W / 2, y, line, 16 if i == 0 else 10, centre=True)
            y -= 9 * mm if i == 0 else 6 * mm
        y -= 2 * mm
        x = left
        doc.c.setLineWidth(0.6)
        doc.c.rect(left, y - row_h, total_w, row_h)
        for h, w in zip(headers, widths):
            doc.text(x + 2, y - row_h + 2.2 * mm, doc.fit(h, w - 4, 10), 10)
            x += w
        return y - row_h

    y = head()
    for row in rows:
        if y - row_h < 40 * mm:
            doc.text(W - 15 * mm, 12 * mm, "（续下页）", 9, right=True)
            doc.new_page()
            y = head()
        x = left
        doc.c.rect(left, y - row_h, total_w, row_h)
        for cell, w in zip(row, widths):
            doc.text(x + 2, y - row_h + 2.2 * mm, doc.fit(str(cell), w - 4, 10), 10)
            x += w
        y -= row_h
    y -= 10 * mm
    for line in footer_lines:
        if y < 20 * mm:
            doc.new_page()
            y = H - 25 * mm
        doc.text(left, y, line, 11)
        y -= 10 * mm


def draw_sheet_pdf(contest, event, draw, rows: list[dict]) -> bytes:
    """抽签记录表: the lots with names (sealed after signing), seed and signature lines for the witnesses."""
    doc = _Doc(f"{event.name} 抽签记录表")
    how = f"随机种子 {draw.seed}（可复核）" if draw.method == "seeded" else "人工抽签结果导入"
    levels = "二次加密" if draw.levels == 2 else "一次加密"
    from contestapp.filters import local_time

    headers = ["工位号", "参赛编号", "姓名", "单位", "加密号"] + (["二次加密号"] if draw.levels == 2 else [])
    widths = [18 * mm, 26 * mm, 28 * mm, 58 * mm, 25 * mm] + ([25 * mm] if draw.levels == 2 else [])
    if draw.levels == 1:
        widths[3] += 25 * mm
    body = [[str(r["workstation"]), r["number"], r["name"], r["unit"], r["code"]]
            + ([r["code2"] or ""] if draw.levels == 2 else []) for r in rows]
    table(doc, [f"{event.name} 抽签记录表", contest.name,
                f"{levels} · {how} · 抽签时间 {local_time(draw.drawn_at)} · 共 {len(rows)} 人"],
          headers, widths, body,
          ["本表一式两份，签字后密封，由监督人保管，解密前不得开启。",
           "抽签监督人（签字）：____________________    日期：____________",
           "记录人（签字）：____________________    裁判长（签字）：____________________"])
    return doc.done()


CARD_W, CARD_H = 90 * mm, 62 * mm
MARGIN_X, MARGIN_Y = (W - 2 * CARD_W) / 2, (H - 4 * CARD_H) / 2


def cards_pdf(contest, cards: list, base_url: str) -> bytes:
    """Judge login cards, 8 per A4 page (2 × 4) with cut lines: QR (logs in without typing), code and PIN."""
    doc = _Doc(f"{contest.name} 裁判登录卡")
    c = doc.c
    for i, card in enumerate(cards):
        if i and i % 8 == 0:
            doc.new_page()
        col, row = i % 2, (i % 8) // 2
        x0 = MARGIN_X + col * CARD_W
        y0 = H - MARGIN_Y - (row + 1) * CARD_H
        c.setDash(2, 2)
        c.setLineWidth(0.3)
        c.rect(x0, y0, CARD_W, CARD_H)
        c.setDash()
        pad = 5 * mm
        doc.text(x0 + pad, y0 + CARD_H - 9 * mm, doc.fit(contest.name, CARD_W - 2 * pad, 9), 9)
        doc.text(x0 + pad, y0 + CARD_H - 17 * mm, "裁判登录卡", 14)
        doc.text(x0 + pad, y0 + CARD_H - 25 * mm, doc.fit(card.judge.display_name, 40 * mm, 12), 12)
        code = f"{card.code[:4]}-{card.code[4:]}"
        doc.text(x0 + pad, y0 + 26 * mm, "卡号", 8)
        doc.text(x0 + pad, y0 + 20 * mm, code, 14)
        doc.text(x0 + pad, y0 + 14 * mm, "PIN", 8)
        doc.text(x0 + pad, y0 + 8 * mm, card.pin, 14)
        doc.text(x0 + pad, y0 + 3 * mm, f"有效期 {card.valid_from} 至 {card.valid_until}", 7)
        url = f"{base_url.rstrip('/')}/judging/card#{card.code}-{card.pin}"
        size = 34 * mm
        c.addLiteral(qr_path_ops(qr_matrix(url, error="m"), x0 + CARD_W - pad - size, y0 + CARD_H - 8 * mm, size))
        doc.text(x0 + CARD_W - pad - size / 2, y0 + CARD_H - 8 * mm - size - 4 * mm, "扫码登录", 8, centre=True)
        doc.text(x0 + CARD_W - pad, y0 + 3 * mm, "遗失请立即报告组织者作废", 7, right=True)
    if not cards:
        doc.text(W / 2, H / 2, "没有有效的登录卡", 14, centre=True)
    return doc.done()


def score_sheets_pdf(contest, rnd, judge, criteria: list, sheets: list[dict]) -> bytes:
    """评分表: one judge's signed sheets of a round (codes only), with the signature digests and a signature line."""
    from contestapp.filters import local_time

    doc = _Doc(f"{rnd.event.name} {rnd.name} 评分表 {judge.display_name}")
    crit_w = min(22 * mm, (180 * mm - 24 * mm - 24 * mm - 30 * mm) / max(1, len(criteria)))
    headers = ["加密号"] + [c.name for c in criteria] + ["合计", "签名时间"]
    widths = [24 * mm] + [crit_w] * len(criteria) + [24 * mm, 30 * mm]
    body = [[s["code"]] + [s["marks"].get(c.id, "") for c in criteria]
            + [s["total"], local_time(s["submitted_at"]) if s["submitted_at"] else s["status_label"]] for s in sheets]
    legend = "；".join(f"{c.code}={c.name}（{c.kind_label}，满分 {c.max}）" for c in criteria)
    table(doc, [f"{rnd.event.name} · {rnd.name} 评分表", f"{contest.name} · 裁判 {judge.display_name}",
                doc.fit(legend, 180 * mm, 10)], headers, widths, body,
          [f"签名摘要：" + doc.fit("，".join(f"{s['code']}:{(s['signature'] or '')[:12]}" for s in sheets), 170 * mm, 9),
           "裁判（签字）：____________________    裁判长（签字）：____________________    日期：____________"])
    return doc.done()
