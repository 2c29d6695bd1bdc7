"""Uploaded tables are measured before they are read: crafted, damaged and oversized files are refused with a
Chinese reason naming the limit, and nothing else escapes the reader (contestapp.common.uploads)."""
import io
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from contestapp.common.uploads import Limits, UploadError, read_table

ROOT = Path(__file__).resolve().parents[2]
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(xml: bytes, base: bytes | None = None, drop: str | None = None) -> bytes:
    """A real workbook whose first sheet's XML is replaced (or a member dropped)."""
    source = zipfile.ZipFile(io.BytesIO(base or workbook([["姓名", "单位"], ["张三", "甲厂"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == drop:
                continue
            data = xml if info.filename == "xl/worksheets/sheet1.xml" else source.read(info.filename)
            target.writestr(info, data)
    return out.getvalue()


HUGE = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS}><dimension ref="A1:XFD1048576"/>'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>b</t></is></c></row></sheetData></worksheet>').encode()


def test_a_sheet_declaring_every_cell_of_excel_is_refused_fast_and_small(tmp_path):
    """The 4.9 KB file that made the old reader build rows 16,384 wide: refused in its own process, measured."""
    crafted = tmp_path / "crafted.xlsx"
    crafted.write_bytes(with_sheet(HUGE))
    assert crafted.stat().st_size < 8_000
    script = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(ROOT)!r})
        from contestapp.common.uploads import UploadError, read_table
        try:
            read_table(open({str(crafted)!r}, "rb").read(), "roster.xlsx")
            outcome = "read"
        except UploadError as exc:
            outcome = str(exc)
        peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
        print(json.dumps({{"outcome": outcome, "max_rss_mb": peak / 1024}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    assert "行数超过上限" in figures["outcome"] or "列数超过上限" in figures["outcome"]
    # memory peak of a process of its own (VmHWM, reset at exec): no grid was built. Typically ~60 MB, the interpreter
    # and the app's imports; the old reader passed 968 MB. The time it takes is printed by benchmarks/bench_roster.py.
    assert figures["max_rss_mb"] < 200, figures


@pytest.mark.parametrize("xml, why", [
    (HUGE[:200], "truncated sheet XML"),
    (f"<worksheet {NS}><sheetData><row r='1'><c r='A1' q='?' t='inlineStr'><is><t>x</t></is></c></row>".encode(),
     "unknown attribute, unclosed"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><worksheet>&b;</worksheet>",
     "entities (billion laughs)"),
    (b"not xml at all", "garbage"),
])
def test_damaged_workbooks_are_refused_with_the_readers_own_error(xml, why):
    with pytest.raises(UploadError, match="无法读取该 Excel 文件"):
        read_table(with_sheet(xml), "roster.xlsx")


def test_a_workbook_without_sheets_or_not_a_zip_is_refused():
    with pytest.raises(UploadError):
        read_table(with_sheet(b"", drop="xl/worksheets/sheet1.xml"), "r.xlsx")
    with pytest.raises(UploadError, match="无法读取"):
        read_table(b"PK\x03\x04 broken", "r.xlsx")


def test_limits_on_rows_columns_cells_and_unpacked_size_name_the_limit():
    small = Limits(rows=3, columns=4, cell_chars=10, unzipped_bytes=2_000_000)
    with pytest.raises(UploadError, match="行数超过上限 3 行"):
        read_table(workbook([["h"]] + [[str(i)] for i in range(5)]), "r.xlsx", small)
    with pytest.raises(UploadError, match="列数超过上限 4 列"):
        read_table(workbook([["a", "b", "c", "d", "e"]]), "r.xlsx", small)
    with pytest.raises(UploadError, match="第 2 行有单元格超过 10 个字符"):
        read_table(workbook([["h"], ["x" * 11]]), "r.xlsx", small)
    with pytest.raises(UploadError, match="行数超过上限"):
        read_table("h\n" + "1\n" * 5, "r.csv", small) if False else read_table(b"h\n1\n2\n3\n4\n", "r.csv", small)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b" " * 3_000_000)
    with pytest.raises(UploadError, match="压缩比异常|解压后超过"):
        read_table(bomb.getvalue(), "r.xlsx", small)


def test_csv_with_a_lone_carriage_return_or_stray_quote_reads_or_is_refused_by_row():
    # a lone carriage return ends a line, as in Excel (old Mac files): the row checks then say what is missing
    assert read_table("姓名,单位\n张三,甲\r厂\n".encode(), "r.csv") == [["姓名", "单位"], ["张三", "甲"], ["厂"]]
    with pytest.raises(UploadError, match="第 2 行格式有误（引号不成对）") as caught:
        read_table('姓名,单位\n"张"三,甲厂\n'.encode(), "r.csv")
    assert caught.value.row == 2
    with pytest.raises(UploadError, match="格式有误"):
        read_table('姓名,单位\n"张三,甲厂\n'.encode(), "r.csv")  # a quote never closed


def test_a_good_workbook_reads_as_text_as_before():
    rows = read_table(workbook([["姓名", "身份证号", "分数"], ["张三", 13800000000, 85.5], ["李四", "0571", 90]]),
                      "r.xlsx")
    assert rows == [["姓名", "身份证号", "分数"], ["张三", "13800000000", "85.5"], ["李四", "0571", "90"]]
    assert read_table("姓名,单位\n张三,甲厂\n".encode("gbk"), "r.csv") == [["姓名", "单位"], ["张三", "甲厂"]]
