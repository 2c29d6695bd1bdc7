"""Participants of a merit contest from Excel/CSV (参建单位、班组、个人), all or nothing, with row errors.

One sheet, one row per participant:
  名称 | 类别 (项目部/标段/工区 = a unit; 班组 = a team; 个人 = a person) | 参建角色 (施工/监理/设计; units) |
  所属单位 (teams and people) | 身份证号 (people, optional; checked when given) | 账号 (units: the account that fills
  the self-assessment, optional)
Units are entered in the contest's unit event, teams in its team event, people in its individual event (when the
contest has such an event). File reading reuses the roster reader (xlsx, CSV in UTF-8 or GBK).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timezone

from openpyxl import Workbook
from sqlalchemy import func, select

from contestapp.audit.service import record
from contestapp.auth.models import User
from contestapp.contests.models import Contest, ContestMember
from contestapp.domain.idcard import IdNumberError, parse_id_number
from contestapp.entrants.models import Entrant, EntrantKind, Entry, Unit
from contestapp.entrants.roster import RosterFileError, read_table
from contestapp.extensions import db
from contestapp.i18n import N_, Message
from contestapp.merit.models import SECTION_TYPES, UNIT_ROLES, UnitProfile
from contestapp.merit.periods import fill_open_periods

HEADERS = ["名称", "类别", "参建角色", "所属单位", "身份证号", "账号"]
ALIASES = {"name": ("名称", "单位名称", "姓名", "班组名称"), "type": ("类别", "类型"), "role": ("参建角色", "角色"),
           "unit": ("所属单位", "单位"), "id_number": ("身份证号", "身份证号码"), "account": ("账号", "用户名")}
ROLE_VALUES = {v: k for k, v in UNIT_ROLES.items()} | {f"{v}单位": k for k, v in UNIT_ROLES.items()} | \
    {k: k for k in UNIT_ROLES}
KIND_OF_TYPE = {**{t: EntrantKind.UNIT for t in SECTION_TYPES}, "班组": EntrantKind.TEAM, "个人": EntrantKind.PERSON}
MODE_OF_KIND = {EntrantKind.UNIT: "unit", EntrantKind.TEAM: "team", EntrantKind.PERSON: "individual"}
NO_EVENT = {"unit": N_("本竞赛没有参建单位考评赛项"), "team": N_("本竞赛没有班组考评赛项"),
            "individual": N_("本竞赛没有个人考评赛项")}


@dataclass
class Problem:
    row: int
    column: str
    reason: str  # N_ or a Message: `tr` shows it in the reader's language


@dataclass
class Row:
    row: int
    name: str
    kind: str
    section_type: str | None
    role: str | None
    unit: str | None
    id_number: str | None
    gender: str | None
    birth_date: object
    account_id: int | None


@dataclass
class Check:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_participants(contest: Contest, content: bytes, filename: str) -> Check:
    table = read_table(content, filename)
    while table and not any(table[0]):
        table = table[1:]
    if not table:
        raise RosterFileError(N_("文件是空的"))
    index = {}
    for i, title in enumerate(table[0]):
        for key, names in ALIASES.items():
            if title.replace("*", "").strip() in names and key not in index:
                index[key] = i
    missing = [ALIASES[k][0] for k in ("name", "type") if k not in index]
    if missing:
        raise RosterFileError(Message(N_("缺少必需的列：%(columns)s。请使用参建单位导入模板。"), columns="、".join(missing)))
    existing_units = set(db.session.scalars(select(Unit.name).where(Unit.contest_id == contest.id)))
    existing_entrants = set(db.session.execute(select(Entrant.kind, Entrant.name, Entrant.unit_id).where(
        Entrant.contest_id == contest.id)).all())
    registered = set(db.session.scalars(select(Entrant.id_number).where(Entrant.contest_id == contest.id,
                                                                        Entrant.id_number.is_not(None))))
    modes = {e.mode for e in contest.events}
    result = Check()
    file_units: dict[str, int] = {}
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(table[1:], start=2):
        if not any(raw):
            continue
        get = lambda key: raw[index[key]].strip() if key in index and index[key] < len(raw) else ""  # noqa: E731
        problems: list[Problem] = []

        def bad(key: str, reason: str) -> None:
            problems.append(Problem(number, ALIASES[key][0], reason))

        name, kind_text = get("name"), get("type")
        kind = KIND_OF_TYPE.get(kind_text)
        if not name:
            bad("name", N_("名称不能为空"))
        elif len(name) > 200:
            bad("name", N_("名称过长"))
        if kind is None:
            bad("type", N_("类别应为 项目部、标段、工区、班组 或 个人"))
        elif MODE_OF_KIND[kind] not in modes:
            bad("type", NO_EVENT[MODE_OF_KIND[kind]])
        role = unit = id_number = gender = birth = None
        account_id = None
        if kind == EntrantKind.UNIT:
            role = ROLE_VALUES.get(get("role"))
            if role is None:
                bad("role", N_("参建角色应为 施工、监理 或 设计"))
            if name in existing_units:
                bad("name", N_("该单位已导入"))
            elif name in file_units:
                bad("name", Message(N_("与第 %(row)s 行重复"), row=file_units[name]))
            else:
                file_units[name] = number
            account = get("account")
            if account:
                account_id = db.session.scalar(select(User.id).where(User.username == account, User.role == "unit"))
                if account_id is None:
                    bad("account", Message(N_("找不到单位账号 %(account)s"), account=account))
        elif kind is not None:
            unit = get("unit")
            if not unit:
                bad("unit", N_("班组和个人须填写所属单位"))
            elif unit not in existing_units and unit not in file_units:
                bad("unit", Message(N_("所属单位“%(unit)s”不存在（须先导入或在本文件中列出）"), unit=unit))
            key = (kind, name, unit)
            if key in seen:
                bad("name", Message(N_("与第 %(row)s 行重复"), row=seen[key]))
            seen[key] = number
            raw_id = get("id_number").upper()
            if kind == EntrantKind.PERSON and raw_id:
                try:
                    parsed = parse_id_number(raw_id)
                    id_number, gender, birth = parsed.number, parsed.gender, parsed.birth_date
                    if id_number in registered:
                        bad("id_number", N_("该身份证号已在本竞赛登记"))
                    registered.add(id_number)
                except IdNumberError as exc:
                    bad("id_number", str(exc))
        if problems:
            result.problems.extend(problems)
            continue
        result.rows.append(Row(number, name, kind, kind_text if kind == EntrantKind.UNIT else None, role, unit,
                               id_number, gender, birth, account_id))
    if not result.rows and not result.problems:
        raise RosterFileError(N_("文件中没有数据行"))
    if result.problems:
        result.rows = []
    del existing_entrants
    return result


def import_participants(contest: Contest, checked: Check, actor) -> int:
    if not checked.ok:
        raise ValueError("participants have problems; nothing may be imported")
    events = {e.mode: e for e in contest.events}
    counts = dict(db.session.execute(select(Entry.event_id, func.count(Entry.id)).where(
        Entry.event_id.in_([e.id for e in events.values()])).group_by(Entry.event_id)).all())
    units = dict(db.session.execute(select(Unit.name, Unit.id).where(Unit.contest_id == contest.id)).all())
    members = set(db.session.scalars(select(ContestMember.user_id).where(ContestMember.contest_id == contest.id,
                                                                         ContestMember.role == "unit")))
    for row in sorted(checked.rows, key=lambda r: r.kind != EntrantKind.UNIT):  # units first
        if row.kind == EntrantKind.UNIT:
            unit = Unit(contest_id=contest.id, name=row.name, role=row.role)
            db.session.add(unit)
            db.session.flush()
            units[row.name] = unit.id
            db.session.add(UnitProfile(contest_id=contest.id, unit_id=unit.id, section_type=row.section_type,
                                       user_id=row.account_id))
            if row.account_id is not None and row.account_id not in members:  # the account may now open the contest
                db.session.add(ContestMember(contest_id=contest.id, user_id=row.account_id, role="unit"))
                members.add(row.account_id)
        entrant = Entrant(contest_id=contest.id, kind=row.kind, name=row.name,
                          unit_id=units[row.name if row.kind == EntrantKind.UNIT else row.unit],
                          id_number=row.id_number, gender=row.gender, birth_date=row.birth_date)
        db.session.add(entrant)
        db.session.flush()
        event = events[MODE_OF_KIND[row.kind]]
        counts[event.id] = counts.get(event.id, 0) + 1
        db.session.add(Entry(event_id=event.id, entrant_id=entrant.id, number=f"{event.code}-{counts[event.id]:04d}"))
    db.session.flush()
    record(actor, "merit.participants_import", contest, contest_id=contest.id,
           summary=f"导入参建单位/班组/个人 {len(checked.rows)} 条")
    fill_open_periods(contest, datetime.now(timezone.utc))  # periods already open get their sheets too
    return len(checked.rows)


def template_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "参建单位"
    sheet.append(HEADERS)
    sheet.append(["中铁某局三标项目部", "项目部", "施工", "", "", ""])
    sheet.append(["钢筋班组", "班组", "", "中铁某局三标项目部", "", ""])
    sheet.append(["张三", "个人", "", "中铁某局三标项目部", "", ""])
    for col in ("E",):
        for r in range(2, 2002):
            sheet[f"{col}{r}"].number_format = "@"
    notes = book.create_sheet("填写说明")
    for line in ["1. 类别：项目部、标段、工区（参建单位），班组，个人。", "2. 参建单位须填写参建角色：施工、监理或设计。",
                 "3. 班组和个人须填写所属单位（本文件中或已导入的单位）。", "4. 账号：单位账号的用户名，用于填写自评（可留空）。",
                 "5. 有任何一行错误时不导入任何内容。"]:
        notes.append([line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
