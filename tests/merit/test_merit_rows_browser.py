"""A real browser edits the merit rewards table as rows (issue 15 item 1): add rows, remove one, an invalid row is
refused and shown again as typed with its Chinese message, then corrected and saved (Debian's chromium)."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.conftest import sign_in, wait_for_js

pytestmark = pytest.mark.browser


@pytest.fixture
def merit_site(tmp_path, monkeypatch):
    from werkzeug.serving import make_server

    from config import TestingConfig
    from contestapp import create_app
    from contestapp.extensions import db
    from tests.conftest import Factory
    from tests.merit.merit_helpers import UNITS, csv_bytes

    monkeypatch.setenv("CONTESTAPP_INSTANCE", str(tmp_path / "instance"))
    config = TestingConfig(f"sqlite:///{tmp_path / 'rows.db'}")
    config.WTF_CSRF_ENABLED = True
    app = create_app(config)
    with app.app_context():
        from contestapp.merit import participants, periods

        db.create_all()
        make = Factory()
        org = make.org("地铁建设指挥部", "project")
        organiser = make.user("organiser1", "organiser", org)
        contest = make.contest(org, "merit-project.json", code="metro-rows")
        periods.save_project(contest, {"name": "地铁3号线工程", "owner": "市轨道交通集团",
                                        "budget": Decimal("1850000"), "location": "城东",
                                        "starts_on": date(2025, 4, 1), "ends_on": date(2025, 6, 30),
                                        "schedule": "monthly", "deadline_days": 5, "red_flags": 1}, organiser)
        table = [["名称", "类别", "参建角色", "所属单位", "身份证号", "账号"]] + [
            [name, "项目部", "施工", "", "", ""] for name in UNITS]
        participants.import_participants(contest, participants.check_participants(contest, csv_bytes(table),
                                                                                   "units.csv"), organiser)
        periods.generate_periods(contest, organiser)
        db.session.commit()
        contest_id = contest.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "contest_id": contest_id}
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def _saved_table(page):
    section = page.locator("section", has=page.get_by_role("heading", name="按名次奖惩"))
    return section.locator("table.data").first


def test_rewards_rows_editor_adds_removes_and_keeps_an_invalid_row(merit_site, chromium):
    url, cid = merit_site["url"], merit_site["contest_id"]
    _p, browser = chromium
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_in(page, url, "organiser1")
        page.goto(f"{url}/contests/{cid}/merit/")
        editor = page.locator("#rewards-editor")
        wait_for_js(page, "document.querySelector('#rewards-editor').dataset.rowsReady === '1'")
        rows = editor.locator("tbody[data-rows] tr")
        expect(rows).to_have_count(0)

        for _ in range(3):
            editor.get_by_role("button", name="添加一行").click()
        expect(rows).to_have_count(3)
        first, second, third = rows.nth(0), rows.nth(1), rows.nth(2)
        first.get_by_label("起始名次").fill("1")
        first.get_by_label("截止名次").fill("1")
        first.get_by_label("名称").fill("流动红旗奖金")
        first.get_by_label("金额（元）").fill("5000")
        second.get_by_label("名称").fill("这一行将被删除")
        third.get_by_label("名次起算").select_option("bottom")
        third.get_by_label("起始名次").fill("2")
        third.get_by_label("截止名次").fill("1")  # invalid: the range ends before it starts
        third.get_by_label("名称").fill("末位约谈")
        third.get_by_label("金额（元）").fill("-2000")
        second.get_by_role("button", name="删除").click()
        expect(rows).to_have_count(2)

        with page.expect_navigation():
            editor.get_by_role("button", name="保存奖惩表").click()
        expect(page.locator(".flash-error")).to_contain_text("奖惩表有 1 行有误")
        editor = page.locator("#rewards-editor")
        rows = editor.locator("tbody[data-rows] tr")
        expect(rows).to_have_count(2)  # nothing typed is lost, the removed row stays removed
        bad = rows.nth(1)
        expect(bad.locator("[role=alert]")).to_have_text("截止名次不能小于起始名次")
        expect(bad.get_by_label("名称")).to_have_value("末位约谈")
        expect(bad.get_by_label("名次起算")).to_have_value("bottom")
        expect(rows.nth(0).get_by_label("名称")).to_have_value("流动红旗奖金")
        expect(_saved_table(page)).to_contain_text("未设置")  # nothing saved

        wait_for_js(page, "document.querySelector('#rewards-editor').dataset.rowsReady === '1'")
        bad.get_by_label("截止名次").fill("2")
        with page.expect_navigation():
            editor.get_by_role("button", name="保存奖惩表").click()
        expect(page.locator(".flash-success")).to_contain_text("奖惩表已保存")
        saved = _saved_table(page)
        expect(saved).to_contain_text("流动红旗奖金")
        expect(saved).to_contain_text("末位约谈")
        expect(page.locator("#rewards-editor tbody[data-rows] tr")).to_have_count(2)
    finally:
        context.close()
