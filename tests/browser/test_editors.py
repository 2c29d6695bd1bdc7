"""The organiser's editors in a real browser (issue 15 item 1): a mark correction chosen from lists with the old value
shown (an invalid value kept with its Chinese message, then the corrected ranking and the audit note), and a
date-time picker read in the contest's time zone (北京时间)."""
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from contestapp.extensions import db
from tests.conftest import Factory, axe_findings, sign_in, wait_for_js
from tests.results.final_helpers import make_final, ready_event

pytestmark = pytest.mark.browser


def _ids(world):
    from sqlalchemy import select

    from contestapp.entrants.models import Entry

    entries = {e.number: e.id for e in db.session.scalars(select(Entry).where(Entry.event_id == world["event"].id))}
    return world["contest"].id, world["event"].id, entries


def _total(app, event_id, number):
    from contestapp.contests.models import Event
    from contestapp.results import engine

    with app.app_context():
        ranking = engine.ranking(db.session.get(Event, event_id))
        return next(str(r.total) for r in ranking.ranked if r.entry == number)


def test_a_mark_correction_is_chosen_from_lists_with_the_old_value(live_server, desk):
    from contestapp.results import services

    base, app = live_server
    with app.app_context():
        world = ready_event(Factory())
        make_final(world)
        world["contest"].organisation_id = world["org1"].organisation_id
        services.reopen(world["event"], "E01 理论试卷登分错误", world["org1"])
        db.session.commit()
        contest_id, event_id, entries = _ids(world)
    before = _total(app, event_id, "E01")
    page = desk.new_page()
    sign_in(page, base, "org1")
    page.goto(f"{base}/contests/{contest_id}/results/events/{event_id}")
    form = page.locator("form[data-correction-picker]")
    wait_for_js(page, "document.querySelector('form[data-correction-picker]').dataset.pickerReady === '1'")

    first = form.locator("tbody[data-rows] tr").nth(0)
    first.get_by_label("参赛者").select_option(str(entries["E01"]))
    first.get_by_label("评分项").select_option("theory.paper")
    first.get_by_label("裁判").select_option("j1")
    expect(first.locator("output[data-old]")).to_have_text("80")  # the old value, before typing the new one
    first.get_by_label("新分数").fill("90")

    form.get_by_role("button", name="添加一行").click()
    second = form.locator("tbody[data-rows] tr").nth(1)
    second.get_by_label("参赛者").select_option(str(entries["E02"]))
    second.get_by_label("评分项").select_option("practical.m1")
    second.get_by_label("裁判").select_option("j2")
    expect(second.locator("output[data-old]")).to_have_text("27")
    second.get_by_label("新分数").fill("35")  # 0–30 on this criterion
    form.get_by_label("更正原因").fill("理论试卷登分错误")
    assert axe_findings(page) == []
    with page.expect_navigation():
        form.get_by_role("button", name="更正评分").click()

    # refused: both rows kept as chosen, the message on the bad row, nothing changed
    expect(page.locator(".flashes")).to_contain_text("不能保存")
    form = page.locator("form[data-correction-picker]")
    rows = form.locator("tbody[data-rows] tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator(".error-text")).to_contain_text("分数须在 0 到 30 之间")
    expect(rows.nth(1).get_by_label("新分数")).to_have_value("35")
    expect(rows.nth(0).get_by_label("新分数")).to_have_value("90")
    expect(rows.nth(0).locator("output[data-old]")).to_have_text("80")
    expect(form.get_by_label("更正原因")).to_have_value("理论试卷登分错误")
    assert _total(app, event_id, "E01") == before

    rows.nth(1).get_by_label("新分数").fill("29")
    with page.expect_navigation():
        form.get_by_role("button", name="更正评分").click()
    expect(page.locator(".flashes")).to_contain_text("评分已更正（原分数已记入审计日志）")
    after = _total(app, event_id, "E01")
    assert after != before
    row = page.locator("table.data tbody tr", has=page.locator("code", has_text="E01"))
    expect(row.locator("td.num b")).to_have_text(after)  # the ranking shows the corrected total
    notes = page.locator("#correction-notes")
    expect(notes).to_contain_text("E01 理论试卷（机考） j1：80 → 90（更正：理论试卷登分错误）")
    expect(notes).to_contain_text("E02 模块一：电气控制线路安装 j2：27 → 29")


def test_the_end_time_is_picked_in_beijing_time(live_server, desk):
    from contestapp.results import services

    base, app = live_server
    with app.app_context():
        world = ready_event(Factory())
        world["contest"].organisation_id = world["org1"].organisation_id
        db.session.commit()
        contest_id, event_id, _entries = _ids(world)
    page = desk.new_page()
    sign_in(page, base, "org1")
    page.goto(f"{base}/contests/{contest_id}/results/events/{event_id}")
    field = page.get_by_label("赛项结束时间（留空为现在）")
    expect(field).to_have_attribute("type", "datetime-local")
    expect(page.locator("#ended-at-zone")).to_have_text("北京时间")
    field.fill("2025-05-20T12:00")
    with page.expect_navigation():
        page.locator("#record-end").click()
    expect(page.locator(".flashes")).to_contain_text("已记录赛项结束时间")
    # the appeal deadline, two hours after the end, shown in the same zone
    expect(page.locator(".stat", has_text="申诉截止")).to_contain_text("2025-05-20 14:00")
    with app.app_context():
        from contestapp.contests.models import Event

        state = services.state_of(db.session.get(Event, event_id))
        assert state.ended_at == datetime(2025, 5, 20, 4, 0, tzinfo=timezone.utc)
