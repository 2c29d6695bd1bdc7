"""The judge-consistency analytics page and the big screen (大屏) in a real browser, on the demo's data: the analytics
page draws its charts and shows its figures in tables; the big screen fills a 1920x1080 and a 3840x2160 wall without
a horizontal scrollbar, in type readable from the back of a hall, pages by itself, and shows no entrant's name before
decryption; axe-core finds nothing critical or serious on either page."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import wait_for_js

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
WALLS = [(1920, 1080), (3840, 2160)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo (`flask demo`) on a fresh SQLite file, served on 127.0.0.1; the running event's (焊工) big screen is
    switched on as the organiser does on the results page. 电工 is final, decrypted, names allowed."""
    import os

    from werkzeug.serving import make_server

    from config import TestingConfig
    from contestapp import create_app
    from contestapp.contests.models import Contest
    from contestapp.demo import create_demo
    from contestapp.demo.skills import DEMO_CODE
    from contestapp.entrants.models import Entrant, Entry
    from contestapp.extensions import db
    from contestapp.results import services

    folder = tmp_path_factory.mktemp("board")
    before = os.environ.get("CONTESTAPP_INSTANCE")
    os.environ["CONTESTAPP_INSTANCE"] = str(folder / "instance")
    app = create_app(TestingConfig(f"sqlite:///{folder / 'demo.db'}"))
    with app.app_context():
        db.create_all()
        create_demo()
        contest = db.session.scalar(select(Contest).where(Contest.code == DEMO_CODE))
        final, live = contest.events[0], contest.events[1]
        services.state_of(live).board_enabled = True
        services.state_of(live).public_names = True  # allowed, but the event is not decrypted: still codes only
        names = {e.id: list(db.session.scalars(select(Entrant.name).join(Entry, Entry.entrant_id == Entrant.id)
                                              .where(Entry.event_id == e.id))) for e in (final, live)}
        merit = db.session.scalar(select(Contest).where(Contest.kind == "merit"))
        ids = {"contest": contest.id, "final": final.id, "live": live.id, "merit": merit.id}
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"base": f"http://127.0.0.1:{server.server_port}", "names": names, "app": app, **ids}
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()
        if before is None:
            os.environ.pop("CONTESTAPP_INSTANCE", None)
        else:
            os.environ["CONTESTAPP_INSTANCE"] = before


def axe_findings(page) -> list[str]:
    """Critical and serious axe-core violations (axe evaluated through the DevTools protocol: the CSP refuses inline
    scripts)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.filter(v => v.impact === "critical" || v.impact === "serious")
            .flatMap(v => v.nodes.map(n => v.id + ": " + n.target.join(" ")));
    }""")


def login(page, base: str, username: str) -> None:
    from contestapp.demo.common import PASSWORD

    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/login" not in page.url


def test_chief_judge_sees_consistency_charts_and_figures(demo, chromium):
    _, browser = chromium
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, demo["base"], "chief")
    page.goto(f"{demo['base']}/contests/{demo['contest']}/judging/")
    page.click("nav.tabs >> text=评分分析")
    page.click(f"a[href$='/analytics/events/{demo['final']}']")
    expect(page.locator("h1")).to_contain_text("评分分析")
    wait_for_js(page, "document.getElementById('charts').dataset.ready === '1'")
    for chart in ("deviation", "dropped", "correlation", "distribution", "progress"):
        expect(page.locator(f"#chart-{chart} canvas").first).to_be_visible()
    rows = page.locator("#judges-table tbody tr")
    expect(rows).to_have_count(5)  # the five judges of the panel
    url = f"{demo['base']}/contests/{demo['contest']}/analytics/events/{demo['final']}/data.json"
    data = page.request.get(url).json()
    first = data["judges"][0]
    expect(rows.first).to_contain_text(first["name"])
    expect(rows.first).to_contain_text(f"{first['mean_deviation']:+.2f}")
    expect(rows.first).to_contain_text(f"{first['correlation']:.3f}")
    shown = [int(c) for c in page.locator("#distribution-table tbody td").all_inner_texts()]
    assert shown == data["distribution"]["counts"] and sum(shown) == 20  # the twenty electricians
    assert axe_findings(page) == []

    with page.expect_navigation():
        page.click("text=显示标准分")
    wait_for_js(page, "document.getElementById('charts').dataset.ready === '1'")
    expect(page.locator("#chart-z canvas").first).to_be_visible()
    # during judging (焊工, not decrypted) the page names no entrant
    page.goto(f"{demo['base']}/contests/{demo['contest']}/analytics/events/{demo['live']}")
    wait_for_js(page, "document.getElementById('charts').dataset.ready === '1'")
    text = page.inner_text("body")
    assert "解密前选手只显示加密号" in text
    assert not [n for n in demo["names"][demo["live"]] if n in text]
    context.close()


@pytest.mark.parametrize("width,height", WALLS)
def test_big_screen_live_shows_progress_and_codes_only(demo, chromium, width, height):
    _, browser = chromium
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{demo['base']}/board/{demo['live']}")
    expect(page.locator("#phase")).to_have_text("评分进行中")
    expect(page.locator("#progress li")).to_have_count(2)  # 理论知识, 实际操作 with their sheet counts
    expect(page.locator("#progress li").first).to_contain_text("/")
    expect(page.locator("#board .row").first).to_be_visible()
    text = page.inner_text("body")
    assert not [n for n in demo["names"][demo["live"]] if n in text], "an entrant's name before decryption"
    _fits_the_wall(page, width, height)
    assert axe_findings(page) == []
    context.close()


@pytest.mark.parametrize("width,height", WALLS)
def test_big_screen_final_ranking_pages_by_itself(demo, chromium, width, height):
    _, browser = chromium
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{demo['base']}/board/{demo['final']}?page=2")  # a page every 2 seconds
    expect(page.locator("#phase")).to_have_text("最终成绩")
    first = page.locator("#board .row").first
    expect(first.locator(".rank")).to_have_text("1")
    expect(first.locator(".award")).to_have_text("一等奖")
    assert first.locator(".name").inner_text() in demo["names"][demo["final"]]  # decrypted, names allowed
    assert first.locator(".unit").inner_text()
    expect(page.locator("#pager")).to_have_text("1 / 2")
    _fits_the_wall(page, width, height)
    expect(page.locator("#pager")).to_have_text("2 / 2", timeout=5000)
    expect(page.locator("#board .row").first.locator(".rank")).not_to_have_text("1")
    expect(page.locator("#pager")).to_have_text("1 / 2", timeout=5000)  # and round again
    assert axe_findings(page) == []
    context.close()


def _fits_the_wall(page, width: int, height: int) -> None:
    """No scrollbar either way; every row inside the screen; ranking type at least 3% of the screen's height (32 px
    on a 1080 wall, 65 px on a 2160 one) and nothing smaller than 2% (labels, units)."""
    size = page.evaluate("""() => ({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight,
        name: parseFloat(getComputedStyle(document.querySelector('#board .row .name')).fontSize),
        smallest: Math.min(...[...document.querySelectorAll('body *')].filter(e => e.offsetParent !== null
            && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .map(e => parseFloat(getComputedStyle(e).fontSize))),
        bottom: Math.max(...[...document.querySelectorAll('#board .row')].map(r => r.getBoundingClientRect().bottom))})""")
    assert size["w"] <= width and size["h"] <= height, size
    assert size["bottom"] <= height, size
    assert size["name"] >= 0.03 * height, size
    assert size["smallest"] >= 0.02 * height, size


def test_merit_trends_page_draws_its_charts(demo, chromium):
    _, browser = chromium
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, demo["base"], "organiser")
    page.goto(f"{demo['base']}/contests/{demo['merit']}/merit/")
    page.click("text=交互图表")
    wait_for_js(page, "document.getElementById('charts').dataset.ready === '1'")
    expect(page.locator("#chart-trends canvas").first).to_be_visible()
    expect(page.locator("#trends-table tbody tr").first).to_be_visible()
    if page.locator("#chart-losses").count():
        expect(page.locator("#chart-losses canvas").first).to_be_visible()
    assert axe_findings(page) == []
    context.close()


def test_live_board_picks_up_a_confirmed_round_by_itself(demo, chromium):
    """The wall is never reloaded: when the chief judge confirms a round, the next poll of data.json shows that
    round's best results, by code."""
    from contestapp.contests.models import Event
    from contestapp.extensions import db
    from contestapp.judging.models import RoundConfirmation
    from contestapp.auth.models import User

    _, browser = chromium
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{demo['base']}/board/{demo['live']}")
    expect(page.locator("#progress .pstate.done")).to_have_count(0)
    expect(page.locator("#rounds h2")).to_have_count(0)
    with demo["app"].app_context():
        theory = next(r for r in db.session.get(Event, demo["live"]).rounds if r.code == "theory")
        chief = db.session.scalar(select(User).where(User.username == "chief"))
        db.session.add(RoundConfirmation(round_id=theory.id, confirmed_by_id=chief.id))
        db.session.commit()
        name = theory.name
    try:
        expect(page.locator("#rounds h2")).to_contain_text(name, timeout=12000)
        expect(page.locator("#progress .pstate.done")).to_have_count(1)
        expect(page.locator("#rounds li").first).to_be_visible()
        text = page.inner_text("body")
        assert not [n for n in demo["names"][demo["live"]] if n in text]
    finally:
        with demo["app"].app_context():
            db.session.execute(db.delete(RoundConfirmation).where(RoundConfirmation.round_id == theory.id))
            db.session.commit()
        context.close()
