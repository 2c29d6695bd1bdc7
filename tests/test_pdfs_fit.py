"""Every PDF the app makes, filled with the longest realistic names, units, titles and contest names, checked with
poppler (`tests/pdf_checks.py`): each expected string is there whole, no word leaves the page or its box, runs
over a QR code or a seal area, crosses a table's grid or a frame, or overlaps another word; every font is an
embedded TrueType subset (no Helvetica).

The documents are drawn by the same functions the pages call, from plain stand-ins for the database rows they read.
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from types import SimpleNamespace as NS

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from contestapp.certificates.fonts import load_fonts
from contestapp.certificates.layout import builtin_layout
from contestapp.awards.views import publicity_pdf
from contestapp.certificates.calibration import render_calibration
from contestapp.certificates.render import MM, CertificateData, render_batch, render_preview
from contestapp.craftsman.documents import naming_list_pdf
from contestapp.judging.pdf import CARD_H, CARD_W, card_origin, card_qr_box, cards_pdf, draw_sheet_pdf, score_sheets_pdf
from contestapp.merit.bulletin import render_bulletin
from contestapp.merit.standings import Standing
from contestapp.results.exports import ranking_rows_pdf
from tests.certificates.test_render import assert_fonts_embedded, seal_png
from tests.pdf_checks import fit_problems, pages

UNIT = "中国建筑第八工程局有限公司浙江分公司杭州地铁三号线土建施工总承包项目经理部"
UNIT2 = "国网浙江省电力有限公司杭州供电公司输电运检中心带电作业班"
NAMES = ["欧阳晓堃", "司马喆赟", "诸葛明玥堃", "端木赟喆", "上官婉儿喆", "爱新觉罗启星"]
CONTEST = "2025年浙江省“匠心杯”职工职业技能大赛暨全国行业职业技能竞赛选拔赛（决赛阶段）"
EVENT = "智能制造设备安装与调试项目（双人组）"
AWARD = "一等奖（金牌）"
TITLES = "浙江省技术能手、浙江省青年岗位能手、推荐浙江省五一劳动奖章"
CRAFTSMAN_TITLE = "钱塘江流域数字化改革首席技能工匠"
ISSUER = "浙江省总工会  浙江省人力资源和社会保障厅"
SERIAL = "ZJ2025-JN-ZNZZ-000128"
W, H = A4
ID_LIKE = "HZ2025-ZNZZ-A-0128"


def _ok(pdf: bytes, expected, **kw) -> None:
    assert_fonts_embedded(pdf)
    problems = fit_problems(pdf, expected, **kw)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- certificates (no application needed)
def _record(i: int, name: str, **extra) -> CertificateData:
    fields = {"name": name, "unit": UNIT, "contest": CONTEST, "event": EVENT, "award": AWARD,
              "title": CRAFTSMAN_TITLE, "issuer": ISSUER, "date": "二〇二五年十二月三十一日", **extra}
    serial = f"{SERIAL[:-3]}{i:03d}"
    return CertificateData(serial=serial, verify_url=f"https://cert.example.org/v/{serial}?k={i:04x}", fields=fields,
                           person=name)


def _boxes(layout) -> tuple[list[tuple], list[tuple], list[str]]:
    """Allowed boxes (pt, top-left origin) of a layout's texts, its QR code and seal areas, and their labels."""
    boxes = []
    for f in layout.text_fields:
        left, top, w, h = f.box()
        if not w:
            left, w = 0, layout.page.width_mm
        boxes.append(((left - 0.5) * MM, (top - 1) * MM, (left + w + 0.5) * MM, (top + h + 1) * MM))
    q = layout.qr
    cap_top = q.y + q.size
    boxes.append(((q.x - 3) * MM, cap_top * MM, (q.x + q.size + 3) * MM, (cap_top + q.caption_size * 0.3528 * 2.2) * MM))
    seals = [(im.x * MM, im.y * MM, (im.x + im.width) * MM, (im.y + im.height) * MM) for im in layout.images
             if im.kind == "seal"]
    obstacles = [(q.x * MM, q.y * MM, (q.x + q.size) * MM, (q.y + q.size) * MM), *seals]
    return boxes, obstacles, [im.mark for im in layout.images if im.mark]


@pytest.mark.parametrize("name, kind", [("award", "award"), ("title", "title"), ("craftsman", "craftsman title"),
                                        ("honour", "merit honour")])
def test_certificates_of_each_kind_fit_with_the_longest_values(name, kind, tmp_path):
    layout = builtin_layout(name)
    extra = {"title": TITLES} if name == "title" else {}
    if name == "honour":  # a unit receives a merit honour
        records = [_record(i, UNIT, award="重点工程立功竞赛先进集体（工人先锋号）") for i in range(1, 3)]
    else:
        records = [_record(i, n, **extra) for i, n in enumerate(NAMES, 1)]
    out = tmp_path / "certs.pdf"
    render_batch(name, records, out)
    pdf = out.read_bytes()
    boxes, obstacles, marks = _boxes(layout)
    n = len(records)
    expected = {}
    for page, r in enumerate(records, 1):
        f = r.fields
        expected[page] = [f["name"], r.serial, f["issuer"].split()[0], f["date"]]
        if "unit" in layout.placeholders and name != "honour":
            expected[page].append(UNIT)
        if "contest" in layout.placeholders:
            expected[page].append(CONTEST)
        if "title" in layout.placeholders:
            expected[page].append(f["title"])
    _ok(pdf, expected, inside={p: boxes for p in range(1, n + 1)}, obstacles={p: obstacles for p in range(1, n + 1)},
        ignore=tuple(marks))


def test_overlay_preview_and_calibration_pages_fit(tmp_path):
    layout = builtin_layout("award")
    boxes, obstacles, marks = _boxes(layout)
    overlay = tmp_path / "overlay.pdf"
    render_batch("award", [_record(1, NAMES[4])], overlay, mode="overlay", offset=(0, 0))
    _ok(overlay.read_bytes(), [NAMES[4], UNIT, CONTEST], inside={1: boxes}, obstacles={1: obstacles})
    preview = render_preview("craftsman", _record(2, NAMES[5]))
    cboxes, cobstacles, cmarks = _boxes(builtin_layout("craftsman"))
    _ok(preview, [NAMES[5], CRAFTSMAN_TITLE, "盖章处"], inside={1: cboxes}, obstacles={1: cobstacles},
        ignore=tuple(cmarks))
    for name in ("award", "title", "craftsman", "honour"):
        _ok(render_calibration(name, offset=(1.5, -2)), ["校准页", "(20, 20) mm", "dx=1.5", "seal"])


def test_a_seal_image_sits_in_the_seal_area_with_no_text_on_it(tmp_path):
    seal = seal_png(tmp_path)
    layout = builtin_layout("title")
    out = tmp_path / "sealed.pdf"
    render_batch("title", [_record(1, NAMES[1], title=TITLES)], out, images={"seal": str(seal)})
    boxes, obstacles, _ = _boxes(layout)
    pdf = out.read_bytes()
    _ok(pdf, [NAMES[1], TITLES, ISSUER.split()[0]], inside={1: boxes}, obstacles={1: obstacles})
    assert "盖章处" not in "".join(w.text for p in pages(pdf) for w in p.words)  # the image replaces the mark


# ---------------------------------------------------------------- lists and forms (drawn inside the application)
def _rows(n: int = 14) -> list[list[str]]:
    rows = []
    for i in range(n):
        rows.append([str(i + 1), f"{ID_LIKE[:-2]}{i:02d}", NAMES[i % len(NAMES)], UNIT if i % 2 == 0 else UNIT2,
                     f"{Decimal('98.765') - i:.3f}", AWARD if i < 4 else "二等奖（银牌）", TITLES if i < 3 else ""])
    return rows


def test_results_ranking_pdf_fits(app):
    rows = [r[:5] + [f"{Decimal('29.5') - Decimal(i) / 10}", f"{Decimal('69.265') - Decimal(i) / 10}"] for i, r in enumerate(_rows(40))]
    pdf = ranking_rows_pdf(CONTEST, EVENT, ["理论知识考试（闭卷笔试）", "实际操作（模块A：机械装配与电气接线）"], rows)
    _ok(pdf, [CONTEST, f"{EVENT} 成绩排名", UNIT, UNIT2, *NAMES, "实际操作（模块A：机械装配与电气接线）", rows[-1][1]])


def test_awards_publicity_pdf_shows_every_title_whole(app):
    pdf = publicity_pdf(CONTEST, EVENT, _rows(30), f"成绩版本 ZJ2025/ZNZZ/F1 · {CONTEST}")
    _ok(pdf, [f"{CONTEST}获奖名单公示", "称号", TITLES, UNIT, UNIT2, AWARD, *NAMES, "第 2 页"])


def test_merit_bulletin_fits(app):
    contest = NS(id=-1, name="杭州至德清城际铁路（杭德市域铁路）工程建设“六比六赛”立功竞赛", kind="merit",
                 organisation=NS(name="杭州市总工会  杭州市重点工程建设立功竞赛领导小组办公室"))
    period = NS(contest=contest, name="2025年第二季度（4月—6月）", starts_on=date(2025, 4, 1),
                ends_on=date(2025, 6, 30), code="Q2")
    units = [UNIT, UNIT2, "浙江省交通工程建设集团有限公司杭德市域铁路SG-3标项目经理部", "上海市隧道工程股份有限公司"]
    standings = []
    for i, unit in enumerate(units):
        entry = NS(entrant=NS(name=unit, kind="unit", unit_name=""))
        notes = [{"kind": "deduction", "criterion": "安全生产：临边防护不到位（每处扣2分）", "value": "4", "count": 2,
                  "note": "2025年5月12日安全检查发现3号盾构井临边防护缺失两处，已下达整改通知单并复查闭合",
                  "document_no": "杭重指安〔2025〕第128号"}]
        if i == 3:
            notes.append({"kind": "veto", "criterion": "一票否决：较大及以上生产安全事故", "value": "0",
                          "note": "6月3日发生一起起重伤害事故，造成1人重伤"})
        standings.append(Standing(entry=entry, result=NS(score=Decimal("96.50") - i, vetoed=i == 3), rank=i + 1,
                                  self_score=Decimal("98.00"), red_flag=i == 0,
                                  rewards=[NS(label="流动红旗及季度先进单位", amount=Decimal("50000"))] if i == 0 else [],
                                  notes=notes, problem="一票否决：取消本期及本年度评先评优资格" if i == 3 else None))
    event = NS(name="参建单位（施工、监理、设计）")
    pdf = render_bulletin(period, {1: (event, standings)}, {1: ["上海市隧道工程股份有限公司"]})
    _ok(pdf, [contest.name, f"{period.name}通报", *units, "流动红旗及季度先进单位（50000元）", "杭重指安〔2025〕第128号",
              "一票否决：取消本期及本年度评先评优资格", "取消本期及本年度评先评优资格"])


def _card(i: int) -> NS:
    return NS(code=f"K7Q{i}M2XP", pin=f"{400000 + i * 7919 % 99999:06d}", valid_from=date(2025, 5, 18),
              valid_until=date(2025, 5, 22), judge=NS(display_name=NAMES[i % len(NAMES)] + "（裁判长助理）"))


def test_judge_login_cards_keep_the_contest_title_beside_the_qr_code(app):
    cards = [_card(i) for i in range(10)]
    pdf = cards_pdf(NS(name=CONTEST), cards, "https://contest.example.org/")
    per_page = {1: 8, 2: 2}
    qr = {p: [(l, H - t, r, H - b) for l, b, r, t in (card_qr_box(i) for i in range(n))] for p, n in per_page.items()}
    inside = {p: [(x, H - y - CARD_H, x + CARD_W, H - y) for x, y in (card_origin(i) for i in range(n))]
              for p, n in per_page.items()}
    expected = {1: [CONTEST, "裁判登录卡", *(c.judge.display_name for c in cards[:8]), "K7Q0-M2XP"],
                2: [CONTEST, cards[9].judge.display_name, cards[9].pin]}
    _ok(pdf, expected, inside=inside, obstacles=qr)


def test_draw_sheet_and_score_sheets_fit(app):
    contest = NS(name=CONTEST)
    event = NS(name=EVENT)
    draw = NS(seed="7f3a9c2e5b1d4680a9e7c3b5d1f2e4a6", method="seeded", levels=2,
              drawn_at=datetime(2025, 5, 20, 7, 30, tzinfo=timezone.utc))
    rows = [{"workstation": i + 1, "number": f"{ID_LIKE[:-2]}{i:02d}", "name": NAMES[i % len(NAMES)],
             "unit": UNIT if i % 2 else UNIT2, "code": f"A{i:03d}", "code2": f"B-{i:04d}"} for i in range(36)]
    pdf = draw_sheet_pdf(contest, event, draw, rows)
    _ok(pdf, [f"{EVENT} 抽签记录表", CONTEST, UNIT, UNIT2, *NAMES, "二次加密号", "B-0035",
              "记录人（签字）：____________________"])

    criteria = [NS(id=k, code=f"M{k}", name=name, kind_label="主观评分", max=Decimal(m)) for k, (name, m) in enumerate([
        ("焊缝外观质量（咬边、气孔、夹渣）", "20"), ("射线探伤内部质量", "30"), ("安全文明生产与工位整理", "10"),
        ("工艺纪律", "10"), ("尺寸精度及形位公差", "15"), ("时间", "15")], 1)]
    sheets = [{"code": f"A{i:03d}", "signature": f"{i:02d}9f8e7d6c5b4a3928171605f4e3d2c1b0a", "status_label": "已提交",
               "submitted_at": datetime(2025, 5, 20, 9, i, tzinfo=timezone.utc),
               "marks": {c.id: f"{c.max - Decimal('0.25') * (i % 4)}" for c in criteria}, "total": f"{Decimal('97.50') - i}"}
              for i in range(12)]
    judge = NS(display_name="诸葛明玥堃")
    rnd = NS(name="实际操作（模块A：机械装配与电气接线）", event=event)
    pdf = score_sheets_pdf(contest, rnd, judge, criteria, sheets)
    _ok(pdf, [CONTEST, "焊缝外观质量（咬边、气孔、夹渣）", "安全文明生产与工位整理", "M6=时间（主观评分，满分 15）",
              "A011:119f8e7d6c5b", "2025-05-20 17:11"])


def test_craftsman_naming_list_fits(app):
    summary = ("从事焊接工作二十六年，主持完成国家重点工程钢结构焊接技术攻关十二项，获国家发明专利三项，"
               "带徒四十二人，其中九人获评省级技术能手。")
    rows = [[str(i + 1), NAMES[i % len(NAMES)], UNIT if i % 2 else UNIT2, "焊工（高级技师）、特种设备焊接作业人员", summary]
            for i in range(12)]
    pdf = naming_list_pdf(CONTEST, CRAFTSMAN_TITLE, "publicity", rows, period="2025-04-21 至 2025-04-25",
                          number="QTGJ2025/CRAFT/P1")
    _ok(pdf, [f"{CONTEST}拟命名人选公示", CRAFTSMAN_TITLE, UNIT, UNIT2, summary, "焊工（高级技师）、特种设备焊接作业人员",
              *NAMES])


def test_the_checks_catch_text_that_does_not_fit():
    """The checks above can fail: a cut string, text across a cell's border, two words on top of each other, a word
    off the page and one over a QR code are each reported."""
    font = load_fonts().primary("hei").name
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, initialFontName=font)
    c.setLineWidth(0.5)
    c.rect(50, 700, 60, 20)
    c.rect(110, 700, 60, 20)
    c.setFont(font, 10)
    c.drawString(53, 706, UNIT[:13])  # ~130 pt in a 60 pt cell, cut short of the whole unit
    c.drawString(50, 600, NAMES[0])
    c.drawString(60, 603, NAMES[1])
    c.drawString(W - 20, 500, TITLES)
    c.drawString(300, 400, "扫码登录")
    c.showPage()
    c.save()
    problems = "\n".join(fit_problems(buf.getvalue(), [UNIT], obstacles={1: [(290, H - 410, 350, H - 390)]}))
    assert f"「{UNIT}」 is not there whole" in problems
    assert re.search(r"a vertical line at x=1(09|10)\.\d pt runs through 「" + UNIT[:13], problems)
    assert f"「{NAMES[0]}」" in problems and "overlaps" in problems
    assert "leaves the page" in problems
    assert "「扫码登录」" in problems and "runs over" in problems
