"""The organiser's two tables of a merit contest, edited as rows: rewards and penalties by rank (奖惩表), and the
year's honours with their quotas (荣誉与名额). Never commit.

A row is a dict of strings as typed (`REWARD_FIELDS`, `HONOUR_FIELDS`); `check_*` validates every row with the rules
the saved table obeys (the domain's RankBand and HonourRule, the columns' lengths) and gives back the rows as typed
with a Chinese problem per bad row, so a refused table is shown again with nothing lost. The older line format
(`1-1,流动红旗奖金,5000`, `倒数1-1,末位约谈,-2000`) is read into the same rows (`reward_rows_from_text`) and checked
by the same function.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import func, select

from contestapp.audit.service import record
from contestapp.contests.models import Contest
from contestapp.domain.merit import HonourRule as HonourSpec, RankBand
from contestapp.domain.types import SpecError
from contestapp.extensions import db
from contestapp.i18n import N_, Message
from contestapp.merit.honours import save_rewards
from contestapp.merit.models import Honour, HonourRule, RankReward

REWARD_FIELDS = ("side", "from_rank", "to_rank", "label", "amount")  # side: "top" or "bottom" (倒数)
HONOUR_FIELDS = ("id", "event_id", "label", "quota")
LABEL_MAX = 100
AMOUNT_MAX = Decimal(100_000_000)  # yuan, either sign
RANK_MAX = 100_000
QUOTA_MAX = 10_000


@dataclass
class Checked:
    rows: list[dict[str, str]]                              # as typed (blank rows dropped)
    problems: dict[int, Message] = field(default_factory=dict)  # row index (-1: the table) -> why it is refused
    values: list[Any] = field(default_factory=list)         # the validated rows (when there is no problem)

    @property
    def ok(self) -> bool:
        return not self.problems


def rows_from_form(form: Mapping, fields: Sequence[str]) -> list[dict[str, str]]:
    """Parallel lists `field[]` of a posted rows editor -> one dict per row."""
    columns = {f: form.getlist(f"{f}[]") for f in fields}
    n = max((len(c) for c in columns.values()), default=0)
    return [{f: (columns[f][i] if i < len(columns[f]) else "").strip()[:200] for f in fields} for i in range(n)]


def _blank(row: Mapping[str, str], fields: Iterable[str]) -> bool:
    return not any((row.get(f) or "").strip() for f in fields)


def _int(text: str, low: int, high: int) -> int | None:
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


# --- rewards by rank ---------------------------------------------------------------------------------------------

def reward_rows_of(rewards: Iterable[RankReward]) -> list[dict[str, str]]:
    return [{"side": "bottom" if r.from_bottom else "top", "from_rank": str(r.from_rank), "to_rank": str(r.to_rank),
             "label": r.label, "amount": format(r.amount, "f")} for r in rewards]


def reward_rows_from_text(text: str, bottom_words: Iterable[str]) -> list[dict[str, str]]:
    """The line format, one row per line: `名次范围,名称,金额`, 倒数 before the range counts from the bottom."""
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        side = "top"
        for word in bottom_words:
            if word and parts[0].lower().startswith(word):
                side, parts[0] = "bottom", parts[0][len(word):].strip()
                break
        first, _sep, last = parts[0].partition("-")
        rows.append({"side": side, "from_rank": first.strip(), "to_rank": last.strip() or first.strip(),
                     "label": parts[1] if len(parts) > 1 else "", "amount": parts[2] if len(parts) > 2 else "",
                     "extra": ",".join(parts[3:])})
    return rows


def check_reward_rows(rows: Sequence[Mapping[str, str]]) -> Checked:
    kept = [dict(r) for r in rows if not _blank(r, REWARD_FIELDS[1:])]
    out = Checked(kept)
    for i, row in enumerate(kept):
        why = _reward_problem(row)
        if isinstance(why, Message):
            out.problems[i] = why
        else:
            out.values.append(why)
    return out


def _reward_problem(row: Mapping[str, str]) -> RankBand | Message:
    if row.get("extra"):
        return Message(N_("多余的内容：%(extra)s（每行：名次范围,名称,金额）"), extra=row["extra"])
    if (row.get("side") or "top") not in ("top", "bottom"):
        return Message(N_("请选择正数或倒数名次"))
    first = _int(row.get("from_rank", ""), 1, RANK_MAX)
    last = _int(row.get("to_rank") or row.get("from_rank", ""), 1, RANK_MAX)
    if first is None or last is None:
        return Message(N_("名次须为 1 至 %(max)s 的整数"), max=RANK_MAX)
    label = (row.get("label") or "").strip()
    if len(label) > LABEL_MAX:
        return Message(N_("名称不能超过 %(n)s 个字"), n=LABEL_MAX)
    try:
        RankBand(first, last, label, Decimal(0), row.get("side") == "bottom")
    except SpecError as exc:
        if exc.problems and exc.problems[0][0] == "label":
            return Message(N_("请填写奖惩名称"))
        return Message(N_("截止名次不能小于起始名次"))
    try:
        amount = Decimal((row.get("amount") or "0").strip().replace(",", ""))
    except InvalidOperation:
        return Message(N_("金额须为数字（罚款写负数），如 5000 或 -2000"))
    if not amount.is_finite() or abs(amount) > AMOUNT_MAX or amount != amount.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
        return Message(N_("金额须在 ±1 亿元以内，最多两位小数"))
    return RankBand(first, last, label, amount, row.get("side") == "bottom")


def save_reward_rows(contest: Contest, rows: Sequence[Mapping[str, str]], actor) -> Checked:
    checked = check_reward_rows(rows)
    if checked.ok:
        save_rewards(contest, [(b.from_rank, b.to_rank, b.label, b.amount, b.from_bottom) for b in checked.values],
                     actor)
    return checked


# --- honours and quotas ------------------------------------------------------------------------------------------

def honour_rows_of(rules: Iterable[HonourRule]) -> list[dict[str, str]]:
    return [{"id": str(r.id), "event_id": str(r.event_id), "label": r.label, "quota": str(r.quota)} for r in rules]


def check_honour_rows(contest: Contest, rows: Sequence[Mapping[str, str]]) -> Checked:
    kept = [dict(r) for r in rows if not _blank(r, ("label", "quota"))]
    out = Checked(kept)
    if not kept:
        out.problems[-1] = Message(N_("至少保留一项荣誉"))
    events = {str(e.id) for e in contest.events}
    existing = {str(r.id) for r in db.session.scalars(select(HonourRule).where(HonourRule.contest_id == contest.id))}
    for i, row in enumerate(kept):
        if row.get("id") and row["id"] not in existing:
            out.problems[i] = Message(N_("该荣誉已不存在，请刷新页面"))
            continue
        if row.get("event_id") not in events:
            out.problems[i] = Message(N_("请选择赛项"))
            continue
        label = (row.get("label") or "").strip()
        quota = _int(row.get("quota", ""), 1, QUOTA_MAX)
        if len(label) > LABEL_MAX:
            out.problems[i] = Message(N_("名称不能超过 %(n)s 个字"), n=LABEL_MAX)
            continue
        if quota is None:
            out.problems[i] = Message(N_("名额须为 1 至 %(max)s 的整数"), max=QUOTA_MAX)
            continue
        try:
            HonourSpec(f"row{i}", label, quota)
        except SpecError:
            out.problems[i] = Message(N_("请填写荣誉名称"))
            continue
        out.values.append((row.get("id") or None, int(row["event_id"]), label, quota))
    return out


def save_honour_rows(contest: Contest, rows: Sequence[Mapping[str, str]], actor) -> Checked:
    """Rows kept are updated, new rows added, rows removed deleted (with the honours granted under them; the list is
    recomputed by 按年度排名评定荣誉)."""
    checked = check_honour_rows(contest, rows)
    if not checked.ok:
        return checked
    rules = {str(r.id): r for r in db.session.scalars(select(HonourRule).where(HonourRule.contest_id == contest.id))}
    kept = {rid for rid, *_ in checked.values if rid}
    removed = [r for rid, r in rules.items() if rid not in kept]
    for r in removed:
        db.session.execute(Honour.__table__.delete().where(Honour.rule_id == r.id))
        db.session.delete(r)
    n = db.session.scalar(select(func.count(HonourRule.id)).where(HonourRule.contest_id == contest.id)) or 0
    for order, (rid, event_id, label, quota) in enumerate(checked.values, 1):
        rule = rules.get(rid) if rid else None
        if rule is None:
            n += 1
            rule = HonourRule(contest_id=contest.id, code=_new_code(contest, event_id, n))
            db.session.add(rule)
        rule.event_id, rule.label, rule.quota, rule.order = event_id, label, quota, order
    db.session.flush()
    record(actor, "merit.honour_rules", contest, contest_id=contest.id,
           summary=f"荣誉与名额 {len(checked.values)} 项" + (f"（删除 {len(removed)} 项）" if removed else ""),
           data={"rules": [(label, quota) for _rid, _e, label, quota in checked.values],
                 "removed": [r.label for r in removed]})
    return checked


def _new_code(contest: Contest, event_id: int, n: int) -> str:
    event = next(e for e in contest.events if e.id == event_id)
    taken = set(db.session.scalars(select(HonourRule.code).where(HonourRule.contest_id == contest.id)))
    while f"{event.code}.h{n}" in taken:
        n += 1
    return f"{event.code}.h{n}"
