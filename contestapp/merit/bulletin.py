"""The period bulletin (通报) as a PDF: ranking, red-flag holders, every deduction with its reason, veto notices.

Drawn by `contestapp.common.pdfdoc` in an embedded CJK TrueType font from `contestapp.certificates.fonts` (never a
non-embedded font) with the app's one text-fitting rule: columns as wide as their content allows, cells that do
not fit shrink, then wrap, and nothing is cut.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import current_app

from contestapp.certificates.fonts import load_fonts
from contestapp.common.db import plain
from contestapp.common.pdfdoc import GREY, MM, PdfDoc
from contestapp.merit.periods import project_of

HEADER_FILL = (0.953, 0.839, 0.839)  # the ranking table's header row


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


def _h2(doc: PdfDoc, text: str) -> None:
    doc.text(text, 13, 10, before=10, after=4)


def _body(doc: PdfDoc, text: str) -> None:
    doc.text(text, 10.5, 8, after=2)


def render_bulletin(period, computed, previous: dict[int, list[str]]) -> bytes:
    """The bulletin's bytes. `computed`: event id -> (event, standings) from standings.compute_period."""
    contest = period.contest
    project = project_of(contest)
    doc = PdfDoc(load_fonts(current_app.config.get("CERT_FONT")), f"{contest.name} {period.name}通报")
    doc.heading(f"{contest.name}", 18, after=4)
    doc.heading(f"{period.name}通报", 18, after=4)
    doc.text(f"考评期 {period.starts_on} 至 {period.ends_on}"
             + (f" · 项目：{project.name}" if project else "")
             + (f" · 建设单位：{project.owner}" if project and project.owner else ""), 10, 8, align="center", rgb=GREY)
    doc.space(6 * MM)
    label = "前列" if contest.kind == "points" else "流动红旗"
    for event_id, (event, standings) in computed.items():
        _h2(doc, f"一、{event.name}考评排名")
        header = ["名次", "名称", "所属单位", "自评", "考评得分", "奖惩", "备注"]
        rows = []
        for s in standings:
            r = s.result
            remark = []
            if s.red_flag:
                remark.append(label)
            if r is not None and r.vetoed:
                remark.append("一票否决")
            if s.problem:
                remark.append(s.problem)
            rows.append([str(s.rank or "—"), s.name, s.entry.entrant.unit_name if s.entry.entrant.kind != "unit" else "",
                         _num(s.self_score), _num(r.score) if r else "—",
                         "、".join(f"{b.label}{'' if not b.amount else f'（{_num(b.amount)}元）'}" for b in s.rewards),
                         "、".join(remark)])
        doc.table(header, rows, size=9, min_size=8, header_fill=HEADER_FILL)
        holders = [s.name for s in standings if s.red_flag]
        _h2(doc, f"二、{label}：" + ("、".join(holders) or "无"))
        before = previous.get(event_id)
        if before is not None and contest.kind != "points":
            gone = [n for n in before if n not in holders]
            new = [n for n in holders if n not in before]
            text = f"上期{label}：{'、'.join(before) or '无'}。"
            if gone:
                text += f"本期收回：{'、'.join(gone)}。"
            if new:
                text += f"本期授予：{'、'.join(new)}。"
            _body(doc, text)
        _h2(doc, "三、扣分、加分及通报情况")
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
                docno = f"（{n['document_no']}）" if n.get("document_no") else ""
                _body(doc, f"{s.name}：{n['criterion']} {what} {value} 分{count}。原因：{n['note']}{docno}")
        if not any_note:
            _body(doc, "本期无扣分、加分事项。")
        unexplained = sum(1 for s in standings for n in s.notes if n.get("missing") and n["kind"] != "veto")
        if unexplained:  # a deduction entered without its required reason (e.g. on a tablet) is said, not hidden
            _body(doc, f"注：以上有 {unexplained} 项扣分、加分未填写原因（考评人员未补填）。")
        vetoes = [(s, n) for s in standings for n in distinct_notes(s.notes) if n["kind"] == "veto"]
        _h2(doc, "四、一票否决")
        if vetoes:
            for s, n in vetoes:
                _body(doc, f"{s.name}：发生“{n['criterion'].replace('一票否决：', '')}”（{n['note']}），实行一票否决，"
                           f"取消本期及本年度评先评优资格。")
        else:
            _body(doc, "本期无一票否决事项。")
    doc.space(8 * MM)
    _body(doc, f"{contest.organisation.name}")
    return doc.finish()


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
