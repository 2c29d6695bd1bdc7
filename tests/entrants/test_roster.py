"""Roster import (报名表): xlsx and CSV in UTF-8 or GBK, all or nothing, row-level errors; export and template."""
import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from contestapp.domain.idcard import make_id_number
from contestapp.entrants.models import Entrant, Entry, Unit
from contestapp.entrants.roster import RosterFileError, check_rows, read_table
from contestapp.extensions import db

HEADER = ["姓名", "性别", "身份证号", "手机号", "单位", "工种", "职业技能等级", "人员类别", "参赛赛项"]


def person(i, event="电工", gender="M", **overrides):
    row = {"姓名": f"王{'一二三四五六七八九十'[i % 10]}{i}", "性别": "男" if gender == "M" else "女",
           "身份证号": make_id_number("330106", date(1985, 3, 1 + i % 28), i, gender), "手机号": f"1390000{i:04d}",
           "单位": "国网杭州供电公司", "工种": "电工", "职业技能等级": "高级工", "人员类别": "一线职工", "参赛赛项": event}
    row.update(overrides)
    return [row[h] for h in HEADER]


def csv_bytes(rows, encoding):
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def contest(make):
    return make.contest(make.org())


def _import(app, contest, content, filename, tmp_path):
    path = tmp_path / filename
    path.write_bytes(content)
    return app.test_cli_runner().invoke(args=["entrants", "import", contest.code, str(path)])


def count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_gbk_csv_roster_imports(app, contest, tmp_path):
    db.session.commit()
    result = _import(app, contest, csv_bytes([person(i) for i in range(5)], "gbk"), "报名表.csv", tmp_path)
    assert result.exit_code == 0, result.output
    assert count(Entrant) == 5 and count(Entry) == 5
    names = set(db.session.scalars(select(Entrant.name)))
    assert "王二1" in names


def test_utf8_csv_with_bom_imports(app, contest, tmp_path):
    db.session.commit()
    result = _import(app, contest, csv_bytes([person(i) for i in range(3)], "utf-8-sig"), "r.csv", tmp_path)
    assert result.exit_code == 0, result.output
    assert count(Entrant) == 3


def test_xlsx_roster_imports_with_genders_births_units_and_numbers(app, contest, tmp_path):
    db.session.commit()
    rows = [person(1), person(2, gender="F"), person(3, event="焊工、电工")]
    result = _import(app, contest, xlsx_bytes(rows), "r.xlsx", tmp_path)
    assert result.exit_code == 0, result.output
    woman = db.session.scalar(select(Entrant).where(Entrant.name == "王三2"))
    assert woman.gender == "F" and woman.birth_date == date(1985, 3, 3)
    assert count(Unit) == 1 and count(Entry) == 4
    numbers = set(db.session.scalars(select(Entry.number)))
    assert "electrician-0001" in numbers and "welder-0001" in numbers


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(app, contest, tmp_path):
    db.session.commit()
    rows = [person(i) for i in range(6)]
    bad = rows[3][:]
    bad[2] = bad[2][:-1] + ("0" if bad[2][-1] != "0" else "1")  # break the checksum
    rows[3] = bad
    result = _import(app, contest, xlsx_bytes(rows), "r.xlsx", tmp_path)
    assert result.exit_code != 0
    assert "第 5 行 [身份证号] 身份证号校验位错误" in result.output
    assert count(Entrant) == 0 and count(Entry) == 0 and count(Unit) == 0


def test_every_problem_is_listed_by_row_column_and_reason(contest):
    rows = [
        person(1),
        person(2, 姓名=""),
        person(3, 参赛赛项="厨师"),
        person(1, 姓名="重复者"),                  # same ID as row 2
        person(5, 性别="女"),                      # ID says male
        person(6, 手机号="12345"),
    ]
    checked = check_rows([HEADER] + rows, {"电工": "electrician", "electrician": "electrician"}, set())
    found = {(p.row, p.column, p.reason) for p in checked.problems}
    assert (3, "姓名", "姓名不能为空") in found
    assert (4, "参赛赛项", "赛项“厨师”不存在") in found
    assert (5, "身份证号", "与第 2 行身份证号重复") in found
    assert (6, "性别", "性别与身份证号不符") in found
    assert (7, "手机号", "手机号应为11位数字") in found
    assert checked.rows == []


def test_an_id_already_registered_in_the_contest_is_refused(app, contest, tmp_path):
    db.session.commit()
    assert _import(app, contest, csv_bytes([person(1)], "utf-8"), "a.csv", tmp_path).exit_code == 0
    result = _import(app, contest, csv_bytes([person(2), person(1)], "utf-8"), "b.csv", tmp_path)
    assert result.exit_code != 0 and "第 3 行 [身份证号] 该身份证号已在本竞赛报名" in result.output
    assert count(Entrant) == 1


def test_missing_columns_and_wrong_types_are_explained():
    with pytest.raises(RosterFileError, match="缺少必需的列：身份证号"):
        check_rows([["姓名", "单位", "参赛赛项"], ["张三", "某厂", "电工"]], {}, set())
    with pytest.raises(RosterFileError, match=r"\.xlsx 或 \.csv"):
        read_table(b"whatever", "roster.xls")
    with pytest.raises(RosterFileError, match="无法读取"):
        read_table(b"not a zip", "roster.xlsx")


def test_preview_then_confirm_in_the_console(client, make, contest, login_as):
    make.user("org1", "organiser", contest.organisation)
    db.session.commit()
    login_as("org1")
    url = f"/contests/{contest.id}/entrants"
    response = client.post(f"{url}/import", data={"file": (io.BytesIO(xlsx_bytes([person(1), person(2)])), "r.xlsx")},
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "检查通过：共 2 名参赛者" in body
    assert count(Entrant) == 0  # nothing until confirmed
    token = body.split('name="token" value="')[1].split('"')[0]
    response = client.post(f"{url}/import/confirm", data={"token": token})
    assert response.status_code == 302 and count(Entrant) == 2
    assert client.post(f"{url}/import/confirm", data={"token": token}).status_code == 302  # replay does nothing
    assert count(Entrant) == 2


def test_console_preview_of_a_bad_file_lists_problems(client, make, contest, login_as):
    make.user("org1", "organiser", contest.organisation)
    db.session.commit()
    login_as("org1")
    response = client.post(f"/contests/{contest.id}/entrants/import",
                           data={"file": (io.BytesIO(csv_bytes([person(1), person(2, 单位="")], "gbk")), "r.csv")},
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "第 3 行" in body and "单位不能为空" in body
    assert "确认导入" not in body


def test_template_and_export_round_trip(app, client, make, contest, login_as, tmp_path):
    make.user("org1", "organiser", contest.organisation)
    db.session.commit()
    login_as("org1")
    template = client.get(f"/contests/{contest.id}/entrants/template.xlsx")
    sheet = load_workbook(io.BytesIO(template.data)).worksheets[0]
    assert [c.value for c in sheet[1]][:5] == ["姓名", "性别", "身份证号", "手机号", "单位"]
    # the template's example row is itself valid, and it is row 2, where the instructions say it is
    checked = check_rows(read_table(template.data, "t.xlsx"), {"电工": "e", "焊工": "w"}, set())
    assert checked.ok, checked.problems
    assert [r.row for r in checked.rows] == [2] and sheet["A2"].value == "张三" and sheet.max_row == 2001
    assert _import(app, contest, xlsx_bytes([person(1), person(2)]), "r.xlsx", tmp_path).exit_code == 0
    exported = load_workbook(io.BytesIO(client.get(f"/contests/{contest.id}/entrants/export.xlsx").data)).active
    rows = list(exported.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][0] == "王二1"
    assert "*" in rows[1][2]  # organisers get masked ID numbers


def test_entrant_list_masks_ids_searches_filters_and_pages_without_n_plus_1(client, make, contest, login_as,
                                                                           count_queries, app):
    make.user("org1", "organiser", contest.organisation)
    make.roster(contest, 60)
    db.session.commit()
    login_as("org1")
    url = f"/contests/{contest.id}/entrants/"
    client.get(url)  # warm up
    with count_queries() as q:
        page = client.get(url).get_data(as_text=True)
    assert q.count <= 12, q.statements
    assert "第 1 / 2 页，共 60 条" in page
    full = db.session.scalar(select(Entrant.id_number).where(Entrant.name == "选手001"))
    assert full not in page and full[:4] + "**********" + full[-4:] in page
    assert "选手007" in client.get(url + "?q=选手007").get_data(as_text=True)
    assert "选手008" not in client.get(url + "?q=选手007").get_data(as_text=True)
    unit = db.session.scalar(select(Unit).where(Unit.name == "单位1"))
    filtered = client.get(url + f"?unit={unit.id}").get_data(as_text=True)
    assert "共 15 名" in filtered


def test_revealing_an_id_number_is_for_admins_and_is_logged(client, make, contest, login_as):
    from contestapp.audit.models import AuditEntry

    make.user("boss", "admin")
    make.user("org1", "organiser", contest.organisation)
    make.roster(contest, 1)
    db.session.commit()
    entrant = db.session.scalar(select(Entrant))
    login_as("org1")
    assert client.post(f"/contests/{contest.id}/entrants/{entrant.id}/reveal").status_code == 403
    client.post("/logout")
    login_as("boss")
    response = client.post(f"/contests/{contest.id}/entrants/{entrant.id}/reveal", follow_redirects=True)
    assert entrant.id_number in response.get_data(as_text=True)
    logged = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "entrant.reveal_id"))
    assert logged is not None and logged.actor_name == "boss"


@pytest.mark.parametrize("combine, member_entries", [("sum_members", 4), ("own_marks", 0)])
def test_team_rosters_enter_members_only_when_the_team_is_the_sum_of_its_members(app, make, combine, member_entries):
    from contestapp.entrants.models import EntrantKind
    from contestapp.entrants.services import event_lookup, import_roster

    org = make.org()
    contest = make.contest(org, example="team-skills.json")
    event = contest.events[0]
    event.rules = {**(event.rules or {}), "team_combine": combine}
    db.session.flush()
    table = [["姓名", "性别", "身份证号", "单位", "参赛赛项", "团队"]]
    for i in range(4):
        table.append([f"队员{i}", "男", make_id_number("330106", date(1990, 1, 1 + i), i * 2 + 1, "M"),
                      "杭州地铁", event.name, "一队" if i < 2 else "二队"])
    checked = check_rows(table, event_lookup(contest), set())
    assert checked.ok, checked.problems
    import_roster(contest, checked, None)
    entries = db.session.scalars(select(Entry).where(Entry.event_id == event.id)).all()
    kinds = [db.session.get(Entrant, e.entrant_id).kind for e in entries]
    assert kinds.count(EntrantKind.TEAM) == 2 and kinds.count(EntrantKind.PERSON) == member_entries
