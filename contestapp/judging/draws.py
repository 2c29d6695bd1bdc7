"""Lot drawing (抽签): seeded draws that can be redone from their seed, and numbers drawn by hand."""
from __future__ import annotations

import csv
import io
from collections import defaultdict

from sqlalchemy import exists, select, update

from contestapp.audit.service import record
from contestapp.contests.finality import ensure_open
from contestapp.contests.models import Event, Round
from contestapp.domain import draw_lots, new_seed
from contestapp.entrants.models import Entry, EntryStatus
from contestapp.extensions import db
from contestapp.i18n import N_, Message, said, verbatim
from contestapp.judging.assignments import ensure_sheets
from contestapp.judging.common import JudgingError
from contestapp.judging.models import LotDraw, Mark, ScoreSheet

def _marks_exist(event: Event) -> bool:
    return bool(db.session.scalar(select(exists().where(
        Mark.sheet_id == ScoreSheet.id, ScoreSheet.round_id == Round.id, Round.event_id == event.id))))


def _active_entries(event: Event) -> list[Entry]:
    return list(db.session.scalars(select(Entry).where(
        Entry.event_id == event.id, Entry.status == EntryStatus.ACTIVE).order_by(Entry.id)))


def _clear_codes(event: Event) -> None:
    db.session.execute(update(Entry).where(Entry.event_id == event.id).values(workstation=None, code=None, code2=None))
    db.session.flush()


def draw_event(event: Event, actor, levels: int = 1, workstations: int | None = None,
               seed: int | None = None, witnesses: str = "") -> LotDraw:
    """Draw workstation numbers and codes for every active entry with a recorded seed (same seed, same draw)."""
    ensure_open(event)
    if _marks_exist(event):
        raise JudgingError("marks_exist", N_("该赛项已有评分，不能重新抽签"), 409)
    entries = _active_entries(event)
    if not entries:
        raise JudgingError("no_entries", N_("该赛项没有参赛者，无法抽签"))
    seed = new_seed() if seed is None else seed
    try:
        drawn = draw_lots([str(e.id) for e in entries], seed, levels, workstations)
    except ValueError as exc:
        raise JudgingError("bad_draw", said(exc)) from None
    _clear_codes(event)
    by_id = {str(e.id): e for e in entries}
    lots = []
    for lot in drawn.lots:
        entry = by_id[lot.entry]
        entry.workstation, entry.code, entry.code2 = lot.workstation, lot.code, lot.code2
        lots.append({"entry_id": entry.id, "workstation": lot.workstation, "code": lot.code, "code2": lot.code2})
    draw = LotDraw(event_id=event.id, method="seeded", seed=str(seed), levels=levels, workstations=workstations,
                   lots=lots, drawn_by_id=getattr(actor, "id", None), witnesses=witnesses or None)
    db.session.add(draw)
    db.session.flush()
    record(actor, "draw.seeded", draw, contest_id=event.contest_id,
           summary=f"{event.name} 抽签：{len(lots)} 人，{levels} 级加密，种子 {seed}",
           data={"event_id": event.id, "seed": str(seed), "levels": levels, "workstations": workstations})
    _sheets_after_draw(event)
    return draw


def verify_draw(draw: LotDraw, event: Event) -> bool:
    """Redo a seeded draw from its seed and the same entries: it must give the recorded lots."""
    if draw.method != "seeded":
        return False
    again = draw_lots([str(lot["entry_id"]) for lot in draw.lots], int(draw.seed), draw.levels, draw.workstations)
    return [(int(x.entry), x.workstation, x.code, x.code2) for x in again.lots] == [
        (lot["entry_id"], lot["workstation"], lot["code"], lot["code2"]) for lot in draw.lots]


MANUAL_COLUMNS = ("参赛编号", "工位号", "加密号", "二次加密号")


def read_manual_draw(content: bytes) -> list[dict[str, str]]:
    """Rows of a hand-drawn lots file (CSV, UTF-8): 参赛编号, 工位号, 加密号[, 二次加密号]."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JudgingError("bad_file", N_("文件须为 UTF-8 编码的 CSV")) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [h.strip() for h in rows[0][:3]] != list(MANUAL_COLUMNS[:3]):
        raise JudgingError("bad_file", N_("第一行须为表头：参赛编号,工位号,加密号[,二次加密号]"))
    header = [h.strip() for h in rows[0]]
    return [dict(zip(header, (c.strip() for c in r))) for r in rows[1:] if any(c.strip() for c in r)]


def import_manual_draw(event: Event, rows: list[dict[str, str]], actor) -> LotDraw:
    """Numbers drawn by hand: all rows must be right, or nothing is imported (problems listed by row)."""
    ensure_open(event)
    if _marks_exist(event):
        raise JudgingError("marks_exist", N_("该赛项已有评分，不能重新抽签"), 409)
    entries = {e.number: e for e in _active_entries(event)}
    problems: list[Message] = []

    def bad(row: int, reason) -> None:  # the reader sees each problem in their language (the draw page lists them)
        problems.append(Message(N_("第 %(row)s 行：%(reason)s"), row=row, reason=said(reason)))

    seen: dict[str, set] = defaultdict(set)
    plan = []
    levels = 2 if any(r.get("二次加密号") for r in rows) else 1
    for i, row in enumerate(rows, start=2):
        number = row.get("参赛编号", "")
        entry = entries.get(number)
        if entry is None:
            bad(i, Message(N_("参赛编号 %(number)s 不在该赛项"), number=number))
            continue
        try:
            station = int(row.get("工位号", ""))
            assert station > 0
        except (ValueError, AssertionError):
            bad(i, N_("工位号须为正整数"))
            continue
        code, code2 = row.get("加密号", ""), row.get("二次加密号") or None
        if not code:
            bad(i, N_("加密号必填"))
        if levels == 2 and not code2:
            bad(i, N_("二次加密号必填（其他行已填写）"))
        if code and code in (number, str(station)):
            bad(i, N_("加密号不能与参赛编号或工位号相同"))
        for field, value in ((N_("参赛编号"), number), (N_("工位号"), station), (N_("加密号"), code),
                             (N_("二次加密号"), code2)):
            if value and value in seen[field]:
                bad(i, Message(N_("%(field)s %(value)s 重复"), field=Message(field), value=value))
            seen[field].add(value)
        if code and code2 and code == code2:
            bad(i, N_("两级加密号不能相同"))
        plan.append((entry, station, code, code2))
    missing = set(entries) - seen["参赛编号"]
    if missing:
        problems.append(Message(N_("以下参赛编号未抽签：%(numbers)s"), numbers=tuple(map(verbatim, sorted(missing)))))
    if problems:
        raise JudgingError("bad_rows", Message(N_("%(n)s 个问题，未导入任何内容"), n=len(problems)), detail=problems)
    _clear_codes(event)
    lots = []
    for entry, station, code, code2 in plan:
        entry.workstation, entry.code, entry.code2 = station, code, code2
        lots.append({"entry_id": entry.id, "workstation": station, "code": code, "code2": code2})
    lots.sort(key=lambda lot: lot["workstation"])
    draw = LotDraw(event_id=event.id, method="manual", seed=None, levels=levels, lots=lots,
                   drawn_by_id=getattr(actor, "id", None))
    db.session.add(draw)
    db.session.flush()
    record(actor, "draw.manual", draw, contest_id=event.contest_id,
           summary=f"{event.name} 导入人工抽签结果：{len(lots)} 人", data={"event_id": event.id})
    _sheets_after_draw(event)
    return draw


def _sheets_after_draw(event: Event) -> None:
    """Judges assigned before the draw get their sheets as soon as the entries have codes (not only when they
    next open the tablet): the chief judge's matrix and the paper sheets show them at once."""
    for rnd in event.rounds:
        ensure_sheets(rnd)


def latest_draw(event: Event) -> LotDraw | None:
    return db.session.scalar(select(LotDraw).where(LotDraw.event_id == event.id).order_by(LotDraw.id.desc()).limit(1))
