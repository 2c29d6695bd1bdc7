"""Roster import: a 10,000-row .xlsx from upload to committed rows. Target: under 2 s.

Floors measured in the same run: python-calamine alone reading the file (the least any import must pay), and
openpyxl's read-only reader (what the old import paid: 4.3 s). Also: the crafted 5 KB workbook that declares every cell
of Excel (A1:XFD1048576) must be refused in under 5 s (and, in its own process, under 200 MB: tests/security)."""
from __future__ import annotations

import io
import time
from datetime import date

from _common import fresh_app
from openpyxl import Workbook, load_workbook

ROWS = 10_000
TARGET_S = 2.0
CRAFTED_TARGET_S = 5.0


def roster_file() -> bytes:
    from contestapp.domain.idcard import make_id_number

    book = Workbook(write_only=True)
    sheet = book.create_sheet("报名表")
    sheet.append(["姓名", "性别", "身份证号", "手机号", "单位", "工种", "职业技能等级", "人员类别", "参赛赛项"])
    for i in range(ROWS):
        gender = "M" if i % 3 else "F"
        born = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        sheet.append([f"选手{i:05d}", "男" if gender == "M" else "女",
                      make_id_number(f"33{i // 100 % 100:02d}{i // 10000 % 100:02d}", born, i % 100, gender),
                      f"139{i:08d}", f"第{i % 80}工程公司", "电工", "高级工", "一线职工", "电工" if i % 2 else "焊工"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def crafted_file() -> bytes:
    """A real workbook whose sheet declares A1:XFD1048576 and holds a cell at XFD1048576 (4.9 KB)."""
    import zipfile

    book = Workbook()
    book.active.append(["姓名", "单位"])
    plain = io.BytesIO()
    book.save(plain)
    sheet = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet '
             b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/>'
             b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="1048576">'
             b'<c r="XFD1048576" t="inlineStr"><is><t>b</t></is></c></row></sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info))
    return out.getvalue()


def main() -> None:
    from contestapp.contests.definition import create_contest, read_definition
    from contestapp.entrants.services import check_roster, import_roster
    from contestapp.auth.models import Organisation
    from contestapp.extensions import db
    from _common import ROOT

    from python_calamine import CalamineWorkbook

    from contestapp.common.uploads import UploadError, read_table

    content = roster_file()
    t = time.perf_counter()
    book = load_workbook(io.BytesIO(content), read_only=True)
    sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    old = time.perf_counter() - t
    t = time.perf_counter()
    with CalamineWorkbook.from_filelike(io.BytesIO(content)) as cal:
        len(cal.get_sheet_by_index(0).to_python())
    floor = time.perf_counter() - t
    t = time.perf_counter()
    read_table(content, "r.xlsx")
    reader = time.perf_counter() - t
    print(f"roster import, {ROWS:,} rows .xlsx ({len(content) / 1e6:.1f} MB)")
    print(f"  floor: python-calamine alone       {floor:6.2f} s")
    print(f"  openpyxl read-only (old reader)    {old:6.2f} s")
    print(f"  contestapp.common.uploads.read_table (limits scan + calamine + text) {reader:6.2f} s = "
          f"{reader / floor:.1f}x the floor")
    crafted = crafted_file()
    t = time.perf_counter()
    try:
        read_table(crafted, "crafted.xlsx")
        outcome = "READ (should have been refused)"
    except UploadError as exc:
        outcome = f"refused: {exc}"
    took = time.perf_counter() - t
    verdict = "OK" if took < CRAFTED_TARGET_S and outcome.startswith("refused") else "FAIL"
    print(f"  crafted {len(crafted):,}-byte workbook declaring A1:XFD1048576: {outcome} in {took * 1000:.1f} ms "
          f"(target < {CRAFTED_TARGET_S:.0f} s: {verdict})")
    for kind in ("sqlite", "postgresql"):
        app = fresh_app(kind)
        if app is None:
            print(f"  {kind}: not reachable, skipped")
            continue
        with app.app_context():
            org = Organisation(name="基准", level="city")
            db.session.add(org)
            path = ROOT / "examples" / "city-skills.json"
            contest = create_contest(read_definition(path.read_bytes(), path.name), org, None)
            db.session.commit()
            t = time.perf_counter()
            checked = check_roster(contest, content, "r.xlsx")
            checked_at = time.perf_counter() - t
            assert checked.ok, checked.problems[:3]
            import_roster(contest, checked, None)
            db.session.commit()
            total = time.perf_counter() - t
            verdict = "OK" if total < TARGET_S else "SLOW"
            print(f"  {kind:<10} read+check {checked_at:5.2f} s, total {total:5.2f} s  "
                  f"(target < {TARGET_S:.0f} s: {verdict}; {total / floor:.1f}x the calamine floor)")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
