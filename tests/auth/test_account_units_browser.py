"""In a real browser: an administrator creating an expert's account must pick the expert's unit; leaving the
select as the page offers it no longer files the account under the top organisation."""
import pytest
from sqlalchemy import select

from tests.conftest import Factory, sign_in

pytestmark = pytest.mark.browser


def test_the_unit_is_chosen_explicitly_in_the_user_form(live_server, chromium):
    from contestapp.auth.models import User
    from contestapp.extensions import db

    base, app = live_server
    with app.app_context():
        make = Factory()
        city = make.org("杭州市总工会", "city")
        make.org("杭州汽轮机股份有限公司", "unit", make.org("拱墅区总工会", "county", city))
        make.user("boss", "admin", city)
        db.session.commit()
    p, browser = chromium
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, "boss")
    page.goto(f"{base}/users/new")
    assert page.locator("#organisation_id option:checked").inner_text() == "请选择所属单位"
    page.fill("#username", "expert9")
    page.fill("#display_name", "评委 钱德明")
    page.select_option("#role", "judge")
    page.fill("#password", "password-123")
    with page.expect_navigation():
        page.click("button:has-text('保存')")
    assert "请选择账号的所属单位" in page.inner_text("main")
    page.select_option("#organisation_id", label="\u3000\u3000杭州汽轮机股份有限公司（基层单位）")
    page.fill("#password", "password-123")
    with page.expect_navigation():
        page.click("button:has-text('保存')")
    assert "账号已保存" in page.inner_text("body")
    row = page.locator("tr", has_text="expert9").inner_text()
    assert "杭州汽轮机股份有限公司" in row
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "expert9")).organisation.name == "杭州汽轮机股份有限公司"
    context.close()
