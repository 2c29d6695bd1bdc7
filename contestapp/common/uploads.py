"""The one reader for uploaded tables (rosters, marks keyed from paper, merit participants, hand-drawn lots).

Every limit lives here, and a file is measured against them before anything large is built from it:
- size (Flask's MAX_CONTENT_LENGTH refuses a larger request before it is read);
- an .xlsx is a zip: the sum of its members' sizes once unpacked, and its compression ratio (zip bombs);
- rows, columns and the length of a cell: the worksheets' cell references are scanned as a stream first (a 5 KB
  file can declare a cell at XFD1048576, and a reader that builds the sheet as a grid would need 500 GB for it);
- the time the reading takes.
Only then is the sheet read, by python-calamine (Rust: ten times openpyxl's speed on a 10,000-row roster). CSV is
UTF-8 or GBK (Chinese Excel saves GBK). Anything unreadable raises UploadError with a Chinese reason (and the row
when there is one); nothing else escapes.
"""
from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time as clock_time, timedelta
from typing import Any
from xml.parsers import expat

from flask import current_app, has_app_context
from python_calamine import CalamineWorkbook

from contestapp.i18n import N_, Message


class UploadError(ValueError):
    """The file cannot be accepted; `str(error)` is the reason for the user (Chinese), `row` the row if any. The
    reason is an N_ text or a Message: a page shows it in the reader's language with `tr(error)`."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


@dataclass(frozen=True)
class Limits:
    rows: int = 200_000             # data rows of a table
    columns: int = 64
    cell_chars: int = 2_000         # characters in one cell
    unzipped_bytes: int = 200 * 1024 * 1024  # an .xlsx's members, unpacked
    ratio: int = 200                # unpacked / packed size of an .xlsx member (text compresses ~10-20x)
    seconds: float = 20.0

    @classmethod
    def configured(cls) -> "Limits":
        """The app's settings (UPLOAD_MAX_ROWS, ... in config.py), or the defaults outside an app."""
        if not has_app_context():
            return cls()
        cfg = current_app.config
        return cls(rows=cfg.get("UPLOAD_MAX_ROWS", cls.rows), columns=cfg.get("UPLOAD_MAX_COLUMNS", cls.columns),
                   cell_chars=cfg.get("UPLOAD_MAX_CELL_CHARS", cls.cell_chars),
                   unzipped_bytes=cfg.get("UPLOAD_MAX_UNZIPPED_BYTES", cls.unzipped_bytes),
                   seconds=cfg.get("UPLOAD_MAX_SECONDS", cls.seconds))


def read_table(content: bytes, filename: str, limits: Limits | None = None) -> list[list[str]]:
    """All rows of the first sheet (.xlsx) or of a CSV file, as stripped text, within `limits`."""
    limits = limits or Limits.configured()
    lower = (filename or "").lower()
    if lower.endswith(".xlsx"):
        return _read_xlsx(content, limits)
    if lower.endswith(".csv"):
        return _read_csv(content, limits)
    if lower.endswith(".xls"):
        raise UploadError(N_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 .csv 后上传"))
    raise UploadError(N_("只接受 .xlsx 或 .csv 文件"))


class _Deadline:
    def __init__(self, seconds: float):
        self.seconds, self.until = seconds, time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.until:
            raise UploadError(Message(N_("文件读取超过 %(seconds)s 秒的时限，请拆分后分批上传"),
                                      seconds=f"{self.seconds:g}"))


def _too_many_rows(limits: Limits) -> UploadError:
    return UploadError(Message(N_("文件行数超过上限 %(rows)s 行，请拆分后分批上传"), rows=f"{limits.rows:,}"))


def _too_many_columns(limits: Limits, row: int | None = None) -> UploadError:
    return UploadError(Message(N_("文件列数超过上限 %(columns)s 列，请删除多余的列后上传"), columns=limits.columns), row)


def _cell_too_long(limits: Limits, row: int) -> UploadError:
    return UploadError(Message(N_("第 %(row)s 行有单元格超过 %(chars)s 个字符"), row=row, chars=limits.cell_chars), row)


# --- CSV -----------------------------------------------------------------------------------------------------------

def _read_csv(content: bytes, limits: Limits) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UploadError(N_("无法识别 CSV 文件的编码（支持 UTF-8 与 GBK）"))
    deadline = _Deadline(limits.seconds)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if len(rows) > limits.rows:  # the header plus `rows` data rows
                raise _too_many_rows(limits)
            if len(row) > limits.columns:
                raise _too_many_columns(limits, reader.line_num)
            if any(len(c) > limits.cell_chars for c in row):
                raise _cell_too_long(limits, reader.line_num)
            rows.append([c.strip() for c in row])
            if len(rows) % 1000 == 0:
                deadline.check()
    except csv.Error as exc:  # a lone carriage return or a stray quote in an unquoted field, an over-long field
        raise UploadError(Message(N_("CSV 文件第 %(row)s 行格式有误（%(reason)s），请用 Excel 另存为 CSV 后重试"),
                                  row=reader.line_num, reason=_csv_reason(exc)), reader.line_num) from None
    return rows


def _csv_reason(exc: csv.Error) -> Message:
    text = str(exc)
    if "new-line" in text:
        return Message(N_("未加引号的字段中有换行符"))
    if "quote" in text or "expected after" in text or "end of data" in text:
        return Message(N_("引号不成对"))
    if "field larger" in text:
        return Message(N_("单元格过长"))
    return Message(N_("无法解析"))


# --- xlsx ----------------------------------------------------------------------------------------------------------

_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _check_package(book: zipfile.ZipFile, limits: Limits) -> list[str]:
    """Refuse a zip bomb before unpacking anything; return the worksheets' member names."""
    total = 0
    sheets = []
    for info in book.infolist():
        total += info.file_size
        if info.compress_size and info.file_size > limits.ratio * info.compress_size and info.file_size > 1_000_000:
            raise UploadError(N_("Excel 文件的压缩比异常，可能是恶意构造的文件，已拒绝"))
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            sheets.append(info.filename)
    if total > limits.unzipped_bytes:
        raise UploadError(Message(N_("Excel 文件解压后超过 %(mb)s MB 的上限，请拆分后上传"),
                                  mb=limits.unzipped_bytes // (1024 * 1024)))
    if not sheets:
        raise UploadError(N_("Excel 文件中没有工作表"))
    return sheets


class _Refused(Exception):
    """Raised inside the XML scan: a DTD or entity declaration (defused, as defusedxml does), or a limit."""


def _scan_sheet(stream, limits: Limits, deadline: _Deadline) -> None:
    """Walk one worksheet's XML as a stream (expat, no tree built) and refuse it if any cell lies beyond the row or
    column limit. Cells and rows without a reference follow the one before (as OOXML allows); nothing is kept.
    A document type or entity declaration is refused outright (no entity expansion: "billion laughs")."""
    state = {"row": 0, "column": 0, "rows": 0}

    def refuse_dtd(*_args):
        raise _Refused(N_("无法读取该 Excel 文件，请确认是 .xlsx 格式（不支持旧版 .xls）"))

    def start(tag: str, attrs: dict) -> None:
        if tag.endswith("}c") or tag == "c":
            ref = attrs.get("r")
            match = _REF.match(ref) if ref else None
            state["column"] = _column_number(match.group(1)) if match else state["column"] + 1
            if match and int(match.group(2)) > limits.rows + 1:
                raise _too_many_rows(limits)
            if state["column"] > limits.columns:
                raise _too_many_columns(limits, state["row"] or None)
        elif tag.endswith("}row") or tag == "row":
            ref = attrs.get("r")
            state["row"] = int(ref) if ref and ref.isdigit() else state["row"] + 1
            state["column"] = 0
            if state["row"] > limits.rows + 1:
                raise _too_many_rows(limits)
            state["rows"] += 1
            if state["rows"] % 2000 == 0:
                deadline.check()

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = start
    try:
        parser.ParseFile(stream)
    except _Refused as exc:
        raise UploadError(exc.args[0]) from None


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))  # Excel turns long digit strings into numbers; ID numbers must be text columns
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != clock_time() else value.date().isoformat()
    if isinstance(value, (date, clock_time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def _read_xlsx(content: bytes, limits: Limits) -> list[list[str]]:
    deadline = _Deadline(limits.seconds)
    unreadable = UploadError(N_("无法读取该 Excel 文件，请确认是 .xlsx 格式（不支持旧版 .xls）"))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            for name in _check_package(package, limits):
                with package.open(name) as stream:
                    _scan_sheet(stream, limits, deadline)
    except UploadError:
        raise
    except Exception:  # not a zip, damaged XML, a bad member: one answer
        raise unreadable from None
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(content)) as book:
            if not book.sheet_names:
                raise UploadError(N_("Excel 文件中没有工作表"))
            raw = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except UploadError:
        raise
    except Exception:  # calamine's errors for a damaged workbook
        raise unreadable from None
    deadline.check()
    rows = []
    for number, values in enumerate(raw, start=1):
        row = [_text(v) for v in values]
        if any(len(c) > limits.cell_chars for c in row):
            raise _cell_too_long(limits, number)
        rows.append(row)
    while rows and not any(rows[-1]):
        rows.pop()
    return rows
