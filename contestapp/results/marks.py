"""Marks from paper score sheets (docs/marks-format.md): CSV/xlsx, all or nothing, row-level Chinese errors.

File 1 columns: event,round,entry,criterion,judge,value (entry = 参赛编号 or 加密号; judge = username).
File 2 (optional): event,round,entry,multiplier,time -> EntryRound (难度系数, 用时 in seconds).
Imported marks become score sheets with source "paper", status "submitted".

Double entry (双人录入核对): each keying is stored as a MarkBatch; the second keying of the same sheets is compared
with the first and `disagreements` lists every difference; only identical keyings by two people are imported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from sqlalchemy import select

from contestapp.audit.service import record
from contestapp.auth.models import User
from contestapp.common.db import plain, utcnow
from contestapp.contests.definition import spec_of
from contestapp.contests.finality import ensure_open_ids
from contestapp.contests.models import Contest, Event, Round
from contestapp.domain.numbers import NumberError, parse_mark
from contestapp.entrants.models import Entry
from contestapp.common.uploads import UploadError, read_table
from contestapp.extensions import db
from contestapp.i18n import N_, Message, joined, said
from contestapp.judging.models import EntryRound, Mark, ScoreSheet, SheetStatus
from contestapp.results.models import MarkBatch

MARK_COLUMNS = ("event", "round", "entry", "criterion", "judge", "value")
EXTRA_COLUMNS = ("event", "round", "entry", "multiplier", "time")
ALIASES = {
    "event": ("event", "赛项", "赛项代码"), "round": ("round", "轮次", "轮次代码"),
    "entry": ("entry", "参赛编号", "加密号", "选手"), "criterion": ("criterion", "评分项", "评分项代码"),
    "judge": ("judge", "裁判", "裁判账号"), "value": ("value", "分数", "评分"),
    "multiplier": ("multiplier", "难度系数"), "time": ("time", "用时", "用时(秒)", "用时（秒）"),
}


class MarksFileError(ValueError):
    """The file as a whole cannot be read; the message (N_ or a Message) is for the user, shown with `tr`."""


EMPTY = Message(N_("（空）"))  # an empty cell, in a problem


def _cell(text: str) -> str:
    """A cell's text in a problem, or （空） when it is empty."""
    return text or EMPTY


@dataclass
class Problem:
    file: str
    row: int
    reason: str       # N_ or a Message: `tr` shows it in the reader's language

    @property
    def message(self) -> Message:
        return Message(N_("%(file)s 第 %(row)s 行：%(reason)s"), file=self.file, row=self.row, reason=said(self.reason))

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class Checked:
    rows: list[list[str]] = field(default_factory=list)     # normalised: event, round, entry number, crit, judge, value
    extras: list[list[Optional[str]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _table(content: bytes, filename: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        table = read_table(content, filename)
    except UploadError as exc:
        raise MarksFileError(Message(N_("%(file)s：%(reason)s"), file=filename, reason=said(exc.args[0]))) from None
    table = [r for r in table if any(c for c in r)]
    if not table:
        raise MarksFileError(Message(N_("%(file)s：文件是空的"), file=filename))
    header = [h.strip().lower() for h in table[0]]
    index: dict[str, int] = {}
    for i, h in enumerate(header):
        for key, names in ALIASES.items():
            if h in names and key in columns:
                index.setdefault(key, i)
    missing = [c for c in columns if c not in index and not (columns is EXTRA_COLUMNS and c in ("multiplier", "time"))]
    if missing:
        raise MarksFileError(Message(N_("%(file)s：缺少列 %(missing)s（表头须为 %(columns)s）"), file=filename,
                                     missing=", ".join(missing), columns=",".join(columns)))
    out = []
    for n, row in enumerate(table[1:], start=2):
        out.append((n, {k: (row[i].strip() if i < len(row) else "") for k, i in index.items()}))
    return out


class _Lookup:
    """The contest's structure and people, loaded once per check."""

    @staticmethod
    def build(contest: Contest) -> "_Lookup":
        self = _Lookup.__new__(_Lookup)
        self.spec = spec_of(contest)
        self.events = {}
        for e in contest.events:
            self.events[e.code] = e
        for e in contest.events:
            self.events.setdefault(e.name, e)
        self.entries = {}
        for entry in db.session.scalars(select(Entry).join(Event, Event.id == Entry.event_id)
                                        .where(Event.contest_id == contest.id)):
            by = self.entries.setdefault(entry.event_id, {})
            by[entry.number] = entry
            if entry.code:
                by.setdefault(entry.code, entry)
        self.users = {}
        return self

    def user(self, username: str) -> Optional[User]:
        if username not in self.users:
            self.users[username] = db.session.scalar(select(User).where(User.username == username))
        return self.users[username]


def _decimal(text: str) -> Optional[Decimal]:
    """A mark cell by the one rule for marks (contestapp.domain.numbers); None when it is not one."""
    try:
        return parse_mark(text.replace("，", "."))
    except NumberError:
        return None


def check_files(contest: Contest, content: bytes, filename: str, extras: Optional[bytes] = None,
                extras_filename: str = "") -> Checked:
    """Read and check every row of both files; nothing is written."""
    out = Checked()
    look = _Lookup.build(contest)
    seen: dict[tuple, int] = {}
    for n, row in _table(content, filename, MARK_COLUMNS):
        p = len(out.problems)
        where = _locate(look, row, n, filename, out)
        if where is None:
            continue
        event, rnd_spec, entry = where
        cs = rnd_spec.criterion(row["criterion"])
        if cs is None:
            out.problems.append(Problem(filename, n, Message(N_("轮次 %(round)s 没有评分项 %(criterion)s"), round=rnd_spec.code,
                                                                    criterion=_cell(row["criterion"]))))
        judge = look.user(row["judge"]) if row["judge"] else None
        if judge is None:
            out.problems.append(Problem(filename, n, Message(N_("找不到裁判账号 %(judge)s"), judge=_cell(row["judge"]))))
        value = _decimal(row["value"]) if row["value"] else None
        if value is None:
            out.problems.append(Problem(filename, n, Message(N_("分数 %(value)s 不是有效数字（最多 4 位小数）"),
                                                                    value=_cell(row["value"]))))
        elif cs is not None:
            why = cs.check_mark(value)
            if why:
                out.problems.append(Problem(filename, n, Message(N_("%(criterion)s：%(reason)s"), criterion=cs.name,
                                                                        reason=said(why))))
        if len(out.problems) > p:
            continue
        key = (event.code, rnd_spec.code, entry.number, cs.code, judge.username)
        if key in seen:
            out.problems.append(Problem(filename, n, Message(N_("与第 %(row)s 行重复（同一裁判、同一选手、同一评分项）"),
                                                                row=seen[key])))
            continue
        seen[key] = n
        out.rows.append([*key, str(plain(value))])
    if extras is not None:
        seen_x: dict[tuple, int] = {}
        for n, row in _table(extras, extras_filename, EXTRA_COLUMNS):
            p = len(out.problems)
            where = _locate(look, row, n, extras_filename, out)
            if where is None:
                continue
            event, rnd_spec, entry = where
            mult = time = None
            if row.get("multiplier"):
                mult = _decimal(row["multiplier"])
                if mult is None or mult <= 0:
                    out.problems.append(Problem(extras_filename, n, Message(N_("难度系数 %(value)s 须为大于 0 的数字"),
                                                                               value=row["multiplier"])))
                elif not rnd_spec.multiplier:
                    out.problems.append(Problem(extras_filename, n, Message(N_("轮次 %(round)s 不使用难度系数"),
                                                                               round=rnd_spec.code)))
            if row.get("time"):
                time = _decimal(row["time"])
                if time is None or time < 0:
                    out.problems.append(Problem(extras_filename, n, Message(N_("用时 %(value)s 须为不小于 0 的秒数"),
                                                                               value=row["time"])))
            if mult is None and time is None and len(out.problems) == p:
                out.problems.append(Problem(extras_filename, n, N_("难度系数和用时都为空")))
            if len(out.problems) > p:
                continue
            key = (event.code, rnd_spec.code, entry.number)
            if key in seen_x:
                out.problems.append(Problem(extras_filename, n, Message(N_("与第 %(row)s 行重复"), row=seen_x[key])))
                continue
            seen_x[key] = n
            out.extras.append([*key, None if mult is None else str(plain(mult)),
                               None if time is None else str(plain(time))])
    _check_existing(look, out, filename)
    return out


def _locate(look: _Lookup, row: dict, n: int, filename: str, out: Checked):
    event = look.events.get(row["event"])
    if event is None:
        out.problems.append(Problem(filename, n, Message(N_("找不到赛项 %(event)s"), event=_cell(row["event"]))))
        return None
    if event.final_at is not None:
        out.problems.append(Problem(filename, n, Message(N_("赛项“%(event)s”的成绩已定稿，不能再导入评分"),
                                                               event=event.name)))
        return None
    espec = look.spec.event(event.code)
    rnd_spec = espec.round(row["round"])
    entry = look.entries.get(event.id, {}).get(row["entry"])
    if rnd_spec is None:
        out.problems.append(Problem(filename, n, Message(N_("赛项 %(event)s 没有轮次 %(round)s"), event=event.code,
                                                               round=_cell(row["round"]))))
    if entry is None:
        out.problems.append(Problem(filename, n, Message(N_("赛项 %(event)s 中找不到参赛编号或加密号 %(entry)s"),
                                                               event=event.code, entry=_cell(row["entry"]))))
    if rnd_spec is None or entry is None:
        return None
    return event, rnd_spec, entry


def _check_existing(look: _Lookup, out: Checked, filename: str) -> None:
    """A sheet already submitted (tablet or an earlier import) is never overwritten by a file."""
    sheets = {(r[0], r[1], r[2], r[4]) for r in out.rows}
    if not sheets:
        return
    event_ids = {look.events[e].id for e, *_ in sheets}
    existing = db.session.execute(
        select(Entry.event_id, Round.code, Entry.number, User.username, ScoreSheet.status, ScoreSheet.source)
        .join(Entry, Entry.id == ScoreSheet.entry_id).join(Round, Round.id == ScoreSheet.round_id)
        .join(User, User.id == ScoreSheet.judge_id).where(Entry.event_id.in_(event_ids)))
    code_of = {e.id: e.code for e in look.events.values()}
    for event_id, rcode, number, username, status, source in existing:
        key = (code_of[event_id], rcode, number, username)
        if key in sheets and status == SheetStatus.SUBMITTED:
            out.problems.append(Problem(filename, 0, Message(
                N_("%(sheet)s 裁判 %(judge)s 的评分表已提交（来源 %(source)s），不能用文件覆盖；如需更改请走退回或仲裁"),
                sheet=f"{key[0]}/{rcode}/{number}", judge=username, source=source)))


def import_checked(contest: Contest, checked: Checked, actor, *, batch: Optional[MarkBatch] = None) -> int:
    """Write checked rows as paper score sheets (submitted) and the round facts; returns the number of marks."""
    assert checked.ok
    look = _Lookup.build(contest)
    ensure_open_ids(look.events[row[0]].id for row in [*checked.rows, *checked.extras])
    rounds = {(r.event_id, r.code): r for e in contest.events for r in e.rounds}
    crits = {(r.id, c.code): c for r in rounds.values() for c in r.criteria}
    sheets: dict[tuple, ScoreSheet] = {}
    now = utcnow()
    existing = {(s.entry_id, s.round_id, s.judge_id): s for s in db.session.scalars(
        select(ScoreSheet).join(Round, Round.id == ScoreSheet.round_id)
        .where(Round.event_id.in_([e.id for e in contest.events])))}
    count = 0
    for ecode, rcode, number, ccode, username, value in checked.rows:
        event = look.events[ecode]
        rnd = rounds[(event.id, rcode)]
        entry = look.entries[event.id][number]
        judge = look.user(username)
        key = (entry.id, rnd.id, judge.id)
        sheet = sheets.get(key) or existing.get(key)
        if sheet is None:
            sheet = ScoreSheet(entry_id=entry.id, round_id=rnd.id, judge_id=judge.id, source="paper",
                               status=SheetStatus.SUBMITTED, submitted_at=now, version=1)
            db.session.add(sheet)
        else:  # a draft or returned sheet: completed from paper
            sheet.status, sheet.source, sheet.submitted_at = SheetStatus.SUBMITTED, "paper", now
            sheet.version = (sheet.version or 0) + 1
        sheets[key] = sheet
        crit = crits[(rnd.id, ccode)]
        old = next((m for m in sheet.marks if m.criterion_id == crit.id), None) if sheet.id else None
        if old is not None:
            old.value = Decimal(value)
        else:
            sheet.marks.append(Mark(criterion_id=crit.id, value=Decimal(value)))
        count += 1
    for ecode, rcode, number, mult, time in checked.extras:
        event = look.events[ecode]
        rnd = rounds[(event.id, rcode)]
        entry = look.entries[event.id][number]
        fact = db.session.scalar(select(EntryRound).where(EntryRound.entry_id == entry.id,
                                                          EntryRound.round_id == rnd.id))
        if fact is None:
            fact = EntryRound(entry_id=entry.id, round_id=rnd.id)
            db.session.add(fact)
        if mult is not None:
            fact.multiplier = Decimal(mult)
        if time is not None:
            fact.time = Decimal(time)
    db.session.flush()
    record(actor, "marks.import", contest, contest_id=contest.id,
           summary=f"导入纸质评分 {count} 条、轮次记录 {len(checked.extras)} 条",
           data={"batch": batch.id if batch else None, "marks": count, "facts": len(checked.extras)})
    return count


# --- double entry --------------------------------------------------------------------------------------------------

def store_batch(contest: Contest, checked: Checked, actor, filename: str, extras_filename: Optional[str] = None,
                pair: Optional[MarkBatch] = None) -> MarkBatch:
    """Store one keying (checked, error-free) without counting it."""
    assert checked.ok
    if pair is not None and (pair.contest_id != contest.id or pair.status != "pending" or pair.pair_id is not None):
        raise MarksFileError(N_("只能对待核对的第一次录入进行第二次录入"))
    batch = MarkBatch(contest_id=contest.id, pair_id=pair.id if pair else None, filename=filename[:200],
                      extras_filename=(extras_filename or None), rows=checked.rows, extras=checked.extras,
                      status="pending", keyed_by_id=getattr(actor, "id", None))
    db.session.add(batch)
    db.session.flush()
    record(actor, "marks.batch", batch, contest_id=contest.id,
           summary=f"{'第二次' if pair else '第一次'}录入纸质评分 {len(checked.rows)} 条（{filename}）")
    return batch


@dataclass
class Disagreement:
    what: str          # event/round/entry/criterion/judge, or event/round/entry (round facts)
    first: Optional[str]
    second: Optional[str]
    kind: str = ""     # what `what` begins with: 评分 or 轮次记录
    key: str = ""      # the rest of `what`


def disagreements(first: MarkBatch, second: MarkBatch) -> list[Disagreement]:
    """Every difference between two keyings of the same sheets (a value, or a row present in one only)."""
    out = []
    for a_rows, b_rows, width, label in ((first.rows, second.rows, 5, N_("评分")),
                                         (first.extras, second.extras, 3, N_("轮次记录"))):
        a = {tuple(r[:width]): tuple(r[width:]) for r in a_rows}
        b = {tuple(r[:width]): tuple(r[width:]) for r in b_rows}
        for key in sorted(a.keys() | b.keys()):
            if a.get(key) != b.get(key):
                fmt = lambda v: None if v is None else " / ".join("" if x is None else str(x) for x in v)  # noqa: E731
                where = "/".join(key)
                out.append(Disagreement(f"{label} {where}", fmt(a.get(key)), fmt(b.get(key)), label, where))
    return out


def confirm_batch(contest: Contest, second: MarkBatch, actor) -> int:
    """Import the marks once two different people keyed identical sheets; re-checked against the database now."""
    first = db.session.get(MarkBatch, second.pair_id) if second.pair_id else None
    if first is None or first.status != "pending" or second.status != "pending":
        raise MarksFileError(N_("须先完成两次录入，且两次录入都待核对"))
    if first.keyed_by_id is not None and first.keyed_by_id == second.keyed_by_id:
        raise MarksFileError(N_("两次录入须由两个不同的人完成"))
    diff = disagreements(first, second)
    if diff:
        raise MarksFileError(Message(N_("两次录入有 %(n)s 处不一致，请核对纸质评分表并重新录入"), n=len(diff)))
    checked = Checked(rows=[list(r) for r in first.rows], extras=[list(r) for r in first.extras])
    look = _Lookup.build(contest)
    _check_existing(look, checked, first.filename)
    if not checked.ok:
        raise MarksFileError(joined(p.message for p in checked.problems[:5]))
    count = import_checked(contest, checked, actor, batch=second)
    now = utcnow()
    for b in (first, second):
        b.status, b.confirmed_by_id, b.confirmed_at = "confirmed", getattr(actor, "id", None), now
    return count


def discard_batch(batch: MarkBatch, actor) -> None:
    if batch.status != "pending":
        raise MarksFileError(N_("该批次不是待核对状态"))
    batch.status = "discarded"
    record(actor, "marks.batch_discard", batch, contest_id=batch.contest_id, summary=f"作废录入批次 #{batch.id}")
