"""Roster files (报名表): reading .xlsx/.csv, checking every row, and the template.

Reading and checking are separate from the database: `check_rows` gets the contest's event names and the ID numbers
already registered, and returns either clean rows or every problem by row, column and reason, so that a file with
any bad row imports nothing.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from contestapp.common.tables import safe_row
from contestapp.common.uploads import UploadError, read_table  # noqa: F401  (read_table: the one reader)
from contestapp.domain.idcard import IdNumberError, make_id_number, parse_id_number
from contestapp.i18n import N_, Message

# Column headers as units fill them in; aliases accept the variants seen in real sheets.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "gender": ("性别",),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "phone": ("手机号", "手机号码", "联系电话"),
    "unit": ("单位", "工作单位", "所在单位", "参赛单位"),
    "trade": ("工种", "职业(工种)"),
    "vocational_level": ("职业技能等级", "技能等级"),
    "category": ("人员类别",),
    "events": ("参赛赛项", "赛项", "报名赛项"),
    "number": ("参赛编号",),
    "team": ("团队", "队名", "参赛队"),
}
REQUIRED = ("name", "id_number", "unit", "events")
TEMPLATE_HEADERS = ["姓名", "性别", "身份证号", "手机号", "单位", "工种", "职业技能等级", "人员类别", "参赛赛项", "参赛编号", "团队"]
CATEGORY_VALUES = {"一线职工": "worker", "一线": "worker", "工人": "worker", "管理人员": "manager", "管理": "manager",
                   "worker": "worker", "manager": "manager"}
GENDER_VALUES = {"男": "M", "女": "F", "M": "M", "F": "F"}
LEVELS = ("初级工", "中级工", "高级工", "技师", "高级技师", "特级技师", "首席技师", "五级", "四级", "三级", "二级", "一级")
_PHONE = re.compile(r"^1\d{10}$")
_SPLIT = re.compile(r"[、,，;；/]+")


@dataclass
class RosterProblem:
    row: int          # the row number as Excel shows it (header = 1)
    column: str       # the Chinese header
    reason: str       # N_ or a Message: `tr` shows it in the reader's language


@dataclass
class RosterRow:
    row: int
    name: str
    id_number: str
    gender: str
    birth_date: date
    unit: str
    events: list[str]
    phone: str | None = None
    trade: str | None = None
    vocational_level: str | None = None
    category: str | None = None
    number: str | None = None
    team: str | None = None


@dataclass
class RosterCheck:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# The file as a whole cannot be read (wrong type, no header row, over a limit...); the message is for the user.
RosterFileError = UploadError


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    index: dict[str, int] = {}
    for i, title in enumerate(header):
        title = re.sub(r"[\s*＊]", "", title)  # templates mark required columns with *
        for key, names in COLUMNS.items():
            if title in names and key not in index:
                index[key] = i
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in index]
    return index, missing


def check_rows(table: list[list[str]], event_names: dict[str, str], registered_ids: set[str]) -> RosterCheck:
    """Check every row. `event_names` maps event code and name (both accepted) to the event code."""
    result = RosterCheck()
    while table and not any(table[0]):
        table = table[1:]
    if not table:
        raise RosterFileError(N_("文件是空的"))
    index, missing = _header_map(table[0])
    if missing:
        raise RosterFileError(Message(N_("缺少必需的列：%(columns)s。请使用报名表模板。"), columns="、".join(missing)))
    seen: dict[str, int] = {}
    numbers: dict[tuple[str, str], int] = {}
    for offset, raw in enumerate(table[1:], start=2):
        if not any(raw):
            continue
        get = lambda key: raw[index[key]].strip() if key in index and index[key] < len(raw) else ""  # noqa: E731
        problems = []

        def bad(key: str, reason: str) -> None:
            problems.append(RosterProblem(offset, COLUMNS[key][0], reason))

        name = get("name")
        if not name:
            bad("name", N_("姓名不能为空"))
        elif len(name) > 50:
            bad("name", N_("姓名过长"))
        parsed = None
        id_raw = get("id_number").upper()
        if not id_raw:
            bad("id_number", N_("身份证号不能为空"))
        else:
            try:
                parsed = parse_id_number(id_raw)
            except IdNumberError as exc:
                bad("id_number", str(exc))
        if parsed:
            if parsed.number in seen:
                bad("id_number", Message(N_("与第 %(row)s 行身份证号重复"), row=seen[parsed.number]))
            elif parsed.number in registered_ids:
                bad("id_number", N_("该身份证号已在本竞赛报名"))
            else:
                seen[parsed.number] = offset
        gender_raw = get("gender")
        gender = GENDER_VALUES.get(gender_raw) if gender_raw else (parsed.gender if parsed else None)
        if gender_raw and gender is None:
            bad("gender", N_("性别应为“男”或“女”"))
        elif parsed and gender != parsed.gender:
            bad("gender", N_("性别与身份证号不符"))
        unit = get("unit")
        if not unit:
            bad("unit", N_("单位不能为空"))
        phone = get("phone") or None
        if phone and not _PHONE.match(phone):
            bad("phone", N_("手机号应为11位数字"))
        category_raw = get("category")
        category = CATEGORY_VALUES.get(category_raw) if category_raw else None
        if category_raw and category is None:
            bad("category", N_("人员类别应为“一线职工”或“管理人员”"))
        events: list[str] = []
        for item in filter(None, (s.strip() for s in _SPLIT.split(get("events")))):
            code = event_names.get(item)
            if code is None:
                bad("events", Message(N_("赛项“%(event)s”不存在"), event=item))
            elif code not in events:
                events.append(code)
        if not get("events"):
            bad("events", N_("参赛赛项不能为空"))
        number = get("number") or None
        if number:
            if len(events) > 1:
                bad("number", N_("填写参赛编号时每行只能报一个赛项"))
            for code in events:
                if (code, number) in numbers:
                    bad("number", Message(N_("与第 %(row)s 行参赛编号重复"), row=numbers[(code, number)]))
                numbers[(code, number)] = offset
        if problems:
            result.problems.extend(problems)
            continue
        result.rows.append(RosterRow(
            row=offset, name=name, id_number=parsed.number, gender=gender, birth_date=parsed.birth_date, unit=unit,
            events=events, phone=phone, trade=get("trade") or None, vocational_level=get("vocational_level") or None,
            category=category, number=number, team=get("team") or None))
    if not result.rows and not result.problems:
        raise RosterFileError(N_("文件中没有数据行"))
    if result.problems:
        result.rows = []  # all or nothing
    return result


def _styled_book(headers: list[str], title: str) -> tuple[Workbook, object]:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="B71C1C")
        cell.alignment = Alignment(horizontal="center")
    for i, h in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = 22 if h in ("身份证号", "单位") else 14
    sheet.freeze_panes = "A2"
    return book, sheet


def template_workbook(event_names: list[str]) -> bytes:
    """报名表模板: Chinese headers, text-formatted ID column, an example row and the instructions."""
    book, sheet = _styled_book(TEMPLATE_HEADERS, "报名表")
    example = ["张三", "男", make_id_number("330102", date(1990, 1, 1), 3, "M"), "13800000000", "某某供电公司", "电工",
               "高级工", "一线职工", event_names[0] if event_names else "", "", ""]
    for col, value in enumerate(example, start=1):  # row 2, as the instructions say (not after the formatted rows)
        sheet.cell(2, col, value)
    for col in ("C", "D", "J"):
        for row in range(2, 2002):
            sheet[f"{col}{row}"].number_format = "@"  # keep ID numbers as text (Excel would round them)
    notes = book.create_sheet("填写说明")
    for line in [
        "1. 姓名、身份证号、单位、参赛赛项为必填项；第2行为示例，导入前请删除。",
        "2. 身份证号须为18位，系统会校验校验位，并核对性别与出生日期。",
        "3. 参赛赛项填写赛项名称或代码，可选：" + "、".join(event_names),
        "4. 同时报多个赛项时用顿号“、”分隔；参赛编号可留空，由系统自动编排。",
        "5. 人员类别填“一线职工”或“管理人员”；团体赛请填写团队名称。",
        "6. 也可另存为 CSV（UTF-8 或 GBK 编码均可）后导入。",
    ]:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_workbook(rows: list[list[str]]) -> bytes:
    """The roster in the template's columns, so an exported file can be edited and imported elsewhere."""
    book, sheet = _styled_book(TEMPLATE_HEADERS + ["工位号", "加密号"], "参赛名单")
    for row in rows:
        sheet.append(safe_row(row))  # a name or unit such as =HYPERLINK(...) stays text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
