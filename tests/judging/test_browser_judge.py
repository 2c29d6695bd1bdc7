"""A real browser on a tablet: Debian's chromium driven by Playwright as an iPad (gen 7), zh-CN, against the app served
by a real HTTP server (werkzeug, SQLite file, CSRF on).

A judge logs in with a login card, marks three entries, goes offline, marks a fourth (kept on the tablet as 未发送),
comes back online and all four are on the server; the chief judge returns one sheet; the judge corrects and
re-submits it; the chief judge confirms the round and decrypts the codes to names.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from tests.conftest import confirm_dialogs

pytestmark = pytest.mark.browser

@pytest.fixture
def served(tmp_path, monkeypatch):
    from werkzeug.serving import make_server

    from config import TestingConfig
    from contestapp import create_app
    from contestapp.extensions import db
    from tests.conftest import Factory

    monkeypatch.setenv("CONTESTAPP_INSTANCE", str(tmp_path / "instance"))
    config = TestingConfig(f"sqlite:///{tmp_path / 'browser.db'}")
    config.WTF_CSRF_ENABLED = True
    app = create_app(config)
    with app.app_context():
        from contestapp.entrants.models import Entrant, Entry
        from contestapp.judging.assignments import assign
        from contestapp.judging.cards import issue_card
        from contestapp.judging.common import local_today
        from contestapp.judging.draws import draw_event

        db.create_all()
        make = Factory()
        org = make.org()
        contest = make.contest(org)
        make.roster(contest, 4)
        judge = make.user("tabletjudge", "judge", org)
        chief = make.user("chiefjudge", "chief_judge", org)
        make.member(contest, chief)
        event = contest.events[0]
        practical = next(r for r in event.rounds if r.code == "practical")
        draw_event(event, None, seed=99)
        assign(contest, judge, [practical], ["m1", "safety"], None)  # a group of criteria
        today = local_today()
        card = issue_card(contest, judge, None, today, today + timedelta(days=1))
        db.session.commit()
        world = {"contest_id": contest.id, "event_id": event.id, "round_id": practical.id, "card": card.code,
                 "pin": card.pin, "codes": sorted(e.code for e in db.session.scalars(
                     select(Entry).where(Entry.event_id == event.id))),
                 "names": [e.name for e in db.session.scalars(select(Entrant))]}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    world["url"] = f"http://127.0.0.1:{server.server_port}"
    world["app"] = app
    yield world
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def sheets_on_server(app):
    from contestapp.extensions import db
    from contestapp.judging.models import Mark, ScoreSheet

    with app.app_context():
        rows = db.session.execute(select(ScoreSheet.status, func.count(Mark.id)).outerjoin(Mark).group_by(
            ScoreSheet.id).order_by(ScoreSheet.id)).all()
        db.session.remove()
    return rows


def mark_entry(page, code, m1, deductions, offline=False):
    page.tap(f'a.entry[data-code="{code}"]')
    page.wait_for_selector('input[data-criterion="m1"]')
    page.fill('input[data-criterion="m1"]', m1)
    page.press('input[data-criterion="m1"]', "Enter")
    if deductions == 0:  # nothing to deduct is entered, not left blank
        page.fill('input[data-criterion="safety"]', "0")
        page.press('input[data-criterion="safety"]', "Enter")
    for _ in range(deductions):  # the deduction counter
        page.tap('[data-criterion-card="safety"] button[data-step="+1"]')
    if offline:
        page.wait_for_selector('[data-criterion-card="m1"] .unsent')  # shown as not yet sent
    page.tap("#submit")
    page.check("#confirm-check")
    page.tap("#confirm-ok")
    if not offline:
        expect(page.locator("#net")).to_contain_text("全部评分已发送")
    page.tap("#back")


def test_judge_marks_on_a_tablet_through_a_dropped_connection(served, chromium):
    codes, url, app = served["codes"], served["url"], served["app"]
    p, browser = chromium  # the shared Debian chromium (tests/conftest.py)
    tablet = browser.new_context(**p.devices["iPad (gen 7)"], locale="zh-CN")
    try:
        page = tablet.new_page()
        page.goto(f"{url}/judging/card")
        page.fill("#code", served["card"])
        page.fill("#pin", served["pin"])
        with page.expect_navigation():
            page.tap("#card-submit")
        page.wait_for_selector("a.entry")
        assert page.locator("a.entry").count() == 4
        body = page.content()
        assert not any(name in body for name in served["names"])

        for i, code in enumerate(codes[:3]):
            mark_entry(page, code, ["25.5", "20", "18"][i], i)
        assert [s for s, n in sheets_on_server(app)].count("submitted") == 3

        tablet.set_offline(True)
        mark_entry(page, codes[3], "27", 2, offline=True)
        page.wait_for_selector(f'a.entry[data-code="{codes[3]}"] .unsent')
        assert "离线" in page.inner_text("#net")
        assert sorted(sheets_on_server(app))[0] == ("draft", 0)  # nothing reached the server

        tablet.set_offline(False)
        expect(page.locator("#net")).to_contain_text("全部评分已发送", timeout=20000)
        assert sheets_on_server(app) == [("submitted", 2)] * 4

        # the chief judge returns one sheet
        office = browser.new_context(locale="zh-CN")
        chief = office.new_page()
        confirm_dialogs(chief)
        chief.goto(f"{url}/login")
        chief.fill("#username", "chiefjudge")
        chief.fill("#password", "secret-pass-1")
        with chief.expect_navigation():
            chief.click("button[type=submit]")
        matrix = f"{url}/contests/{served['contest_id']}/judging/rounds/{served['round_id']}"
        chief.goto(matrix)
        with chief.expect_navigation():
            chief.click(f'td[data-entry="{codes[1]}"] a')
        chief.fill("#r-reason", "模块一评分偏低，请复核")
        with chief.expect_navigation():
            chief.click("#return-sheet")
        assert "已退回" in chief.content()

        # the judge sees it returned, corrects and re-submits
        page.reload()
        page.wait_for_selector(f'a.entry[data-code="{codes[1]}"][data-status="returned"]')
        page.tap(f'a.entry[data-code="{codes[1]}"]')
        # the sheet is refreshed from the server after the tap: wait for it rather than race it
        expect(page.locator("#sheet-banner")).to_contain_text("模块一评分偏低", timeout=10000)
        page.fill('input[data-criterion="m1"]', "22.5")
        page.press('input[data-criterion="m1"]', "Enter")
        page.tap("#submit")
        page.check("#confirm-check")
        page.tap("#confirm-ok")
        expect(page.locator("#net")).to_contain_text("全部评分已发送")
        page.tap("#back")
        page.wait_for_selector(f'a.entry[data-code="{codes[1]}"][data-status="submitted"]')

        # the chief judge confirms the round and decrypts
        chief.goto(matrix)
        with chief.expect_navigation():
            chief.click("text=确认本轮")
        assert "已确认" in chief.content()
        chief.goto(f"{url}/contests/{served['contest_id']}/judging/")
        with chief.expect_navigation():
            chief.click("button:has-text('解密')")
        names = chief.locator(".decrypted-name").all_inner_texts()
        assert sorted(names) == sorted(served["names"])
    finally:
        tablet.close()
    from contestapp.audit.models import AuditEntry
    from contestapp.extensions import db

    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
        devices = set(db.session.scalars(select(AuditEntry.device).where(AuditEntry.action == "mark.write")))
    assert {"card.login", "mark.write", "sheet.submit", "sheet.return", "round.confirm", "event.decrypt"} <= actions
    assert all(d and d.startswith("tablet-") for d in devices)
