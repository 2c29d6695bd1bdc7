"""A real browser on a tablet in a merit contest: a deduction shows its reason input, submit is blocked while the
reason is empty, and the reason travels with the mark to merit_mark_notes (Debian's chromium, as in
test_browser_judge)."""
from __future__ import annotations

import re
import threading
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = pytest.mark.browser

DEDUCTIONS = ("quality", "safety", "progress", "innovation", "conduct")


@pytest.fixture
def merit_served(tmp_path, monkeypatch):
    from werkzeug.serving import make_server

    from config import TestingConfig
    from contestapp import create_app
    from contestapp.extensions import db
    from tests.conftest import Factory
    from tests.merit.merit_helpers import UNITS, at, csv_bytes

    monkeypatch.setenv("CONTESTAPP_INSTANCE", str(tmp_path / "instance"))
    config = TestingConfig(f"sqlite:///{tmp_path / 'browser.db'}")
    config.WTF_CSRF_ENABLED = True
    app = create_app(config)
    with app.app_context():
        from contestapp.jobs.runner import run_job
        from contestapp.judging.assignments import assign
        from contestapp.merit import participants, periods

        db.create_all()
        make = Factory()
        org = make.org("地铁建设指挥部", "project")
        organiser = make.user("organiser1", "organiser", org)
        judge = make.user("assessor1", "judge", org)
        contest = make.contest(org, "merit-project.json", code="metro-b")
        make.member(contest, judge)
        periods.save_project(contest, {"name": "地铁3号线工程", "owner": "市轨道交通集团",
                                        "budget": Decimal("1850000"), "location": "城东",
                                        "starts_on": date(2025, 4, 1), "ends_on": date(2025, 6, 30),
                                        "schedule": "monthly", "deadline_days": 5, "red_flags": 1}, organiser)
        table = [["名称", "类别", "参建角色", "所属单位", "身份证号", "账号"]] + [
            [name, "项目部", "施工", "", "", ""] for name in UNITS]
        checked = participants.check_participants(contest, csv_bytes(table), "units.csv")
        participants.import_participants(contest, checked, organiser)
        periods.generate_periods(contest, organiser)
        db.session.commit()
        run_job("open_periods", at(2025, 4, 1))
        april = periods.periods_of(contest)[0]
        assign(contest, judge, list(periods.rounds_of(april).values()), None, organiser)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app}
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def test_tablet_asks_for_the_reason_of_a_deduction(merit_served, chromium):
    url, app = merit_served["url"], merit_served["app"]
    p, browser = chromium
    tablet = browser.new_context(**p.devices["iPad (gen 7)"], locale="zh-CN")
    try:
        page = tablet.new_page()
        page.goto(f"{url}/login")
        page.fill("#username", "assessor1")
        page.fill("#password", "secret-pass-1")
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.goto(f"{url}/judging/")
        page.wait_for_selector("a.entry")
        page.tap("a.entry >> nth=0")
        page.wait_for_selector('input[data-criterion="quality"]')
        for code in DEDUCTIONS:
            page.fill(f'input[data-criterion="{code}"]', "2" if code == "quality" else "0")
            page.press(f'input[data-criterion="{code}"]', "Enter")
        page.wait_for_selector('input[data-note="quality"]')  # a non-zero deduction asks why
        assert page.locator('input[data-note="safety"]').count() == 0  # a zero one does not
        expect(page.locator("#net")).to_contain_text("全部评分已发送")
        page.tap("#submit")
        expect(page.locator("#sheet-banner")).to_contain_text("以下扣分（加分）须填写原因")
        assert not page.locator("#confirm-dialog").is_visible()
        page.fill('input[data-note="quality"]', "混凝土养护不到位")
        page.press('input[data-note="quality"]', "Enter")
        expect(page.locator("#net")).to_contain_text("全部评分已发送")
        page.evaluate("localStorage.clear()")
        page.reload()  # the sheet stays open (#sheet-…): its reason is prefilled from the server
        expect(page.locator('input[data-note="quality"]')).to_have_value("混凝土养护不到位")
        page.tap("#submit")
        page.check("#confirm-check")
        page.tap("#confirm-ok")
        expect(page.locator("#sheet-status")).to_have_text(re.compile("^已提交"))
    finally:
        tablet.close()
    from contestapp.extensions import db
    from contestapp.judging.models import ScoreSheet
    from contestapp.judging.models import MarkNote

    with app.app_context():
        notes = db.session.scalars(select(MarkNote.note)).all()
        statuses = db.session.scalars(select(ScoreSheet.status)).all()
        db.session.remove()
    assert notes == ["混凝土养护不到位"]
    assert statuses.count("submitted") == 1
