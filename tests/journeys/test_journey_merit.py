"""Journey: a key-project merit contest (重点工程立功竞赛), through the pages, from the demo on a fresh database.

This month's period is open (the demo's earlier three are bulletined; SG10-1标 and SG10-3标 hold the red flags).
The assessment group's leader fills his sheets on a tablet: deductions with their reasons (a deduction without one
is refused and nothing typed is lost), a notice of praise with its document number, and a veto for unpaid migrant
workers' wages. The clock moves past the period's deadline; no scheduler runs, so the administrator runs the jobs
from the jobs console (which shows when each ran and what it did) and the organiser opens the next period by hand.
The bulletin says where the red flags went and why every point was lost; the year's ranking leaves the vetoed unit
out of the honours. Every assertion is on what a user sees: pages and the bulletin's text (pdftotext).
"""
from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.browser

CST = ZoneInfo("Asia/Shanghai")
SG1, SG2, SG3 = "中铁十一局10号线二期SG10-1标项目部", "中铁隧道局10号线二期SG10-2标项目部", "中建八局10号线二期SG10-3标项目部"
SG4, SG5 = "浙江建工10号线二期SG10-4标项目部", "中交二航局10号线二期SG10-5标项目部"
DESIGN, JL1, JL2 = "杭州市城建设计院10号线总体设计项目部", "江南工程管理10号线JL-1标监理部", "同济工程咨询10号线JL-2标监理部"
CONTEST = "杭州地铁10号线二期工程“五比”立功竞赛"


def _month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _row(page, table: str, name: str):
    return page.locator(f"#{table} tbody tr", has_text=name)


def _cells(row) -> list[str]:
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def _fetch(page, link, path):
    """What the link gives, fetched with the page's session (headless chromium shows a PDF instead of saving it)."""
    response = page.context.request.get(page.url.split("/contests/")[0] + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    path.write_bytes(response.body())
    return path


def _pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text)


def _follow(page, link) -> None:
    with page.expect_navigation():
        link.click()


def _open_sheet(page, unit: str) -> None:
    with page.expect_navigation():
        _row(page, "my-sheets", unit).get_by_role("link").click()


def _submit(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="提交", exact=True).click()


def test_a_merit_period_from_the_assessors_sheets_to_the_bulletin_the_red_flag_and_the_year(
        site, desktop, tablet, chromium, clock, tmp_path):
    today = date.today()
    this_month = date(today.year, today.month, 1)
    period_now = f"{this_month.year}年{this_month.month}月考评"
    following = _month(this_month, 1)
    period_next = f"{following.year}年{following.month}月考评"

    # The organiser finds the contest: three periods bulletined, this month's open, the next ones to come.
    office = desktop.new_page()
    site.login(office, "organiser")
    _follow(office, office.get_by_role("link", name=re.compile(CONTEST)))
    _follow(office, office.get_by_role("link", name="考评", exact=True))
    statuses = [_cells(r)[4] for r in office.locator("#periods tbody tr").all()]
    assert statuses == ["已通报", "已通报", "已通报", "考评中", "未开始", "未开始"]

    # The group leader, on a tablet: his tasks from the top bar.
    leader = tablet.new_page()
    site.login(leader, "kaoping1")
    _follow(leader, leader.get_by_role("link", name="考评任务"))
    card = leader.locator("section.task", has_text=CONTEST)
    assert "考评表：待提交 8 份，已提交 0 份" in card.inner_text()
    with leader.expect_navigation():
        card.get_by_role("link", name="我的考评表").click()
    assert leader.locator("#my-sheets tbody tr").count() == 8

    # SG10-1标: a deduction without its reason is refused, and what was typed stays on the page.
    _open_sheet(leader, SG1)
    leader.fill("input[name=v_quality]", "6")
    leader.fill("input[name=v_safety]", "2")
    leader.fill("input[name=n_safety]", "高处作业未系安全带 2 人次")
    _submit(leader)
    assert "比质量（考评扣分）：请填写扣分/加分/否决的原因" in leader.locator(".flash-error").inner_text()
    assert leader.input_value("input[name=v_quality]") == "6"
    assert leader.input_value("input[name=n_safety]") == "高处作业未系安全带 2 人次"
    leader.fill("input[name=n_quality]", "盾构管片拼装错台超标 3 处")
    _submit(leader)
    assert "考评表已保存" in leader.inner_text("body")

    # SG10-2标: a notice of praise needs its document number.
    _open_sheet(leader, SG2)
    leader.fill("input[name=v_praise]", "2")
    leader.fill("input[name=n_praise]", "提前 12 天实现区间双线贯通")
    _submit(leader)
    assert "通报表扬：请填写通报文号" in leader.locator(".flash-error").inner_text()
    leader.fill("input[name=d_praise]", f"杭地铁建〔{today.year}〕57号")
    _submit(leader)

    # SG10-5标: his draft from the site, and a veto: unpaid wages of the subcontractor's migrant workers.
    _open_sheet(leader, SG5)
    assert leader.input_value("input[name=v_conduct]") == "2"
    leader.fill("input[name=v_veto_mass]", "1")
    leader.fill("input[name=n_veto_mass]", "拖欠分包农民工工资引发群体性上访")
    _submit(leader)

    # The quiet units: his drafts (or nothing to deduct), submitted as they are.
    for unit in (SG3, SG4, DESIGN, JL1, JL2):
        _open_sheet(leader, unit)
        _submit(leader)
    assert "已提交 8 / 8 份" in leader.inner_text("body")

    # Past the deadline (the 5th day after the month): nothing happened by itself, no scheduler runs here.
    deadline = datetime.combine(following + timedelta(days=5), time(0), CST)
    clock.move_to(deadline + timedelta(days=1, hours=9))
    p, browser = chromium
    console = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    admin = console.new_page()
    site.login(admin, "admin")
    admin.goto(site.url("/jobs/"))
    assert "调度进程未在运行" in admin.inner_text("#scheduler-state")
    for job, said in (("close_periods", "已截止："), ("bulletins", "已通报：")):
        with admin.expect_navigation():
            _row(admin, "jobs", job).get_by_role("button", name="立即运行").click()
        row = _cells(_row(admin, "jobs", job))
        assert row[2] and "成功" in row[3] and "手动" in row[3] and said in row[3], row

    # The organiser reads the bulletin: the ranking, the red flags moving, every deduction's reason, the veto.
    later = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    office = later.new_page()
    site.login(office, "organiser")
    _follow(office, office.get_by_role("link", name=re.compile(CONTEST)))
    _follow(office, office.get_by_role("link", name="考评", exact=True))
    with office.expect_navigation():
        _row(office, "periods", period_now).get_by_role("link", name="查看").click()
    assert office.locator("h2 .badge").inner_text() == "已通报"
    ranks = {name: _cells(_row(office, "standings", name))[:4] for name in (SG1, SG2, SG4, SG5, DESIGN, JL1)}
    assert ranks[SG2][0] == "1" and ranks[SG2][3] == "102"
    assert ranks[DESIGN][0] == "2" and ranks[DESIGN][3] == "100"
    assert ranks[SG4][0] == ranks[JL1][0] == "3" and ranks[SG4][3] == "99"
    assert ranks[SG1][0] == "7" and ranks[SG1][3] == "84"
    assert ranks[SG5][0] == "8" and "一票否决" in _row(office, "standings", SG5).inner_text()
    assert "流动红旗及劳动竞赛奖金" in _row(office, "standings", SG2).inner_text()
    assert "末位约谈" in _row(office, "standings", SG5).inner_text()
    flags = office.inner_text("#red-flags")
    assert f"{SG2}、{DESIGN}" in flags and f"上期：{SG1}、{SG3}" in flags
    text = _pdf_text(_fetch(office, office.get_by_role("link", name="下载通报 PDF"), tmp_path / "bulletin.pdf"))
    assert f"{period_now}通报" in text
    assert f"上期流动红旗：{SG1}、{SG3}。本期收回：{SG1}、{SG3}。本期授予：{SG2}、{DESIGN}。" in text
    assert f"{SG1}：比质量（考评扣分）扣6分。原因：盾构管片拼装错台超标3处" in text
    assert f"{SG1}：比安全（每项隐患扣5分，扣完为止）扣10分（2处）。原因：高处作业未系安全带2人次" in text
    assert f"{SG2}：通报表扬加2分。原因：提前12天实现区间双线贯通（杭地铁建〔{today.year}〕57号）" in text
    assert f"{SG5}：发生“群体性事件”（拖欠分包农民工工资引发群体性上访），实行一票否决" in text

    # The next period is due and nobody opened it: the organiser does, by hand.
    _follow(office, office.get_by_role("link", name="考评", exact=True))
    assert _cells(_row(office, "periods", period_next))[4] == "未开始"
    with office.expect_navigation():
        _row(office, "periods", period_next).get_by_role("link", name="查看").click()
    assert "已到开始时间" in office.inner_text("#period-schedule")
    office.get_by_role("button", name="立即开启考评").click()
    dialog = office.locator("#app-confirm")
    assert "向考评人员发放考评表" in dialog.inner_text()  # the dialog says what opening does
    with office.expect_navigation():
        dialog.get_by_role("button", name="确认").click()
    assert f"{period_next} 已开始考评：考评表 24 份，自评表 8 份" in office.inner_text("body")

    # The group leader finds the new month's sheets waiting; a unit finds the bulletin and its self-assessment.
    leader = browser.new_context(**p.devices["iPad (gen 7)"], locale="zh-CN").new_page()
    site.login(leader, "kaoping1")
    _follow(leader, leader.get_by_role("link", name="考评任务"))
    card = leader.locator("section.task", has_text=CONTEST)
    assert f"考评中：{period_next}" in card.inner_text() and "待提交 8 份，已提交 0 份" in card.inner_text()
    unit = browser.new_context(**p.devices["iPhone 13"], locale="zh-CN").new_page()
    site.login(unit, "canjian2")
    _follow(unit, unit.get_by_role("link", name="考评任务"))
    card = unit.locator("section.task", has_text=CONTEST)
    assert "自评表：待提交 1 份" in card.inner_text() and period_now in card.inner_text()

    # The year: periods' mean, the vetoed unit last and out of the honours.
    _follow(office, office.get_by_role("link", name="年度", exact=True))
    year = {name: _cells(_row(office, "year-units", name)) for name in (SG1, SG3, SG5, DESIGN, SG4)}
    assert (year[SG3][0], year[SG3][3]) == ("1", "99.25")
    assert (year[DESIGN][0], year[DESIGN][3]) == ("2", "98.75")
    assert (year[SG1][0], year[SG1][3]) == ("3", "98.5")
    assert (year[SG4][0], year[SG4][3]) == ("7", "94")
    assert year[SG5][0] == "8" and "一票否决" in year[SG5][4]
    with office.expect_navigation():
        office.get_by_role("button", name="按年度排名评定荣誉").click()
    honours = [tuple(_cells(r)[:2]) for r in office.locator("#honours tbody tr").all()]
    assert honours == [("先进集体", SG3), ("先进集体", DESIGN), ("先进集体", SG1), ("推荐五一劳动奖状", SG3)]
    for context in (console, later, leader.context, unit.context):
        context.close()
