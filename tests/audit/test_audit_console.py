"""The audit console: filter by contest, action and user; export CSV and Excel; organisers see their contests only."""
import io

from openpyxl import load_workbook

from contestapp.extensions import db
from tests.judging.conftest import jw, marks_for, signed_in  # noqa: F401  (fixture)


def test_filter_and_export_the_audit_log(app, jw, make):
    judge = signed_in(app, "judge2")
    s = judge.get("/api/v1/assignments").get_json()["rounds"][0]["sheets"][0]
    sheet = judge.get(f"/api/v1/sheets/{s['id']}").get_json()
    r = judge.put(f"/api/v1/sheets/{s['id']}/marks", json={"version": 1, "marks": marks_for(sheet)},
                  headers={"Idempotency-Key": "a1", "X-Device-Id": "tablet-test1"})
    judge.put(f"/api/v1/sheets/{s['id']}/marks", json={"version": r.get_json()["version"], "marks": [
        {"criterion_id": sheet["criteria"][0]["id"], "value": "10"}]}, headers={"Idempotency-Key": "a2"})
    org = signed_in(app, "org1")
    page = org.get(f"/audit/?contest={jw['contest'].id}&action=mark.write").get_data(as_text=True)
    assert "评分录入/修改" in page and "→10" in page and "tablet-test1" in page
    assert "抽签" not in page.split("<tbody>")[1]  # filtered to one action
    by_user = org.get("/audit/?user=judge2").get_data(as_text=True)
    assert by_user.count("<tr>") >= 3
    csv_text = org.get(f"/audit/?contest={jw['contest'].id}&format=csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeff时间,操作") and "随机抽签" in csv_text and "mark" not in csv_text.split("\n")[0]
    book = load_workbook(io.BytesIO(org.get("/audit/?format=xlsx&action=draw.seeded").data))
    rows = list(book.active.values)
    assert rows[0][0] == "时间" and len(rows) == 2 and "12345" in rows[1][5]
    # an organiser of another organisation sees none of it
    other = make.org("乙市总工会", "city")
    make.user("stranger2", "organiser", other)
    db.session.commit()
    page = signed_in(app, "stranger2").get("/audit/").get_data(as_text=True)
    assert "没有记录" in page
