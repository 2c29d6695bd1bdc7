"""The skills contest, end to end, through the pages only, from the demo's accounts on a fresh database.

The organiser loads the city-skills template (examples/city-skills.json) in the console, names the contest's staff,
uploads the roster (the console's own xlsx template, filled in) and draws lots; three judges score on tablets (one
loses the Wi-Fi halfway and the marks it kept arrive when it is back); the chief judge sees a spread alert, returns
that sheet, the judge corrects it, the chief confirms both rounds and decrypts; the organiser records the end and
publishes; a contestant's appeal is lodged and upheld by the arbitration group; the finalise button stays disabled,
saying why, until publicity ends (the server's clock is moved, never slept); then final, awards, a certificate batch,
and the QR code read back from the printed PDF opens the public verification page on a phone. Once final, a late
roster upload into the event is refused. Every assertion is on what a user sees.
"""
from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from contestapp.domain.idcard import make_id_number
from tests.conftest import confirm_dialogs, wait_for_js

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "city-skills.json"
ALL_SENT = "document.getElementById('net').textContent.indexOf('全部评分已发送') >= 0"
# the sheet shown is signed and on the server (the dialog's close event comes a moment after the tap)
SIGNED = "document.getElementById('sheet-status').textContent === '已提交' && " + ALL_SENT

# name, gender, born, unit, category
PEOPLE = [("林一鸣", "男", date(1988, 3, 12), "国网杭州供电公司", "一线职工"),
          ("周晓红", "女", date(1996, 7, 8), "杭州地铁运营有限公司", "一线职工"),
          ("陈志强", "男", date(1979, 11, 23), "杭州钢铁集团有限公司", "一线职工"),
          ("吴海燕", "女", date(1992, 2, 14), "杭州燃气集团", "管理人员"),
          ("郑国华", "男", date(1985, 5, 30), "西子电梯科技有限公司", "一线职工")]

# Marks by the entries' codes in sorted order (the judges see codes only). Both practical judges enter the same
# objective marks; on 模块一 judge2 gives one point less. safety/craft are the numbers of faults (2 and 1 point each).
THEORY = [92, 88, 84, 80, 76]
M1 = [28, 26, 24, 22, 20]
M2 = [27, 25, 23, 21, 19]
M3 = [20, 16, 12, 12, 8]
SAFETY = [0, 0, 1, 1, 2]
CRAFT = [0, 1, 1, 2, 2]
TIME = [5400, 5500, 5600, 5700, 5800]
TYPO = 12  # judge2's 模块一 for the fifth entry, before the chief judge returns the sheet (corrected to 19)


def practical(i: int, judge: str) -> dict[str, object]:
    m1 = M1[i] - (1 if judge == "judge2" else 0)
    return {"m1": m1, "m2": M2[i], "m3": M3[i], "safety": SAFETY[i], "craft": CRAFT[i], "time": TIME[i]}


def expected_total(i: int, m3: int | None = None) -> Decimal:
    """30% theory + 70% practical; practical = mean of the two judges' 模块一 + 模块二 + 模块三 + (10 − 2 × safety
    faults) + (10 − craft faults)."""
    prac = Decimal(M1[i]) - Decimal("0.5") + M2[i] + (M3[i] if m3 is None else m3) + 10 - 2 * SAFETY[i] + 10 - CRAFT[i]
    return (Decimal("0.3") * THEORY[i] + Decimal("0.7") * prac).quantize(Decimal("0.01"))


# --- steps -----------------------------------------------------------------------------------------------------------

def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def flash(page) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())


def roster_file(template: bytes, people=PEOPLE) -> bytes:
    """The console's template with its example row replaced by the people (by default the five electricians)."""
    book = load_workbook(io.BytesIO(template))
    sheet = book["报名表"]
    header = [c.value for c in sheet[1]]
    for row, (name, gender, born, unit, category) in enumerate(people, start=2):
        values = {"姓名": name, "性别": gender, "身份证号": make_id_number("330106", born, row, "M" if gender == "男" else "F"),
                  "手机号": f"1390571{row:04d}", "单位": unit, "工种": "电工", "职业技能等级": "高级工",
                  "人员类别": category, "参赛赛项": "电工", "参赛编号": "", "团队": ""}
        for col, key in enumerate(header, start=1):
            sheet.cell(row, col, values.get(key, ""))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload_roster(page, content: bytes) -> None:
    if page.locator("details[open]:has(input[name=file])").count() == 0:  # open by itself while nobody is entered
        page.click("text=导入报名表")
    page.set_input_files("input[type=file][name=file]", {"name": "电工报名表.xlsx", "buffer": content,
                                                          "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    submit(page, "text=上传并预览")


def tablet_page(site, context, username: str):
    page = context.new_page()
    site.login(page, username)
    page.wait_for_selector("a.entry")
    return page


def round_section(page, heading: str):
    """This contest's round on the tablet (the demo's own rounds are also listed; theirs are confirmed)."""
    return page.locator("section.card").filter(has=page.locator("h2", has_text=re.compile(f"^{heading}$")))


def score(page, section, code: str, marks: dict[str, object], online: bool = True) -> None:
    section.locator(f'a.entry[data-code="{code}"]').tap()
    first = next(iter(marks))
    page.wait_for_selector(f'#criteria input[data-criterion="{first}"]')
    for criterion, value in marks.items():
        field = page.locator(f'#criteria input[data-criterion="{criterion}"]')
        field.fill(str(value))
        field.press("Enter")
        if online:  # each mark on the server before the next (typing through a redraw: test_tablet_typing.py)
            wait_for_js(page, ALL_SENT)
    page.tap("#submit")
    page.check("#confirm-check")
    page.tap("#confirm-ok")
    if online:
        wait_for_js(page, SIGNED)
    else:  # kept on the tablet, to be sent when the network is back
        wait_for_js(page, "document.getElementById('sheet-status').textContent.indexOf('提交待发送') === 0")
    page.tap("#back")


@pytest.fixture
def contexts(chromium):
    """More people's browsers: contexts("ipad") for another judge's tablet, contexts() for another desk."""
    p, browser = chromium
    made = []

    def new(device: str | None = None):
        options = dict(p.devices["iPad (gen 7)"]) if device == "ipad" else {"viewport": {"width": 1366, "height": 900}}
        made.append(browser.new_context(locale="zh-CN", **options))
        return made[-1]

    yield new
    for context in made:
        context.close()


def test_skills_contest_from_roster_to_a_verified_certificate(site, clock, desktop, tablet, phone, contexts,
                                                               tmp_path):
    office = desktop.new_page()
    confirm_dialogs(office)

    # --- the organiser sets the contest up from the template ------------------------------------------------------
    site.login(office, "organiser")
    office.goto(site.url("/contests/"))
    office.click("text=从竞赛定义文件导入")
    office.set_input_files("details input[type=file]", str(EXAMPLE))
    submit(office, "details button[type=submit]")
    assert "已导入竞赛定义：2025年市职工职业技能竞赛" in flash(office)
    contest_url = office.url
    cid = int(re.search(r"/contests/(\d+)", contest_url).group(1))

    office.click("nav.tabs >> text=裁判与仲裁")
    for username, role in [("chief", "chief_judge"), ("arbiter", "arbitrator"), ("judge1", "judge"),
                           ("judge2", "judge"), ("judge6", "judge")]:
        office.select_option("#username", username)
        office.select_option("#role", role)
        submit(office, "form.filters button[type=submit]")
        assert "已添加" in flash(office), flash(office)
    assert office.locator("table.data tbody tr").count() == 5

    office.click("nav.tabs >> text=参赛者")
    with office.expect_download() as download:
        office.click("text=下载报名表模板")
    template = Path(download.value.path()).read_bytes()
    upload_roster(office, roster_file(template))
    assert "检查通过：共 5 名参赛者，可以导入。" in office.inner_text("body")
    submit(office, "text=确认导入")
    assert "已导入 5 名参赛者" in flash(office)

    office.goto(site.url(f"/contests/{cid}/judging/setup"))
    submit(office, "#draws tr:has(td:text-is('电工')) form[action$='/draw'] button")
    assert "电工 抽签完成：5 人" in flash(office)
    for judge, unit, round_name in [("裁判郑华", "杭州第一技师学院", "电工·理论知识"),
                                    ("裁判赵文", "杭州技师学院", "电工·实际操作"),
                                    ("裁判钱立", "浙江机电职业技术学院", "电工·实际操作")]:
        option = office.locator("#a-judge_id option", has_text=f"{judge}（").filter(has_text=unit)
        office.select_option("#a-judge_id", option.get_attribute("value"))  # shown with the units they belong to
        office.select_option("#a-round_ids", label=[round_name])
        submit(office, "form[action$='/assignments'] button[type=submit]")
        assert f"已分配 {judge}" in flash(office), flash(office)

    # --- judges score on tablets ----------------------------------------------------------------------------------
    marker = tablet_page(site, tablet, "judge6")
    theory = round_section(marker, "电工 · 理论知识")
    codes = sorted(theory.locator("a.entry").evaluate_all("els => els.map(e => e.dataset.code)"))
    assert len(codes) == 5 and not any(name in marker.content() for name, *_ in PEOPLE)  # codes only
    for i, code in enumerate(codes):
        score(marker, theory, code, {"paper": THEORY[i]})
    expect(theory.locator('a.entry[data-status="submitted"]')).to_have_count(5)

    second_tablet, third_tablet = contexts("ipad"), contexts("ipad")
    first_judge = tablet_page(site, second_tablet, "judge1")
    section = round_section(first_judge, "电工 · 实际操作")
    for i, code in enumerate(codes):
        score(first_judge, section, code, practical(i, "judge1"))

    second_judge = tablet_page(site, third_tablet, "judge2")
    section2 = round_section(second_judge, "电工 · 实际操作")
    for i in (0, 1):
        score(second_judge, section2, codes[i], practical(i, "judge2"))
    third_tablet.set_offline(True)  # the workshop's Wi-Fi drops
    for i in (2, 3):
        score(second_judge, section2, codes[i], practical(i, "judge2"), online=False)
    second_judge.wait_for_selector(f'a.entry[data-code="{codes[3]}"] .unsent')
    assert "离线" in second_judge.inner_text("#net")
    third_tablet.set_offline(False)  # back: the kept marks and signatures go out by themselves
    wait_for_js(second_judge, ALL_SENT, timeout=20)
    score(second_judge, section2, codes[4], {**practical(4, "judge2"), "m1": TYPO})
    expect(section2.locator('a.entry[data-status="submitted"]')).to_have_count(5)

    # --- the chief judge: a spread alert, a returned sheet, confirmation, decryption ---------------------------
    chief = contexts().new_page()
    confirm_dialogs(chief)
    site.login(chief, "chief")
    chief.goto(site.url(f"/contests/{cid}/judging/"))
    chief.click("text=实际操作")
    alerts = chief.locator("section.card", has_text="评分差预警").inner_text()
    assert codes[4] in alerts and "超过 3" in alerts
    chief.click(f'td[data-entry="{codes[4]}"][data-judge="judge2"] a')
    chief.fill("#r-reason", "模块一评分与现场记录不符，请复核")
    submit(chief, "#return-sheet")
    assert "已退回 裁判钱立 的评分表" in flash(chief)

    second_judge.reload()
    second_judge.wait_for_selector(f'a.entry[data-code="{codes[4]}"][data-status="returned"]')
    section2.locator(f'a.entry[data-code="{codes[4]}"]').tap()
    wait_for_js(second_judge,
        "document.getElementById('sheet-banner').innerText.indexOf('模块一评分与现场记录不符') >= 0", timeout=10)
    second_judge.locator('#criteria input[data-criterion="m1"]').fill(str(practical(4, "judge2")["m1"]))
    second_judge.locator('#criteria input[data-criterion="m1"]').press("Enter")
    wait_for_js(second_judge, ALL_SENT)
    second_judge.tap("#submit")
    second_judge.check("#confirm-check")
    second_judge.tap("#confirm-ok")

    wait_for_js(second_judge, SIGNED)

    chief.reload()
    assert "评分差预警" not in chief.locator("section.card").first.inner_text()
    assert chief.locator("button:has-text('确认本轮')").count() == 1, chief.inner_text("main")
    submit(chief, "button:has-text('确认本轮')")
    assert "电工·实际操作 已确认" in flash(chief)
    chief.goto(site.url(f"/contests/{cid}/judging/"))
    chief.click("text=理论知识")
    submit(chief, "button:has-text('确认本轮')")
    assert "电工·理论知识 已确认" in flash(chief)
    chief.goto(site.url(f"/contests/{cid}/judging/"))
    submit(chief, "button:has-text('解密')")
    assert "电工 已解密" in flash(chief)
    rows = chief.locator("table.data tbody tr").all()
    name_of = {row.locator("td").nth(0).inner_text(): row.locator(".decrypted-name").inner_text() for row in rows}
    assert sorted(name_of) == codes and sorted(name_of.values()) == sorted(n for n, *_ in PEOPLE)
    names = [name_of[c] for c in codes]  # names[i] got the marks of index i

    # --- the organiser publishes; an appeal is lodged and upheld ---------------------------------------------------
    results_url = site.url(f"/contests/{cid}/results/")
    office.goto(results_url)
    office.click("tr:has(td:has-text('电工')) >> text=排名与明细")
    event_url = office.url
    submit(office, "form[action$='/end'] button[type=submit]")
    assert "已记录赛项结束时间" in flash(office)
    submit(office, "text=发布公示成绩")
    assert "发布后进入公示期" in office.evaluate("sessionStorage.getItem('confirmed')")  # the dialog said what publishing does
    assert "公示成绩已发布" in flash(office)
    assert office.is_disabled("#finalise")
    holds = office.inner_text("#finalise-holds")
    assert "公示期至" in holds and "申诉期至" in holds

    arbiter = contexts().new_page()
    site.login(arbiter, "arbiter")
    arbiter.goto(event_url)
    arbiter.click("#lodge-appeal summary")
    arbiter.fill("#appellant", f"{names[3]}（选手本人）")
    arbiter.fill("#appeal-entry", codes[3])
    arbiter.fill("#appeal-text", "模块三故障检修排除 5 处，只计 3 处，申请复核。")
    submit(arbiter, "#lodge")
    assert "申诉已登记" in flash(arbiter)
    card = arbiter.locator(".card", has_text="申请复核")
    card.locator("select[name=outcome]").select_option("upheld")
    card.locator("textarea[name=decision]").fill("调阅现场记录，排除故障 5 处属实，模块三改为 20 分。")
    rows = card.locator("tbody[data-rows] tr")  # the marks to change are chosen from lists, the old value shown
    for i, judge in enumerate(("judge1", "judge2")):
        if i:
            card.locator("[data-add-row]").click()
        rows.nth(i).locator("select[name=target]").select_option("practical.m3")
        rows.nth(i).locator("select[name=judge]").select_option(judge)
        rows.nth(i).locator("input[name=value]").fill("20")
    submit(arbiter, "text=记录仲裁决定")
    assert "仲裁决定已记录" in flash(arbiter)
    ruled = arbiter.locator(".card", has_text="申请复核").inner_text()
    assert "申诉成立" in ruled and "practical.m3 judge1：12 → 20" in ruled

    office.reload()
    assert office.is_disabled("#finalise") and "公示期至" in office.inner_text("#finalise-holds")

    # --- publicity ends (the server's clock moves on 8 days): final, awards ------------------------------------------
    clock.shift(days=8)
    office.reload()
    assert office.locator("#finalise-holds").count() == 0
    assert "申诉期已于" in office.inner_text("#appeals-closed")
    submit(office, "form[action$='/finalise'] button")
    assert "成绩已定稿，奖项已评定" in flash(office)
    assert "成绩已定稿，不再受理申诉" in office.inner_text("body")

    totals = {names[i]: expected_total(i, m3=20 if i == 3 else None) for i in range(5)}
    order = sorted(totals, key=lambda n: -totals[n])
    assert order == [names[0], names[1], names[3], names[2], names[4]]  # the appeal moved the fourth to third
    ranking = [[cell.strip() for cell in row.locator("td").all_inner_texts()[:5]]
               for row in office.locator("table.data tbody tr").all()]
    assert [(r[0], r[2], r[4]) for r in ranking] == [(str(k), n, str(totals[n])) for k, n in enumerate(order, 1)]

    office.click("nav.tabs >> text=获奖名单")
    awards = {row.locator("td").nth(2).inner_text(): row.locator("td").all_inner_texts()
              for row in office.locator("table.data tbody tr").all()}
    assert [awards[n][5] for n in order[:3]] == ["一等奖", "二等奖", "三等奖"]
    assert all("市技术能手" in awards[n][6] for n in order)
    best_worker = next(n for n in order if dict((p[0], p[4]) for p in PEOPLE)[n] == "一线职工")
    assert [n for n in order if "推荐市五一劳动奖章" in awards.get(n, [""] * 7)[6]] == [best_worker]
    assert [awards[n][4] for n in order] == [str(totals[n]) for n in order]

    # --- a late roster upload into the final event is refused ----------------------------------------------------
    office.goto(site.url(f"/contests/{cid}/entrants/"))
    late = roster_file(template, [("何晓峰", "男", date(1990, 4, 4), "杭州燃气集团", "一线职工")])
    upload_roster(office, late)
    assert "赛项“电工”的成绩已定稿，不能再报名" in office.inner_text("body")

    # --- certificates: a batch, the printed PDF, its QR code verified on a phone ------------------------------------
    office.goto(site.url(f"/contests/{cid}/certificates/"))
    office.select_option("#source", "awards")
    office.select_option("#kind", "award")
    office.select_option("#issue-event", label="电工")
    submit(office, "text=发放并生成 PDF")
    office.wait_for_selector("#batch-downloads:not([hidden])", timeout=60000)
    assert "已完成" in office.inner_text("#batch-status")
    with office.expect_download() as download:
        office.click("text=下载合并 PDF（打印用）")
    pdf = tmp_path / "certificates.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for name, award in zip(order[:3], ["一等奖", "二等奖", "三等奖"]):
        assert name in text and award in text
    assert text.count("证书编号") == 3 and "电工" in text
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")],
                   check=True)
    scanned = subprocess.run(["zbarimg", "--raw", "-q", str(next(tmp_path.glob("page*.png")))],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert scanned.startswith(site.base + "/verify/")
    office.goto(site.url(f"/contests/{cid}/certificates/"))
    links = office.locator("a:has-text('验证页')").evaluate_all("els => els.map(e => e.href)")
    assert scanned in links  # the QR code on paper is the link the console shows

    reader = phone.new_page()
    reader.goto(scanned)
    body = reader.inner_text("main")
    assert "证书有效" in body and order[0] in body and "一等奖 · 电工" in body
