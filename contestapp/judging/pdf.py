"""Printable judging documents: draw sheets for witnesses, judge login cards (8 per A4), signed score sheets.

Drawn by `contestapp.common.pdfdoc` in the embedded CJK TrueType fonts of `contestapp.certificates.fonts` (no
non-embedded Helvetica) with the app's one text-fitting rule: text shrinks, then wraps, and is never cut. QR codes
are segno matrices drawn as one path.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from flask import current_app
from reportlab.lib.pagesizes import A4

from contestapp.certificates.fonts import load_fonts
from contestapp.certificates.qr import qr_matrix, qr_path_ops
from contestapp.common.pdfdoc import GREY, MM, PdfDoc
from contestapp.common.formatting import local_time

W, H = A4


def _doc(title: str, head_lines: Sequence[str] = (), page_numbers: bool = True) -> PdfDoc:
    def head(doc: PdfDoc) -> None:
        for i, line in enumerate(head_lines):
            if i == 0:
                doc.heading(line, 16, after=3)
            else:
                doc.text(line, 10, 8, align="center", paragraph=False, after=2)
        doc.space(2 * MM)

    return PdfDoc(load_fonts(current_app.config.get("CERT_FONT")), title, head=head if head_lines else None,
                  page_numbers=page_numbers)


def table(doc: PdfDoc, headers: Sequence[str], rows: Iterable[Sequence[str]], footer_lines: Sequence[str],
          notes: Sequence[str] = ()) -> None:
    """A table over as many pages as needed (header repeated), notes before it, signature lines after it."""
    for note in notes:
        doc.text(note, 9, 7.5, after=2)
    doc.table(headers, list(rows), size=10, min_size=8)
    doc.space(4 * MM)
    for line in footer_lines:
        doc.text(line, 11, 8, before=6 * MM)


def draw_sheet_pdf(contest, event, draw, rows: list[dict]) -> bytes:
    """抽签记录表: the lots with names (sealed after signing), seed and signature lines for the witnesses."""
    how = f"随机种子 {draw.seed}（可复核）" if draw.method == "seeded" else "人工抽签结果导入"
    levels = "二次加密" if draw.levels == 2 else "一次加密"
    doc = _doc(f"{event.name} 抽签记录表", [f"{event.name} 抽签记录表", contest.name,
                                        f"{levels} · {how} · 抽签时间 {local_time(draw.drawn_at)} · 共 {len(rows)} 人"])
    headers = ["工位号", "参赛编号", "姓名", "单位", "加密号"] + (["二次加密号"] if draw.levels == 2 else [])
    body = [[str(r["workstation"]), r["number"], r["name"], r["unit"], r["code"]]
            + ([r["code2"] or ""] if draw.levels == 2 else []) for r in rows]
    table(doc, headers, body,
          ["本表一式两份，签字后密封，由监督人保管，解密前不得开启。",
           "抽签监督人（签字）：____________________    日期：____________",
           "记录人（签字）：____________________    裁判长（签字）：____________________"])
    return doc.finish()


CARD_W, CARD_H = 90 * MM, 62 * MM
MARGIN_X, MARGIN_Y = (W - 2 * CARD_W) / 2, (H - 4 * CARD_H) / 2
CARD_PAD = 5 * MM
QR_SIZE = 34 * MM
QR_GAP = 3 * MM  # between the left column and the QR code


def card_qr_box(index: int) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) in pt of the QR code of card ``index`` on its page (PDF coordinates)."""
    x0, y0 = card_origin(index)
    left = x0 + CARD_W - CARD_PAD - QR_SIZE
    top = y0 + CARD_H - CARD_PAD
    return left, top - QR_SIZE, left + QR_SIZE, top


def card_origin(index: int) -> tuple[float, float]:
    col, row = index % 2, (index % 8) // 2
    return MARGIN_X + col * CARD_W, H - MARGIN_Y - (row + 1) * CARD_H


def _card(doc: PdfDoc, index: int, contest_name: str, card, url: str) -> None:
    """One card: the contest's name, heading and judge in the left column beside the QR code (never under it),
    card number and PIN below them, validity and a warning across the bottom."""
    c = doc.c
    x0, y0 = card_origin(index)
    c.saveState()
    c.setDash(2, 2)
    c.setLineWidth(0.3)
    c.rect(x0, y0, CARD_W, CARD_H)
    c.restoreState()
    qleft, qbottom, qright, qtop = card_qr_box(index)
    c.addLiteral(qr_path_ops(qr_matrix(url, error="m"), qleft, qtop, QR_SIZE))
    doc.box("扫码登录", qleft, qbottom - 1.2 * MM, QR_SIZE, 8, 6, max_lines=1, align="center", rgb=GREY)

    left, width = x0 + CARD_PAD, qleft - QR_GAP - (x0 + CARD_PAD)
    y = doc.box(contest_name, left, y0 + CARD_H - CARD_PAD, width, 9, 6.5, max_lines=3, leading=1.2)
    y = doc.box("裁判登录卡", left, y - 1.5 * MM, width, 14, 10, max_lines=1)
    doc.box(card.judge.display_name, left, y - 1 * MM, width, 12, 8, max_lines=2, leading=1.2)

    warning = "遗失请立即报告组织者作废"
    full = CARD_W - 2 * CARD_PAD
    warning_w = doc.fonts.width(warning, doc.role, 7) + 1
    doc.box(warning, x0 + CARD_PAD + full - warning_w, y0 + 5.6 * MM, warning_w, 7, max_lines=1, rgb=GREY)
    doc.box(f"有效期 {card.valid_from} 至 {card.valid_until}", x0 + CARD_PAD, y0 + 5.6 * MM,
            full - warning_w - 3 * MM, 7, 5, max_lines=1)
    label_w = 9 * MM
    for text, label, baseline in ((f"{card.code[:4]}-{card.code[4:]}", "卡号", y0 + 16 * MM),
                                  (card.pin, "PIN", y0 + 9 * MM)):
        doc.box(label, left, baseline + doc.ascent * 8, label_w, 8, 6, max_lines=1, rgb=GREY)
        doc.box(text, left + label_w, baseline + doc.ascent * 14, width - label_w, 14, 9, max_lines=1)


def cards_pdf(contest, cards: list, base_url: str) -> bytes:
    """Judge login cards, 8 per A4 page (2 × 4) with cut lines: QR (logs in without typing), code and PIN."""
    doc = _doc(f"{contest.name} 裁判登录卡", page_numbers=False)
    for i, card in enumerate(cards):
        if i and i % 8 == 0:
            doc.new_page()
        _card(doc, i, contest.name, card, f"{base_url.rstrip('/')}/judging/card#{card.code}-{card.pin}")
    if not cards:
        doc.box("没有有效的登录卡", doc.left, H / 2, doc.width, 14, align="center")
    return doc.finish()


def score_sheets_pdf(contest, rnd, judge, criteria: list, sheets: list[dict]) -> bytes:
    """评分表: one judge's signed sheets of a round (codes only), with the signature digests and a signature line."""
    doc = _doc(f"{rnd.event.name} {rnd.name} 评分表 {judge.display_name}",
               [f"{rnd.event.name} · {rnd.name} 评分表", f"{contest.name} · 裁判 {judge.display_name}"])
    headers = ["加密号"] + [c.name for c in criteria] + ["合计", "签名时间"]
    body = [[s["code"]] + [s["marks"].get(c.id, "") for c in criteria]
            + [s["total"], local_time(s["submitted_at"]) if s["submitted_at"] else s["status_label"]] for s in sheets]
    legend = "；".join(f"{c.code}={c.name}（{c.kind_label}，满分 {c.max}）" for c in criteria)
    digests = "，".join(f"{s['code']}:{(s['signature'] or '')[:12]}" for s in sheets)
    table(doc, headers, body,
          [f"签名摘要：{digests}",
           "裁判（签字）：____________________    裁判长（签字）：____________________    日期：____________"],
          notes=[legend])
    return doc.finish()
