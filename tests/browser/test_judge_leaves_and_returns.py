"""A judge leaves the staff and comes back, all through the pages (real browsers, on SQLite and on PostgreSQL when
CONTESTAPP_TEST_DATABASE_URL is set): judge2 types a mark into one sheet and submits another on the tablet; the
organiser removes them on the staff page and is told the open sheets were taken back; the tablet no longer shows the
contest's sheets; the chief judge finds them under 待处理申请 as 待重新分配; the organiser adds judge2 back and gives
them the round again on the setup page's picker; the tablet shows the draft with the mark typed before and the
submitted sheet as submitted, and the chief judge sees the requests decided: 交还原裁判."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import Factory, confirm_dialogs, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def served(empty_database, tmp_path, monkeypatch):
    """The app over HTTP (CSRF on) on an empty database of each kind: the judged event of tests/judging/conftest.py's
    `jw` (4 entrants, judges judge1-3 on the practical round, chief1, org1), lots drawn."""
    from werkzeug.serving import make_server

    from config import TestingConfig
    from contestapp import create_app
    from contestapp.entrants.models import Entry
    from contestapp.extensions import db
    from contestapp.judging.assignments import assign
    from contestapp.judging.draws import draw_event

    monkeypatch.setenv("CONTESTAPP_INSTANCE", str(tmp_path / "instance"))
    config = TestingConfig(empty_database)
    config.WTF_CSRF_ENABLED = True  # the browsers go through the real forms
    app = create_app(config)
    with app.app_context():
        db.create_all()
        make = Factory()
        org = make.org("甲市总工会", "city")
        contest = make.contest(org)
        make.roster(contest, 4)
        organiser = make.user("org1", "organiser", org)
        make.member(contest, make.user("chief1", "chief_judge", org))
        judges = [make.user("judge1", "judge", org), make.user("judge2", "judge", org, unit_name="某检测中心"),
                  make.user("judge3", "judge", org)]
        event = contest.events[0]
        practical = next(r for r in event.rounds if r.code == "practical")
        draw_event(event, organiser, levels=2, seed=12345)
        for judge in judges:
            assign(contest, judge, [practical], None, organiser)
        db.session.commit()
        world = {"cid": contest.id, "rid": practical.id, "judge2": judges[1].id,
                 "entries": len(db.session.scalars(select(Entry.id).where(Entry.event_id == event.id)).all())}
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    world.update(url=f"http://127.0.0.1:{server.server_port}", app=app)
    yield world
    server.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


FULL = {"m1": "25.5", "m2": "20", "m3": "12", "safety": "1", "craft": "0", "time": "3600"}


def type_mark(page, code, value):
    page.fill(f'input[data-criterion="{code}"]', value)
    page.press(f'input[data-criterion="{code}"]', "Enter")


def sent(page):
    expect(page.locator("#net")).to_contain_text("全部评分已发送")


def test_a_judge_removed_and_given_the_round_again_gets_the_draft_back(served, tablet, desk, bench):
    base, cid, rid, j2 = served["url"], served["cid"], served["rid"], served["judge2"]
    n = served["entries"]

    # 1. judge2 on the tablet: a mark typed into one sheet (a draft), another sheet marked fully and submitted
    judge = tablet.new_page()
    sign_in(judge, base, "judge2")
    judge.goto(f"{base}/judging/")
    entries = judge.locator("a.entry")
    expect(entries).to_have_count(n)
    draft_code, done_code = entries.nth(0).get_attribute("data-code"), entries.nth(1).get_attribute("data-code")
    judge.tap(f'a.entry[data-code="{draft_code}"]')
    type_mark(judge, "m1", "27.5")
    sent(judge)
    judge.tap("#back")
    expect(judge.locator(f'a.entry[data-code="{draft_code}"]')).to_have_attribute("data-status", "draft")
    judge.tap(f'a.entry[data-code="{done_code}"]')
    for code, value in FULL.items():
        type_mark(judge, code, value)
    sent(judge)
    judge.tap("#submit")
    judge.check("#confirm-check")
    judge.tap("#confirm-ok")
    sent(judge)
    expect(judge.locator("#sheet-status")).to_have_text("已提交")
    judge.tap("#back")
    expect(judge.locator(f'a.entry[data-code="{done_code}"]')).to_have_attribute("data-status", "submitted")

    # 2. the organiser removes judge2 on the staff page, through the page's confirmation dialog
    organiser = desk.new_page()
    confirm_dialogs(organiser)
    sign_in(organiser, base, "org1")
    organiser.goto(f"{base}/contests/{cid}/members")
    row = organiser.locator("tr", has=organiser.locator("td", has_text="judge2"))
    with organiser.expect_navigation():
        row.locator("button", has_text="移除").click()
    assert organiser.evaluate("sessionStorage.getItem('confirmed')") == "确定移除？"
    flashes = organiser.locator(".flashes")
    expect(flashes).to_contain_text("已移除")
    expect(flashes).to_contain_text(f"{n - 1} 张未提交的评分表已收回，待裁判长重新分配")
    expect(organiser.locator("tr", has=organiser.locator("td", has_text="judge2"))).to_have_count(0)

    # 3. the judge's tablet, reloaded, no longer shows the contest's sheets
    judge.reload()
    expect(judge.locator("a.entry")).to_have_count(0)
    expect(judge.locator("#list-note")).to_have_text("暂无评分任务。")

    # 4. the chief judge finds the sheets on the console's requests page, waiting to be given to another judge
    chief = bench.new_page()
    sign_in(chief, base, "chief1")
    chief.goto(f"{base}/contests/{cid}/judging/")
    expect(chief.locator("#sheet-requests")).to_contain_text(f"待处理申请 ({n - 1})")
    with chief.expect_navigation():
        chief.click("#sheet-requests")
    pending = chief.locator("#pending")
    expect(pending.locator(".request")).to_have_count(n - 1)
    expect(pending.locator(".request", has_text="待重新分配")).to_have_count(n - 1)
    expect(pending).to_contain_text("judge2 已不再担任本竞赛裁判")
    expect(pending.locator(".request", has_text=draft_code)).to_contain_text("待重新分配")
    expect(pending).not_to_contain_text(done_code)  # the submitted sheet stays the judge's and counts

    # 5. the organiser adds judge2 back to the staff and gives them the round again on the setup page's picker
    organiser.select_option("#username", "judge2")
    organiser.select_option("#role", "judge")
    with organiser.expect_navigation():
        organiser.locator("form.filters button[type=submit]", has_text="添加").click()
    expect(organiser.locator(".flashes")).to_contain_text("已添加")
    expect(organiser.locator("tr", has=organiser.locator("td", has_text="judge2"))).to_have_count(1)
    organiser.goto(f"{base}/contests/{cid}/judging/setup")
    if not organiser.locator(f"#round-{rid}").evaluate("d => d.open"):
        organiser.locator(f"#round-{rid} summary").click()
    form = organiser.locator(f"#round-{rid} form")
    everything = form.locator(f"input[name=j{j2}][value='*']")
    expect(everything).not_to_be_checked()  # the removal ended the assignment
    everything.check()
    with organiser.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(organiser.locator(".flashes")).to_contain_text("已保存 电工·实际操作 的裁判分工")
    expect(organiser.locator(f"#round-{rid} form input[name=j{j2}][value='*']")).to_be_checked()

    # 6. the tablet shows the draft again with the mark typed before, the submitted sheet as submitted ...
    judge.reload()
    expect(judge.locator("a.entry")).to_have_count(n)
    expect(judge.locator(f'a.entry[data-code="{draft_code}"]')).to_have_attribute("data-status", "draft")
    expect(judge.locator(f'a.entry[data-code="{done_code}"]')).to_have_attribute("data-status", "submitted")
    untouched = judge.locator("a.entry:not([data-code='%s']):not([data-code='%s'])" % (draft_code, done_code))
    expect(untouched.locator(".badge")).to_have_text(["未开始"] * (n - 2))  # the sheets never opened: not started
    judge.tap(f'a.entry[data-code="{draft_code}"]')
    expect(judge.locator('input[data-criterion="m1"]')).to_have_value("27.5")
    expect(judge.locator("#submit")).to_be_enabled()
    judge.tap("#back")
    judge.tap(f'a.entry[data-code="{done_code}"]')
    expect(judge.locator("#sheet-status")).to_have_text("已提交")
    expect(judge.locator('input[data-criterion="m1"]')).to_have_value("25.5")
    expect(judge.locator('input[data-criterion="m1"]')).to_be_disabled()

    # ... and the chief judge's requests page shows the requests decided: handed back to the judge
    chief.reload()
    expect(chief.locator("#pending")).to_contain_text("没有待处理的申请")
    decided = chief.locator("#decided tbody tr", has_text="待重新分配")
    expect(decided).to_have_count(n - 1)
    mine = chief.locator("#decided tbody tr", has_text=draft_code)
    expect(mine).to_contain_text("已批准")
    expect(mine).to_contain_text("交还原裁判")
