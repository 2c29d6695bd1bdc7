"""The judges x criteria assignment picker in a real browser (issue 15 item 1): ticking "全部" ticks a judge's
criteria, a column's "全选" ticks it for every judge, saving shows what was saved; a picker that leaves a criterion
without a judge comes back with a Chinese message and the ticks as they were; no serious axe finding."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from contestapp.extensions import db
from tests.conftest import Factory, axe_findings, sign_in

pytestmark = pytest.mark.browser


def _contest(app):
    with app.app_context():
        f = Factory()
        org = f.org("甲市总工会", "city")
        f.user("org1", "organiser", org)
        contest = f.contest(org)
        judges = [f.user(name, "judge", f.org(f"{name}单位", "unit")) for name in ("pj1", "pj2")]
        for j in judges:
            f.member(contest, j)
        practical = next(r for r in contest.events[0].rounds if r.code == "practical")
        db.session.commit()
        return contest.id, practical.id, [j.id for j in judges]


def _assigned(app, round_id):
    from contestapp.judging.models import Assignment

    with app.app_context():
        return {a.judge.username: a.criteria for a in db.session.scalars(select(Assignment).where(
            Assignment.round_id == round_id))}


def test_tick_save_and_see_saved(live_server, desk):
    base, app = live_server
    cid, rid, (pj1, pj2) = _contest(app)
    page = desk.new_page()
    sign_in(page, base, "org1")
    page.goto(f"{base}/contests/{cid}/judging/setup")
    form = page.locator(f"#round-{rid} form")
    if not page.locator(f"#round-{rid}").evaluate("d => d.open"):
        page.locator(f"#round-{rid} summary").click()
    everything = form.locator(f"input[name=j{pj1}][value='*']")
    everything.check()                                            # "全部" ticks the judge's every criterion
    for code in ("m1", "m2", "m3", "safety", "craft", "time"):
        expect(form.locator(f"input[name=j{pj1}][value={code}]")).to_be_checked()
    form.locator(f"input[name=j{pj1}][value=time]").uncheck()     # and unticking one unticks "全部"
    expect(everything).not_to_be_checked()
    form.locator("input[data-column=m1]").check()                 # a column's 全选
    expect(form.locator(f"input[name=j{pj2}][value=m1]")).to_be_checked()
    assert axe_findings(page) == [], axe_findings(page)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".flashes")).to_contain_text("已保存 电工·实际操作 的裁判分工")
    assert _assigned(app, rid) == {"pj1": ["m1", "m2", "m3", "safety", "craft"], "pj2": ["m1"]}
    form = page.locator(f"#round-{rid} form")
    expect(form.locator(f"input[name=j{pj2}][value=m1]")).to_be_checked()
    expect(form.locator(f"input[name=j{pj2}][value=m2]")).not_to_be_checked()
    expect(form.locator(f"input[name=j{pj1}][value=craft]")).to_be_checked()
    expect(page.locator("#judges table.data").last).to_contain_text("m1、m2、m3、safety、craft")


def test_an_invalid_picker_keeps_the_ticks_with_a_chinese_message(live_server, desk):
    base, app = live_server
    cid, rid, (pj1, pj2) = _contest(app)
    page = desk.new_page()
    sign_in(page, base, "org1")
    page.goto(f"{base}/contests/{cid}/judging/setup")
    if not page.locator(f"#round-{rid}").evaluate("d => d.open"):
        page.locator(f"#round-{rid} summary").click()
    form = page.locator(f"#round-{rid} form")
    form.locator(f"input[name=j{pj1}][value=m1]").check()
    form.locator(f"input[name=j{pj2}][value=m2]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    error = page.locator(f"#round-{rid} [data-picker-error]")
    expect(error).to_contain_text("没有裁判评分：每个评分项至少要有一名裁判")
    expect(error).to_contain_text("模块三：故障检修")
    form = page.locator(f"#round-{rid} form")
    expect(form.locator(f"input[name=j{pj1}][value=m1]")).to_be_checked()
    expect(form.locator(f"input[name=j{pj2}][value=m2]")).to_be_checked()
    expect(form.locator(f"input[name=j{pj1}][value=m2]")).not_to_be_checked()
    assert _assigned(app, rid) == {}
    assert axe_findings(page) == [], axe_findings(page)
