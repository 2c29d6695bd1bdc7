"""The judge's tablet as an offline app, in a real browser (Debian chromium driven by Playwright as an iPad gen 7,
zh-CN) against the app served by a real HTTP server (werkzeug, SQLite file, CSRF on).

The service worker (static/js/tablet-sw.js, served at /judging/sw.js) keeps the tablet page, its scripts and the
judge's sheets, so a reload, a closed tab or a browser restart without network still shows the sheets, the marks
and the queue of marks not yet sent; back online the queue is sent once. Locked sheets look locked and say why;
axe-core finds nothing critical or serious on the tablet's views; another judge never sees the first one's sheets.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import axe_findings

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path, monkeypatch):
    """Four entrants of 电工; judge 1 marks 模块一 and 安全文明 of the practical round and has the theory round,
    already submitted and confirmed by the chief judge; judge 2 marks the practical round too. Both have cards."""
    from werkzeug.serving import make_server

    from config import TestingConfig
    from contestapp import create_app
    from contestapp.extensions import db
    from tests.conftest import Factory, login

    monkeypatch.setenv("CONTESTAPP_INSTANCE", str(tmp_path / "instance"))
    config = TestingConfig(f"sqlite:///{tmp_path / 'browser.db'}")
    app = create_app(config)
    with app.app_context():
        from contestapp.entrants.models import Entry
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
        other = make.user("otherjudge", "judge", org)
        chief = make.user("chiefjudge", "chief_judge", org)
        make.member(contest, chief)
        event = contest.events[0]
        practical = next(r for r in event.rounds if r.code == "practical")
        theory = next(r for r in event.rounds if r.code == "theory")
        draw_event(event, None, seed=99)
        assign(contest, judge, [practical], ["m1", "safety"], None)
        assign(contest, judge, [theory], None, None)
        assign(contest, other, [practical], ["m1", "safety"], None)
        today = local_today()
        cards = {u.username: issue_card(contest, u, None, today, today + timedelta(days=1))
                 for u in (judge, other)}
        db.session.commit()
        world = {"contest_id": contest.id, "round_id": practical.id, "theory_id": theory.id,
                 "cards": {name: (c.code, c.pin) for name, c in cards.items()},
                 "codes": sorted(e.code for e in db.session.scalars(
                     select(Entry).where(Entry.event_id == event.id)))}
    # the theory round is marked, signed and confirmed before the tablet opens (through the API, CSRF off for that)
    client = app.test_client()
    login(client, "tabletjudge")
    rounds = client.get("/api/v1/assignments").get_json()["rounds"]
    theory_json = next(r for r in rounds if r["round_id"] == world["theory_id"])
    for i, sheet in enumerate(theory_json["sheets"]):
        marks = [{"criterion_id": c["id"], "value": str(60 + i)} for c in theory_json["criteria"]]
        body = client.put(f"/api/v1/sheets/{sheet['id']}/marks", json={"version": sheet["version"], "marks": marks},
                          headers={"Idempotency-Key": f"theory-{i}"}).get_json()
        assert client.post(f"/api/v1/sheets/{sheet['id']}/submit",
                           json={"version": body["version"], "confirm": True}).status_code == 200
    with app.app_context():
        from contestapp.auth.models import User
        from contestapp.contests.models import Round
        from contestapp.judging.signoff import confirm_round

        confirm_round(db.session.get(Round, world["theory_id"]),
                      db.session.scalar(select(User).where(User.username == "chiefjudge")))
        db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True  # the browser goes through the real forms
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    world["url"] = f"http://127.0.0.1:{server.server_port}"
    world["app"] = app
    yield world
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def card_login(page, served, username="tabletjudge"):
    code, pin = served["cards"][username]
    page.goto(f"{served['url']}/judging/card")
    page.fill("#code", code)
    page.fill("#pin", pin)
    with page.expect_navigation():
        page.tap("#card-submit")
    page.wait_for_selector("a.entry")


def entry(page, served, code, round_key="round_id"):
    return page.locator(f'section[data-round="{served[round_key]}"] a.entry[data-code="{code}"]')


def open_sheet(page, served, code, round_key="round_id"):
    entry(page, served, code, round_key).tap()
    expect(page.locator("#sheet-view")).to_be_visible()


def enter(page, criterion, value):
    page.fill(f'input[data-criterion="{criterion}"]', value)
    page.press(f'input[data-criterion="{criterion}"]', "Enter")


def sign(page):
    page.tap("#submit")
    page.check("#confirm-check")
    page.tap("#confirm-ok")


def back(page):
    page.tap("#back")
    expect(page.locator("#list-view")).to_be_visible()


def practical_on_server(app, served):
    """{code: (status, {criterion code: value text})} of tabletjudge's practical sheets, and the mark changes the
    audit log holds for them as (code, criterion, new value), one per write."""
    from contestapp.audit.models import AuditEntry
    from contestapp.auth.models import User
    from contestapp.contests.models import Criterion
    from contestapp.entrants.models import Entry
    from contestapp.extensions import db
    from contestapp.judging.models import Mark, ScoreSheet

    with app.app_context():
        judge = db.session.scalar(select(User).where(User.username == "tabletjudge"))
        sheets = {s.id: (code, s.status) for s, code in db.session.execute(
            select(ScoreSheet, Entry.code).join(Entry, ScoreSheet.entry_id == Entry.id).where(
                ScoreSheet.judge_id == judge.id, ScoreSheet.round_id == served["round_id"]))}
        marks = {code: (status, {}) for code, status in sheets.values()}
        for sheet_id, criterion, value in db.session.execute(
                select(Mark.sheet_id, Criterion.code, Mark.value).join(Criterion, Mark.criterion_id == Criterion.id)
                .where(Mark.sheet_id.in_(sheets))):
            marks[sheets[sheet_id][0]][1][criterion] = f"{value.normalize():f}"
        writes = [(sheets[int(a.object_id)][0], change["criterion"], change["new"])
                  for a in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mark.write"))
                  if int(a.object_id) in sheets for change in a.data["changes"]]
        db.session.remove()
    return marks, writes


def test_tablet_reloads_and_reopens_offline_with_its_sheets_marks_and_queue(served, tablet):
    codes, url, app = served["codes"], served["url"], served["app"]
    page = tablet.new_page()
    errors = []

    def watch(page):
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)

    watch(page)
    card_login(page, served)
    # the worker keeps the page and the sheets: the tablet says so
    expect(page.locator("#tablet")).to_have_attribute("data-offline", "ready", timeout=20000)
    expect(page.locator("#offline-ready")).to_be_visible()

    # online: one sheet signed, one half marked
    open_sheet(page, served, codes[0])
    enter(page, "m1", "25.5")
    enter(page, "safety", "1")
    sign(page)
    expect(page.locator("#net")).to_contain_text("全部评分已发送")
    back(page)
    open_sheet(page, served, codes[1])
    enter(page, "m1", "20")
    expect(page.locator("#net")).to_contain_text("全部评分已发送")
    back(page)

    # offline, the page reloads from the tablet: sheets, marks, an offline banner that says when it synchronised
    tablet.set_offline(True)
    page.reload()
    expect(page.locator("#net")).to_contain_text("离线")
    expect(page.locator("#net")).to_contain_text("同步")
    expect(page.locator("#net")).to_have_class("net net-off")
    expect(page.locator(f'section[data-round="{served["round_id"]}"] a.entry')).to_have_count(4)
    expect(entry(page, served, codes[0])).to_have_attribute("data-status", "submitted")
    expect(entry(page, served, codes[1])).to_contain_text("1 / 2")
    open_sheet(page, served, codes[1])
    expect(page.locator('input[data-criterion="m1"]')).to_have_value("20")

    # more marks offline: the queue is shown, sheet by sheet
    enter(page, "safety", "2")
    expect(page.locator('[data-criterion-card="safety"] .unsent')).to_be_visible()
    back(page)
    open_sheet(page, served, codes[2])
    enter(page, "m1", "18.5")
    enter(page, "safety", "0")
    sign(page)
    expect(page.locator("#sheet-lock")).to_contain_text("联网后发送")
    back(page)
    queue = page.locator("#queue")
    expect(queue).to_be_visible()
    expect(queue.locator("li")).to_have_count(3)
    expect(queue).to_contain_text(f"{codes[1]}：安全文明生产")
    expect(queue).to_contain_text(f"{codes[2]}：签名提交")
    expect(page.locator("#net")).to_contain_text("3 项未发送")

    # reload offline again, then close the tab and open the tablet in a new one, still offline: all still there
    page.reload()
    expect(page.locator("#queue li")).to_have_count(3)
    expect(entry(page, served, codes[2]).locator(".unsent")).to_be_visible()
    page.close()
    page = tablet.new_page()
    watch(page)
    page.goto(f"{url}/judging/")
    expect(page.locator("#net")).to_contain_text("离线")
    expect(page.locator("#queue li")).to_have_count(3)
    expect(entry(page, served, codes[2])).to_have_attribute("data-status", "submitting")
    open_sheet(page, served, codes[2])
    expect(page.locator('input[data-criterion="m1"]')).to_have_value("18.5")
    expect(page.locator('input[data-criterion="m1"]')).to_be_disabled()
    back(page)

    # back online: the queue is sent, each mark once, and the banner says so (Chromium's offline emulation may let a
    # request of a controlled page reach the server while the page sees it fail: an answer lost on the way back,
    # which the idempotency keys are there for)
    tablet.set_offline(False)
    expect(page.locator("#net")).to_contain_text("已恢复联网", timeout=20000)
    expect(page.locator("#net")).to_contain_text("全部评分已发送")
    expect(page.locator("#net")).to_contain_text("1 份签名提交")
    expect(page.locator("#queue")).to_be_hidden()
    marks, writes = practical_on_server(app, served)
    assert {code: m for code, (_, m) in marks.items()} == {
        codes[0]: {"m1": "25.5", "safety": "1"}, codes[1]: {"m1": "20", "safety": "2"},
        codes[2]: {"m1": "18.5", "safety": "0"}, codes[3]: {}}
    assert [marks[code][0] for code in codes[:3]] == ["submitted", "draft", "submitted"]
    assert sorted(writes) == sorted([(codes[0], "m1", "25.5"), (codes[0], "safety", "1"), (codes[1], "m1", "20"),
                                     (codes[1], "safety", "2"), (codes[2], "m1", "18.5"), (codes[2], "safety", "0")])
    assert errors == []


def test_locked_sheets_look_locked_and_say_why(served, tablet):
    codes = served["codes"]
    page = tablet.new_page()
    card_login(page, served)
    open_sheet(page, served, codes[0])
    enter(page, "m1", "22")
    enter(page, "safety", "0")
    live = page.locator('input[data-criterion="m1"]').evaluate(
        "e => [getComputedStyle(e).cursor, getComputedStyle(e).backgroundColor]")
    sign(page)
    expect(page.locator("#net")).to_contain_text("全部评分已发送")

    def look(selector):
        return page.locator(selector).first.evaluate("""e => { const s = getComputedStyle(e);
            return {cursor: s.cursor, background: s.backgroundColor, border: s.borderTopStyle,
                    height: e.getBoundingClientRect().height, disabled: e.disabled}; }""")

    expect(page.locator("#sheet-lock")).to_contain_text("已签名提交")
    expect(page.locator("#sheet-lock")).to_contain_text("裁判长退回")
    for selector in ('input[data-criterion="m1"]', 'button[data-step="+1"]', "#submit"):
        style = look(selector)
        assert style["disabled"] and style["cursor"] == "not-allowed" and style["border"] == "dashed", (selector, style)
        assert style["background"] != live[1] and style["background"] != "rgb(255, 255, 255)", (selector, style)
        assert style["height"] >= 56, (selector, style)  # a locked control keeps its touch size
    assert live[0] != "not-allowed"
    assert page.locator('input[data-criterion="m1"]').get_attribute("aria-describedby") == "sheet-lock"
    back(page)

    # a round the chief judge has confirmed
    open_sheet(page, served, codes[0], "theory_id")
    expect(page.locator("#sheet-lock")).to_contain_text("本轮已由裁判长确认")
    assert look('input[data-criterion="paper"]')["cursor"] == "not-allowed"
    assert look("#recuse")["cursor"] == "not-allowed"


def test_tablet_views_have_no_critical_or_serious_axe_finding(served, tablet):
    codes = served["codes"]
    page = tablet.new_page()
    page.goto(f"{served['url']}/judging/card")
    assert axe_findings(page) == []  # the card login
    card_login(page, served)
    assert axe_findings(page) == []  # the list
    open_sheet(page, served, codes[0])
    enter(page, "m1", "22")
    enter(page, "safety", "0")
    sign(page)
    expect(page.locator("#net")).to_contain_text("全部评分已发送")
    assert axe_findings(page) == []  # a signed sheet
    back(page)
    tablet.set_offline(True)  # draft, unsent and offline badges and banners
    open_sheet(page, served, codes[1])
    enter(page, "m1", "12.5")
    expect(page.locator('[data-criterion-card="m1"] .unsent')).to_be_visible()
    assert axe_findings(page) == []  # a sheet being marked, offline
    label = page.locator('input[data-criterion="m1"]').evaluate(
        "e => e.labels.length + ' ' + [...e.getAttribute('aria-labelledby').split(' ')].map(i => "
        "document.getElementById(i).textContent).join(' ')")
    assert label.startswith("1 模块一：电气控制线路安装") and "0–30" in label
    back(page)
    expect(page.locator("#queue")).to_be_visible()
    assert axe_findings(page) == []  # the list with the queue
    open_sheet(page, served, codes[0], "theory_id")
    assert axe_findings(page) == []  # a confirmed round


def caches_of(page) -> dict[str, list[str]]:
    """Every cache the origin holds in this browser: name -> URLs (with the user a kept tablet page belongs to)."""
    return page.evaluate("""async () => {
        const out = {};
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            out[name] = await Promise.all((await cache.keys()).map(async r => {
                const user = (await cache.match(r)).headers.get("X-Contestapp-User");
                return new URL(r.url).pathname + (user ? " user=" + user : "");
            }));
        }
        return out;
    }""")


def test_another_judge_on_the_same_tablet_never_sees_the_first_ones_sheets(served, tablet):
    url, codes = served["url"], served["codes"]
    page = tablet.new_page()
    card_login(page, served)
    expect(page.locator("#tablet")).to_have_attribute("data-offline", "ready", timeout=20000)
    first = page.get_attribute("#tablet", "data-user")
    kept = [u for urls in caches_of(page).values() for u in urls]
    assert f"/judging/ user={first}" in kept and "/api/v1/assignments" in kept and "/static/js/tablet.js" in kept

    # the other judge's card on the same tablet: the first judge's copies go
    card_login(page, served, "otherjudge")
    expect(page.locator("#tablet")).to_have_attribute("data-offline", "ready", timeout=20000)
    second = page.get_attribute("#tablet", "data-user")
    assert second != first
    kept = [u for urls in caches_of(page).values() for u in urls]
    assert f"/judging/ user={second}" in kept and not any(f"user={first}" in u for u in kept)
    stored = page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('contestapp.data.'))")
    assert stored == [f"contestapp.data.{second}"]
    tablet.set_offline(True)
    page.reload()
    expect(page.locator("#net")).to_contain_text("离线")
    expect(page.locator("a.entry")).to_have_count(4)  # the practical round only: the theory round was the first's
    expect(page.locator(f'section[data-round="{served["theory_id"]}"]')).to_have_count(0)

    # offline there is no logout to make; online, the logout takes the judge's copies with it
    page.get_by_role("button", name="退出").tap()
    expect(page.locator("#net")).to_contain_text("离线时不能退出登录")
    tablet.set_offline(False)
    with page.expect_navigation():
        page.get_by_role("button", name="退出").tap()
    expect(page.locator("body")).to_contain_text("已退出登录")
    assert "contestapp-tablet-judge" not in caches_of(page)
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('contestapp.data.'))") == []
    tablet.set_offline(True)
    page.goto(f"{url}/judging/")
    expect(page.locator("h1")).to_contain_text("本机没有保存评分页面")
    expect(page.locator("a.entry")).to_have_count(0)
    tablet.set_offline(False)

    # the chief judge's console in the same browser: not controlled by the worker, never kept
    page.goto(f"{url}/login")
    page.fill("#username", "chiefjudge")
    page.fill("#password", "secret-pass-1")
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{url}/contests/{served['contest_id']}/judging/rounds/{served['round_id']}")
    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate("() => navigator.serviceWorker.controller === null")
    kept = [u for urls in caches_of(page).values() for u in urls]
    assert kept and not any(u.startswith(("/contests", "/login", "/judging/ ")) or "/api/" in u for u in kept), kept
    assert codes
