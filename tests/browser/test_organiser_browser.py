"""The organiser's main path in a real browser on a tablet: sign in, import a contest definition, import the roster
with preview and confirmation, find an entrant."""
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from contestapp.domain.idcard import make_id_number
from contestapp.extensions import db
from tests.conftest import PASSWORD, Factory

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def roster(path: Path, rows: int) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "性别", "身份证号", "单位", "参赛赛项"])
    for i in range(rows):
        sheet.append([f"李{'明华强军伟'[i % 5]}{i}", "男", make_id_number("330102", date(1988, 1, 1 + i), i * 2 % 100, "M"),
                      "杭州地铁运营有限公司", "电工"])
    book.save(path)
    return path


def test_organiser_imports_definition_and_roster_on_a_tablet(live_server, tablet, tmp_path):
    base, app = live_server
    with app.app_context():
        Factory().user("org1", "organiser", Factory().org())
        db.session.commit()
    page = tablet.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "org1")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.tap("button[type=submit]")
    assert page.url.endswith("/contests/")

    page.click("summary:has-text('从竞赛定义文件导入')")
    page.set_input_files("input[type=file]", str(ROOT / "examples" / "city-skills.json"))
    with page.expect_navigation():
        page.tap("button:has-text('导入')")
    assert "已导入竞赛定义" in page.content()
    assert page.locator("h2:has-text('电工')").count() == 1

    page.tap("a:has-text('参赛者')")
    page.wait_for_url("**/entrants/")
    page.set_input_files("input[type=file]", str(roster(tmp_path / "报名表.xlsx", 12)))
    with page.expect_navigation():
        page.tap("button:has-text('上传并预览')")
    assert "检查通过：共 12 名参赛者" in page.content()
    with page.expect_navigation():
        page.tap("button:has-text('确认导入')")
    assert "已导入 12 名参赛者" in page.content()

    page.fill("#q", "李强2")
    with page.expect_navigation():
        page.tap("button:has-text('筛选')")
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 1 and "李强2" in rows.first.inner_text()
    # nothing wider than the tablet: no horizontal scrolling of the page itself
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(tmp_path / "entrants.png"), full_page=True)


def test_a_bad_roster_is_shown_row_by_row_in_the_browser(live_server, tablet, tmp_path):
    base, app = live_server
    with app.app_context():
        f = Factory()
        org = f.org()
        f.user("org1", "organiser", org)
        contest = f.contest(org)
        db.session.commit()
        contest_id = contest.id
    bad = tmp_path / "bad.csv"
    bad.write_bytes("姓名,身份证号,单位,参赛赛项\n张三,110105194912310021,某厂,电工\n".encode("gbk"))
    page = tablet.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "org1")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.tap("button[type=submit]")
    page.goto(f"{base}/contests/{contest_id}/entrants/")
    page.set_input_files("input[type=file]", str(bad))
    with page.expect_navigation():
        page.tap("button:has-text('上传并预览')")
    text = page.content()
    assert "未导入任何内容" in text and "第 2 行" in text and "身份证号校验位错误" in text
