"""The craftsman selection (工匠评选) as its people live it, in a real browser, from the demo on a fresh database:

the call is open → a unit nominates a candidate with materials → the deadline passes (a draft can no longer be
submitted) → the office checks eligibility (eligible, direct recognition, ineligible) → the start-review page shows
each candidate's experts after recusal → six experts from other units score on tablets (the expert from a
nominating enterprise does not see its candidates) → shortlist → defence on the tablets → the public votes on phones
with SMS codes, one vote per phone per day (the clock moves a day) → the list is confirmed and publicised → the
publicity period ends (the clock moves) → naming → the title certificates, read back with pdftotext.

It ends on what users see: ranks and totals on the office's pages, the names on the public list, the PDF's text.
"""
from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable
from zoneinfo import ZoneInfo

import pytest

from contestapp.domain.idcard import make_id_number
from tests.conftest import RecordingSender
from tests.craftsman.craftsman_helpers import PDF

pytestmark = pytest.mark.browser

ZONE = ZoneInfo("Asia/Shanghai")
CONTEST = "“杭州工匠”评选（演示）"
EXPERTS = ["zhuanjia1", "zhuanjia2", "zhuanjia3", "zhuanjia4", "zhuanjia5", "zhuanjia6"]
FROM_QILUNJI = {"王秀英", "陈志强"}  # zhuanjia6 works at 杭州汽轮机股份有限公司: nominated by it, or employed there
CRITERIA = ["awards", "master", "level", "apprentices", "innovation", "contribution"]
# each candidate's trimmed mean per criterion; experts spread around it, the highest and lowest mark are dropped
REVIEW = {"李建国": [18, 17, 13, 13, 13, 13], "陈志强": [17, 15, 13, 12, 12, 13],
          "王秀英": [16, 14, 12, 12, 13, 12], "吴磊": [14, 12, 11, 10, 11, 11]}
DEFENCE = {"李建国": 86, "陈志强": 92, "王秀英": 88}
SPREAD = {5: [-2, -1, 0, 1, 2], 6: [-2, -1, 0, 0, 1, 2]}  # the middle marks average to 0


def _experts_of(name: str) -> list[str]:
    return [e for e in EXPERTS if not (e == "zhuanjia6" and name in FROM_QILUNJI)]


def _mark(name: str, expert: str, base: int) -> int:
    panel = _experts_of(name)
    return base + SPREAD[len(panel)][panel.index(expert)]


def _local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZONE)


@pytest.fixture
def browse(chromium):
    """new_page(device=None): a page in a browser context of its own (a desktop, or a device such as an iPad); every
    context is closed when the test ends."""
    p, browser = chromium
    contexts = []

    def new_page(device: str | None = None):
        options = (dict(p.devices[device]) if device
                   else {"viewport": {"width": 1366, "height": 900}, "accept_downloads": True})
        contexts.append(browser.new_context(**options, locale="zh-CN"))
        return contexts[-1].new_page()

    yield new_page
    for context in contexts:
        context.close()


def _go(page, action) -> None:
    with page.expect_navigation():
        action()


def _rows(page, selector: str) -> list[list[str]]:
    return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in page.locator(f"{selector} tbody tr").all()]


# --- the unit ------------------------------------------------------------------------------------------------------

def nominate_with_materials(site, page, tmp_path) -> None:
    """西子电梯's unit account nominates 吴磊 through the form, uploads a material, submits."""
    site.login(page, "xizi")
    assert "推荐候选人" in page.inner_text("body") and CONTEST in page.inner_text("body")
    _go(page, lambda: page.click("a:has-text('推荐候选人')"))
    for key, value in {"name": "吴磊", "id_number": make_id_number("330106", date(1986, 6, 6), 77, "M"),
                       "phone": "13857109999", "employer": "西子电梯科技有限公司", "job": "电梯调试班长",
                       "trade": "电梯安装维修工", "years_in_trade": "14"}.items():
        page.fill(f"#{key}", value)
    page.select_option("#employer_type", "民营企业")
    page.select_option("#front_line", "1")
    page.select_option("#vocational_level", "高级技师")
    page.fill("#honours", "2023年杭州市职工职业技能大赛电梯安装维修工二等奖")
    page.fill("#statement", "负责高速电梯调试十余年，总结“三查三试”调试法。")
    page.fill("#summary", "吴磊：电梯调试班长，高级技师，带徒 6 人。")
    _go(page, lambda: page.click("#save"))
    assert "草稿已保存" in page.inner_text("body")
    material = tmp_path / "吴磊事迹材料.pdf"
    material.write_bytes(PDF)
    page.set_input_files("#file", str(material))
    _go(page, lambda: page.click("#upload"))
    assert "已上传：吴磊事迹材料.pdf" in page.inner_text("body")
    page.click("button:has-text('提交推荐表')")
    dialog = page.locator("#app-confirm")
    assert "提交后不能修改" in dialog.inner_text()  # the dialog says what submitting does
    _go(page, lambda: dialog.get_by_role("button", name="确认").click())
    assert "推荐表已提交" in page.inner_text("body") and page.inner_text("#status") == "已提交"


# --- the office ----------------------------------------------------------------------------------------------------

def open_console(site, page) -> None:
    page.goto(site.url("/contests/"))
    _go(page, lambda: page.click(f"a:has-text('{CONTEST}')"))
    _go(page, lambda: page.click("nav.tabs a:has-text('工匠评选')"))


def decide(page, name: str, decision: str, note: str = "") -> None:
    _go(page, lambda: page.locator(f"tr[data-name='{name}'] a:has-text('审查')").click())
    page.check(f"input[name=decision][value={decision}]")
    if note:
        page.fill("#note", note)
    _go(page, lambda: page.click("button:has-text('提交审查结论')"))


def check_eligibility(page) -> None:
    _go(page, lambda: page.click("button:has-text('进入下一阶段：资格审查')"))
    assert page.inner_text("#stage") == "资格审查"
    for name in ("李建国", "王秀英", "陈志强", "吴磊"):
        decide(page, name, "eligible")
    _go(page, lambda: page.locator("tr[data-name='赵永刚'] a:has-text('审查')").click())
    assert "超过" in page.inner_text("section.card")  # the automatic check names the age limit
    page.go_back()
    decide(page, "赵永刚", "ineligible")
    _go(page, lambda: page.locator("tr[data-name='周晓燕'] a:has-text('审查')").click())
    assert "可能符合直接认定" in page.inner_text("body")
    page.go_back()
    decide(page, "周晓燕", "direct", "2024年浙江省职工职业技能大赛电梯安装维修工省级一等奖，直接认定")
    statuses = {r[1]: r[5] for r in _rows(page, "#nominations")}
    assert statuses == {"李建国": "审查通过", "王秀英": "审查通过", "陈志强": "审查通过", "吴磊": "审查通过",
                        "赵永刚": "不符合条件", "周晓燕": "直接认定"}
    assert "孙婷" not in statuses  # the draft never reached the office


def start_review(page) -> None:
    _go(page, lambda: page.click("#to-review"))
    panel = {r[0]: r for r in _rows(page, "#panel-table")}
    assert set(panel) == {"李建国", "王秀英", "陈志强", "吴磊"}
    assert [panel[n][3] for n in ("李建国", "王秀英", "陈志强", "吴磊")] == ["6", "5", "5", "6"]
    assert "钱德明（总工程师）（同属 杭州汽轮机股份有限公司）" in panel["王秀英"][4]  # employed there
    assert "钱德明（总工程师）（同属 杭州汽轮机股份有限公司）" in panel["陈志强"][4]  # nominated by it
    assert all(r[5] == "足够" for r in panel.values()) and page.locator("#blocked, #short").count() == 0
    _go(page, lambda: page.click("#start"))
    assert "专家评审开始：4 名候选人进入评审" in page.inner_text("body")


# --- the experts ---------------------------------------------------------------------------------------------------

def expert_codes(site, page, expert: str) -> dict[str, str]:
    """The expert's own list: candidates (with their materials) by the code the tablet shows."""
    site.login(page, expert)
    page.goto(site.url("/craftsman/expert"))
    return {row[1]: row[0] for row in _rows(page, "table.data")}


def score_on_tablet(page, section: str, code: str, values: dict[str, int]) -> None:
    box = page.locator("section.card", has=page.locator("h2", has_text=section))
    box.locator(f'a.entry[data-code="{code}"]').tap()
    for criterion, value in values.items():
        page.fill(f'input[data-criterion="{criterion}"]', str(value))
        page.press(f'input[data-criterion="{criterion}"]', "Enter")
    page.tap("#submit")
    page.check("#confirm-check")
    page.tap("#confirm-ok")
    page.tap("#back")
    box.locator(f'a.entry[data-code="{code}"][data-status=submitted]').wait_for()  # 已提交, on the server


def experts_score(site, browse, section: str, marks: dict[str, Callable[[str], dict[str, int]]]) -> None:
    """Each expert signs in on a tablet, looks the codes up on the candidates' list, scores every sheet shown."""
    for expert in EXPERTS:
        page = browse("iPad (gen 7)")
        codes = expert_codes(site, page, expert)
        mine = [n for n in marks if expert in _experts_of(n)]
        assert set(codes) >= set(mine)
        if expert == "zhuanjia6":
            assert not FROM_QILUNJI & set(codes)  # recused: not on the list, no sheet on the tablet
        page.goto(site.url("/judging/"))
        box = page.locator("section.card", has=page.locator("h2", has_text=section))
        box.locator("a.entry").first.wait_for()
        assert box.locator("a.entry").count() == len(mine)
        for name in mine:
            score_on_tablet(page, section, codes[name], marks[name](expert))
        assert box.locator("a.entry[data-status=submitted]").count() == len(mine)
        page.context.close()


# --- the public ----------------------------------------------------------------------------------------------------

def vote(page, sms: RecordingSender, phone: str, name: str) -> str:
    """Get a code by SMS on the phone, type it under the candidate, vote; returns the message shown."""
    page.fill("#phone", phone)
    _go(page, lambda: page.click("#code-form button"))
    assert "验证码已发送" in page.inner_text("body"), page.inner_text("body")[:300]
    card = page.locator("section.candidate", has=page.locator("h2", has_text=name))
    card.locator("input[name=code]").fill(sms.code_for(phone))
    _go(page, lambda: card.locator("button:has-text('投票')").tap())
    return page.inner_text(".flashes") if page.locator(".flashes").count() else ""


# --- the journey ---------------------------------------------------------------------------------------------------

def test_craftsman_selection_from_call_to_title_certificate(site, clock, browse, tmp_path):
    sms = site.app.extensions["craftsman_sms"] = RecordingSender()

    # the call is open: a unit nominates with materials; another unit still has a draft
    unit = browse()
    nominate_with_materials(site, unit, tmp_path)
    unit.goto(site.url("/craftsman/unit"))
    deadline = _local(re.search(r"申报截止 (\S+ \S+)", unit.inner_text("body")).group(1))
    assert deadline > datetime.now(ZONE)
    draft = browse()
    site.login(draft, "xihu")
    assert [r[:3] for r in _rows(draft, "#mine")] == [["孙婷", "茶叶加工工", "草稿"], ["李建国", "数控车工", "已提交"]]

    # the deadline passes: the call closes, the draft can no longer be submitted
    clock.move_to(deadline + timedelta(hours=1))
    draft.reload()
    assert "申报已截止" in draft.inner_text("body") and "推荐候选人" not in draft.inner_text("body")
    _go(draft, lambda: draft.locator("#mine tr", has_text="孙婷").locator("a").click())
    assert "此草稿不能再提交" in draft.inner_text("#closed-note")
    assert draft.locator("button:has-text('提交推荐表')").count() == 0 and draft.locator("#upload-form").count() == 0

    # the office: eligibility, then the review starts from the page that shows every candidate's experts
    office = browse()
    site.login(office, "organiser")
    open_console(site, office)
    assert office.inner_text("#stage") == "申报中"
    check_eligibility(office)
    start_review(office)

    # experts from other units score the review on tablets
    experts_score(site, browse, "专家评审", {
        name: (lambda expert, name=name: {c: _mark(name, expert, b) for c, b in zip(CRITERIA, REVIEW[name])})
        for name in REVIEW})
    office.reload()
    standings = [(r[0], r[1], Decimal(r[3])) for r in _rows(office, "#standings")]
    assert standings == [("1", "李建国", Decimal(87)), ("2", "陈志强", Decimal(82)), ("3", "王秀英", Decimal(79)),
                         ("4", "吴磊", Decimal(69))]
    _go(office, lambda: office.click("button:has-text('按名次确定入围名单（3 人）')"))
    assert "入围名单已确定：3 人" in office.inner_text("body")

    # the shortlisted defend; the experts score the defence on the tablets
    experts_score(site, browse, "现场答辩", {
        name: (lambda expert, name=name: {"defence": _mark(name, expert, DEFENCE[name])}) for name in DEFENCE})

    # the public vote, on a phone, with codes by SMS: one vote per phone per day
    open_console(site, office)
    _go(office, lambda: office.click("button:has-text('进入下一阶段：网络投票')"))
    assert office.inner_text("#stage") == "网络投票"
    phone = browse("iPhone 13")
    phone.goto(site.url(office.locator("a:has-text('公开投票页')").get_attribute("href")))
    assert [h.strip() for h in phone.locator("section.candidate h2").all_inner_texts()] == ["李建国", "王秀英", "陈志强"]
    for number, name in [("13900000001", "王秀英"), ("13900000002", "王秀英"), ("13900000003", "李建国"),
                         ("13900000004", "陈志强")]:
        assert "投票成功" in vote(phone, sms, number, name)
    clock.shift(minutes=2)  # a new code for the same phone, the same day
    assert "您今天已经投过票了" in vote(phone, sms, "13900000001", "李建国")
    clock.shift(days=1)
    for number, name in [("13900000001", "王秀英"), ("13900000003", "李建国")]:
        assert "投票成功" in vote(phone, sms, number, name)
    counts = {h: phone.locator("section.candidate", has=phone.locator("h2", has_text=h)).locator("p b").inner_text()
              for h in ("李建国", "陈志强", "王秀英")}
    assert counts == {"李建国": "2", "陈志强": "1", "王秀英": "3"}

    # the list: the directly recognised first, then the best of the merged ranking up to the quota
    open_console(site, office)
    _go(office, lambda: office.click("button:has-text('进入下一阶段：拟定名单')"))
    _go(office, lambda: office.click("nav.tabs a:has-text('命名')"))
    proposal = _rows(office, "#proposal table")
    assert proposal[0][:2] == ["直接认定", "周晓燕"]
    ranked = [(r[0], r[1], Decimal(r[3]), Decimal(r[4]), r[5], Decimal(r[6])) for r in proposal[1:]]
    # expert review x 0.7 + defence x 0.3, then x 0.9 + vote score (100 x votes / the most votes) x 0.1
    assert ranked == [("1", "李建国", Decimal(87), Decimal(86), "2", Decimal("84.70")),
                      ("2", "王秀英", Decimal(79), Decimal(88), "3", Decimal("83.53")),
                      ("3", "陈志强", Decimal(82), Decimal(92), "1", Decimal("79.83"))]
    assert office.locator("#proposal .flash-warning").count() == 0  # quota filled, structure targets met
    _go(office, lambda: office.click("button:has-text('确定名单并开始公示')"))
    assert "拟命名名单已确定，进入公示" in office.inner_text("body")
    period = re.search(r"公示期：(\S+ \S+) – (\S+ \S+)", office.inner_text("body"))
    publicity_ends = _local(period.group(2))
    assert office.locator("button:has-text('公示无异议，正式命名')").is_disabled()

    phone.goto(site.url(office.locator("a:has-text('公示页')").first.get_attribute("href")))
    assert "拟命名人选公示" in phone.inner_text("h1")
    assert [r[0] for r in _rows(phone, "table.data")] == ["周晓燕", "李建国", "王秀英"]

    # publicity ends: naming, the numbered title certificates
    clock.move_to(publicity_ends + timedelta(minutes=1))
    office.reload()
    _go(office, lambda: office.click("button:has-text('公示无异议，正式命名')"))
    assert "已命名 3 名“杭州工匠”，证书编号已生成" in office.inner_text("body")
    titles = _rows(office, "table.data")[-3:]
    assert [(t[1], t[3]) for t in titles] == [("周晓燕", "杭州工匠"), ("李建国", "杭州工匠"), ("王秀英", "杭州工匠")]
    serials = [t[0] for t in titles]
    assert len(set(serials)) == 3 and all(s.startswith("GJ") for s in serials)
    with office.expect_download() as download:
        office.click("a:has-text('下载全部证书（PDF）')")
    pdf = tmp_path / "titles.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    for holder, serial, page_text in zip(("周晓燕", "李建国", "王秀英"), serials, pages):
        assert holder in page_text and "杭州工匠" in page_text and serial in page_text

    phone.reload()
    assert "命名名单" in phone.inner_text("h1")
    assert [r[0] for r in _rows(phone, "table.data")] == ["周晓燕", "李建国", "王秀英"]
