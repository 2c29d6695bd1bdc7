"""The organiser's desk in a real browser: an irreversible step is confirmed in the page's own dialog, which says
what will happen (issue 15 item 1), and each kind of contest shows only its own steps, in order (item 8)."""
import pytest
from playwright.sync_api import expect

from contestapp.extensions import db
from tests.conftest import Factory, sign_in

pytestmark = pytest.mark.browser


def test_deleting_a_criterion_asks_in_a_styled_dialog_and_cancel_keeps_it(live_server, desk):
    base, app = live_server
    with app.app_context():
        f = Factory()
        org = f.org()
        f.user("org1", "organiser", org)
        contest = f.contest(org)
        db.session.commit()
        contest_id = contest.id
    page = desk.new_page()
    sign_in(page, base, "org1")
    page.goto(f"{base}/contests/{contest_id}")
    rounds = page.locator("form[action*='/criterion/'] button")
    before = rounds.count()
    assert before > 0

    rounds.first.click()
    dialog = page.locator("#app-confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("确定删除该评分项？")
    assert page.evaluate("document.activeElement.textContent.trim()") == "取消"  # the safe answer is the default
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    assert page.url.endswith(f"/contests/{contest_id}")
    assert rounds.count() == before  # nothing was deleted

    rounds.last.click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="确认").click()
    expect(page.locator(".flashes")).to_contain_text("已删除")
    assert page.locator("form[action*='/criterion/'] button").count() == before - 1


@pytest.mark.parametrize("example, kind_tabs", [
    ("city-skills.json", ["竞赛设置", "参赛者", "裁判与仲裁", "评分", "评分分析", "纸质评分", "成绩", "获奖名单", "证书"]),
    ("craftsman.json", ["竞赛设置", "评审专家", "工匠评选", "证书"]),
    ("merit-project.json", ["竞赛设置", "参评单位", "考评人员", "考评", "年度", "证书"]),
])
def test_each_kind_shows_its_own_steps_in_order(live_server, desk, example, kind_tabs):
    base, app = live_server
    with app.app_context():
        f = Factory()
        org = f.org()
        f.user("org1", "organiser", org)
        contest = f.contest(org, example)
        db.session.commit()
        contest_id = contest.id
    page = desk.new_page()
    sign_in(page, base, "org1")
    page.goto(f"{base}/contests/{contest_id}")
    assert [t.strip() for t in page.locator("nav.tabs a").all_inner_texts()] == kind_tabs
