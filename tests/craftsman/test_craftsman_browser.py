"""In a real browser (Debian chromium via playwright): a unit nominates a candidate with a material and submits;
the office checks it and returns it for completion with a note; the unit sees the note and can edit again."""
import pytest

from contestapp.extensions import db
from tests.conftest import Factory, confirm_dialogs, sign_in
from tests.craftsman.craftsman_helpers import PDF, build_world, nomination_values

pytestmark = pytest.mark.browser


def test_unit_nominates_and_office_returns_for_completion(live_server, chromium, tmp_path):
    base, app = live_server
    with app.app_context():
        w = build_world(Factory())
        db.session.commit()
        contest_id = w["contest"].id
    p, browser = chromium
    values = nomination_values(4)
    material = tmp_path / "事迹材料.pdf"
    material.write_bytes(PDF)

    # the unit fills the nomination form, uploads a material, submits
    unit = browser.new_context(locale="zh-CN")
    page = unit.new_page()
    confirm_dialogs(page)
    sign_in(page, base, "unit0")
    page.goto(f"{base}/craftsman/unit")
    with page.expect_navigation():
        page.click("a:has-text('推荐候选人')")
    for key in ("name", "id_number", "phone", "employer", "job", "trade"):
        page.fill(f"#{key}", values[key])
    page.fill("#years_in_trade", str(values["years_in_trade"]))
    page.select_option("#employer_type", "民营企业")
    page.select_option("#front_line", "1")
    page.select_option("#vocational_level", "技师")
    page.fill("#honours", values["honours"])
    page.fill("#statement", values["statement"])
    page.fill("#summary", values["summary"])
    with page.expect_navigation():
        page.click("#save")
    assert "草稿已保存" in page.content()
    page.set_input_files("#file", str(material))
    with page.expect_navigation():
        page.click("#upload")
    assert "已上传：事迹材料.pdf" in page.content()
    with page.expect_navigation():
        page.click("button:has-text('提交推荐表')")
    assert "推荐表已提交" in page.content()
    assert page.locator("#status").inner_text() == "已提交"

    # the office sees the automatic checks and returns the nomination with a note
    office = browser.new_context(locale="zh-CN")
    opage = office.new_page()
    sign_in(opage, base, "office")
    opage.goto(f"{base}/craftsman/{contest_id}/")
    row = opage.locator("tr[data-name='候选人04']")
    assert "已提交" in row.inner_text()
    with opage.expect_navigation():
        row.locator("a:has-text('审查')").click()
    assert "从事本职业（工种）12 年，符合条件" in opage.content()
    opage.check("input[name=decision][value=return]")
    opage.fill("#note", "请补充专利证书扫描件")
    with opage.expect_navigation():
        opage.click("button:has-text('提交审查结论')")
    assert "退回补充" in opage.locator("tr[data-name='候选人04']").inner_text()

    # the unit sees the note and can edit the nomination again
    page.goto(f"{base}/craftsman/unit")
    assert "请补充专利证书扫描件" in page.locator("#mine").inner_text()
    with page.expect_navigation():
        page.click("#mine a:has-text('修改')")
    assert "请补充专利证书扫描件" in page.locator("#return-note").inner_text()
    assert page.locator("#nomination-form").count() == 1 and page.locator("#upload-form").count() == 1
    unit.close()
    office.close()
