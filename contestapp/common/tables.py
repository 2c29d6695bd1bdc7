"""Tabular exports (CSV and xlsx): the one place that writes cells, so that no export carries a live formula.

A spreadsheet evaluates a cell that starts with `=`, `+`, `-` or `@` (and some read a leading tab or carriage return
the same way) as a formula: a roster row with the unit `=HYPERLINK(...)` would become a link that leaks the sheet to
whoever made it (OWASP "CSV injection"). Text that starts so is written with a leading apostrophe, which spreadsheets
show as text. Numbers (int, Decimal) are written as numbers and left alone: a negative total is not a formula, so
callers pass numeric columns as numbers, not as text.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence

from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as an export cell: text that a spreadsheet would run as a formula is made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Chinese Excel opens it correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(r) for r in rows)
    return buf.getvalue().encode("utf-8-sig")


def _xlsx_cell(ws, value: Any) -> Any:
    """A Decimal is a number shown with its own places (95.50 stays 95.50, not 95.5); text is made safe."""
    if isinstance(value, Decimal) and value.is_finite():
        places = max(0, -value.as_tuple().exponent)
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "0." + "0" * places if places else "0"
        return cell
    return safe_cell(value)


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[Any], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook with one sheet per (title, header, rows), streamed (write-only)."""
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        ws = book.create_sheet(title[:31])
        ws.append(safe_row(header))
        for row in rows:
            ws.append([_xlsx_cell(ws, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
