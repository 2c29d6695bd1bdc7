"""Roster import: a 10,000-row .xlsx from upload to committed rows. Target: under 5 s.

Floor: reading the same file with openpyxl alone (what any import must pay)."""
from __future__ import annotations

import io
import time
from datetime import date

from _common import fresh_app
from openpyxl import Workbook, load_workbook

ROWS = 10_000
TARGET_S = 5.0


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


def main() -> None:
    from contestapp.contests.definition import create_contest, read_definition
    from contestapp.entrants.services import check_roster, import_roster
    from contestapp.auth.models import Organisation
    from contestapp.extensions import db
    from _common import ROOT

    content = roster_file()
    t = time.perf_counter()
    book = load_workbook(io.BytesIO(content), read_only=True)
    sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    floor = time.perf_counter() - t
    print(f"roster import, {ROWS:,} rows .xlsx ({len(content) / 1e6:.1f} MB)")
    print(f"  floor: openpyxl read only          {floor:6.2f} s")
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
                  f"(target < {TARGET_S:.0f} s: {verdict}; {total / floor:.1f}x the floor)")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
