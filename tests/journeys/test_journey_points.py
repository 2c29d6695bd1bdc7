"""Journey: a county's 1+X points assessment of its grassroots union chairs, through the pages, from the demo.

A union (account union01) declares two special items on a phone, each with its evidence; the reviewer confirms the
evidence and scores the chair: the star base from the lookup and the two items (they count because their evidence
is confirmed). After the deadline the county federation closes the year and publishes: the ranking, the top 20
marked for priority in honours and the rest-and-recuperation trip, the bulletin, and the year's honour lists.
Every assertion is on what a user sees.
"""
from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.browser

CST = ZoneInfo("Asia/Shanghai")
UNION = "杭州西溪湿地旅游发展有限公司工会"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _follow(page, link) -> None:
    with page.expect_navigation():
        link.click()


def _cells(row) -> list[str]:
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def test_a_1x_year_from_the_declarations_to_the_top_20(site, phone, desktop, chromium, clock, tmp_path):
    year = date.today().year
    contest = f"{year}年度西湖区基层工会主席“1+X”绩效积分考核"

    # The union declares on a phone: two "X" items, each with its evidence.
    union = phone.new_page()
    site.login(union, "union01")
    _follow(union, union.get_by_role("link", name="考评任务"))
    card = union.locator("section.task", has_text=contest)
    assert UNION in card.inner_text()
    _follow(union, card.get_by_role("link", name=re.compile("申报“X”专项")))
    chair = union.locator("select[name=entry_id] option").all_inner_texts()
    assert len(chair) == 1  # its own chair only
    chair = chair[0]
    for item, note, name in (("“X”：厂务公开民主管理", "召开职工代表大会 2 次，厂务公开栏按季更新", "职代会决议.pdf"),
                             ("“X”：技术创新工作室", "“湿地生态修复创新工作室”获评区级技术创新工作室", "工作室命名文件.pdf")):
        union.select_option("select[name=criterion_id]", label=item)
        union.fill("input[name=note]", note)
        (tmp_path / name).write_bytes(PDF)
        union.set_input_files("input[name=file]", str(tmp_path / name))
        with union.expect_navigation():
            union.get_by_role("button", name="上传").click()
        assert "佐证材料已上传，待审核" in union.inner_text("body")
    mine = [_cells(r) for r in union.locator("#evidence tbody tr").all()]
    assert sorted(r[2] for r in mine) == ["“X”：厂务公开民主管理", "“X”：技术创新工作室"]
    assert all(r[5] == "待审核" for r in mine)

    # The reviewer confirms the evidence, then scores the chair: the star base and the two items.
    reviewer = desktop.new_page()
    site.login(reviewer, "reviewer1")
    _follow(reviewer, reviewer.get_by_role("link", name="考评任务"))
    card = reviewer.locator("section.task", has_text=contest)
    _follow(reviewer, card.get_by_role("link", name="审核佐证材料"))
    pending = reviewer.locator("#evidence tbody tr", has_text=UNION).filter(has_text="待审核")
    assert pending.count() == 2
    while pending.count():  # pending evidence is listed first; each review reloads the list
        row = pending.first
        row.locator("input[name=note]").fill("材料齐全，属实")
        with reviewer.expect_navigation():
            row.get_by_role("button", name="确认").click()
    assert [_cells(r)[5] for r in reviewer.locator("#evidence tbody tr", has_text=UNION).all()] == \
        ["已确认：材料齐全，属实"] * 2
    _follow(reviewer, reviewer.get_by_role("link", name="考评任务"))
    _follow(reviewer, reviewer.locator("section.task", has_text=contest).get_by_role("link", name="我的考评表"))
    _follow(reviewer, reviewer.locator("#my-sheets tbody tr", has_text=chair).get_by_role("link"))
    assert _cells(reviewer.locator("#row-openness"))[-1] == "已确认"
    assert _cells(reviewer.locator("#row-wages"))[-1] == "未上传"
    reviewer.select_option("select[name=v_star]", label="五星（60）")
    for code, note in (("openness", "职代会 2 次，厂务公开规范"), ("studio", "区级技术创新工作室")):
        reviewer.fill(f"input[name=v_{code}]", "5")
        reviewer.fill(f"input[name=n_{code}]", note)
    with reviewer.expect_navigation():
        reviewer.get_by_role("button", name="提交", exact=True).click()
    assert "考评表已保存" in reviewer.inner_text("body")

    # After the deadline (15 days into next year) nothing closed by itself; the county federation closes and
    # publishes the year.
    clock.move_to(datetime.combine(date(year + 1, 1, 16), time(9), CST))
    p, browser = chromium
    later = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    office = later.new_page()
    site.login(office, "quzong")
    _follow(office, office.get_by_role("link", name=contest))
    _follow(office, office.get_by_role("link", name="考评", exact=True))
    row = office.locator("#periods tbody tr", has_text=f"{year}年度考评")
    assert _cells(row)[4] == "考评中"
    _follow(office, row.get_by_role("link", name="查看"))
    office.get_by_role("button", name="立即截止并生成通报").click()
    dialog = office.locator("#app-confirm")
    assert "截止后考评表不能再提交" in dialog.inner_text()  # the dialog says what closing does
    with office.expect_navigation():
        dialog.get_by_role("button", name="确认").click()
    assert "已生成排名与通报" in office.inner_text("body")

    # The ranking: the chair is 14th with 70 points (60 + 5 + 5); the first 20 marked, the 21st not.
    rows = office.locator("#standings tbody tr")
    table = [_cells(r) for r in rows.all()]
    ranked = [r for r in table if r[0] != "—"]
    assert len(ranked) == 23 and [r[0] for r in table].count("—") == 2  # two unions still waiting for review
    ours = next(r for r in table if r[1] == chair)
    assert (ours[0], ours[3]) == ("14", "70")
    assert [("前列" in r[5]) for r in ranked] == [True] * 20 + [False] * 3
    assert ranked[19][0] == "20" and ranked[20][0] == "21"

    # The bulletin says the same.
    href = office.get_by_role("link", name="下载通报 PDF").get_attribute("href")
    response = later.request.get(site.url(href))
    assert response.ok
    (tmp_path / "bulletin.pdf").write_bytes(response.body())
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(tmp_path / "bulletin.pdf"), "-"], capture_output=True,
                                             text=True, check=True).stdout)
    assert f"{year}年度考评通报" in text and "二、前列：" in text
    top20 = text.split("二、前列：")[1].split("三、")[0]
    assert chair in top20 and top20.count("、") == 19

    # The year's honours: the top 20 first in line for honours and for the recuperation trip.
    _follow(office, office.get_by_role("link", name="年度", exact=True))
    with office.expect_navigation():
        office.get_by_role("button", name="按年度排名评定荣誉").click()
    honours = [_cells(r)[:2] for r in office.locator("#honours tbody tr").all()]
    assert [h[0] for h in honours].count("优先推荐评先评优") == 20 and [h[0] for h in honours].count("疗休养") == 20
    assert ["优先推荐评先评优", chair] in honours and ["疗休养", chair] in honours
    later.close()
