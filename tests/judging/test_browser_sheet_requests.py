"""The chief judge in a real browser: a recusal asked on a submitted sheet waits on the console's 待处理申请 page;
refusing it needs a reason, and the refused request is listed with that reason while the sheet stays submitted."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import sign_in
from tests.judging.test_browser_judge import served  # noqa: F401  (the app served over HTTP, CSRF on)

pytestmark = pytest.mark.browser


def test_the_chief_judge_refuses_a_recusal_of_a_submitted_sheet_with_a_reason(served, chromium):  # noqa: F811
    from contestapp.auth.models import User
    from contestapp.extensions import db
    from contestapp.judging.models import ScoreSheet
    from contestapp.judging.requests import request_change

    app = served["app"]
    with app.app_context():
        judge = db.session.scalar(select(User).where(User.username == "tabletjudge"))
        sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.judge_id == judge.id).order_by(ScoreSheet.id))
        sheet.status, sheet.version = "submitted", 2
        request_change(sheet, judge, "recusal", "与选手系师徒关系")
        db.session.commit()
        sheet_id = sheet.id
        db.session.remove()
    _, browser = chromium
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        sign_in(page, served["url"], "chiefjudge")
        page.goto(f"{served['url']}/contests/{served['contest_id']}/judging/")
        expect(page.locator("#sheet-requests")).to_contain_text("待处理申请 (1)")
        with page.expect_navigation():
            page.click("#sheet-requests")
        pending = page.locator("#pending")
        expect(pending).to_contain_text("回避申请")
        expect(pending).to_contain_text("与选手系师徒关系")
        with page.expect_navigation():
            pending.locator("button:has-text('驳回')").click()
        expect(page.locator("body")).to_contain_text("请填写处理意见")
        page.fill("#d-decision", "师徒关系已于五年前解除，不影响公正")
        with page.expect_navigation():
            page.locator("#pending button:has-text('驳回')").click()
        expect(page.locator("#pending")).to_contain_text("没有待处理的申请")
        decided = page.locator("#decided")
        expect(decided).to_contain_text("已驳回")
        expect(decided).to_contain_text("师徒关系已于五年前解除，不影响公正")
    finally:
        context.close()
    with app.app_context():
        assert db.session.get(ScoreSheet, sheet_id).status == "submitted"
        db.session.remove()
