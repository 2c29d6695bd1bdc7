"""The one text-fitting rule (contestapp.common.pdftext) and content-sized table columns (contestapp.common.pdfdoc),
measured with the real embedded fonts."""
import random

import pytest

from contestapp.certificates.fonts import load_fonts
from contestapp.common.pdfdoc import column_widths
from contestapp.common.pdftext import NO_LINE_END, NO_LINE_START, fit_text, place

UNIT = "中国建筑第八工程局有限公司浙江分公司杭州地铁三号线土建施工总承包项目经理部"
BODY = "在2025年浙江省“匠心杯”职工职业技能大赛（决赛阶段）智能制造设备安装与调试项目中成绩优异，荣获一等奖。"


@pytest.fixture(scope="module")
def fonts():
    return load_fonts()


def width(fonts, text, size):
    return fonts.width(text, "hei", size)


def test_text_that_fits_keeps_its_size_and_one_line(fonts):
    fit = fit_text(fonts, "hei", "欧阳晓堃", 100, 10, 8)
    assert fit.size == 10 and [ln.text for ln in fit.lines] == ["欧阳晓堃"] and fit.hscale == 1


def test_a_little_too_long_shrinks_before_it_wraps(fonts):
    text = "浙江省技术能手"
    fit = fit_text(fonts, "hei", text, width(fonts, text, 10) * 0.9, 10, 8)
    assert len(fit.lines) == 1 and 8 <= fit.size < 10 and fit.size % 0.5 == 0
    assert fit.lines[0].width <= width(fonts, text, 10) * 0.9


def test_too_long_for_the_minimum_wraps_between_chinese_characters_and_the_row_grows(fonts):
    fit = fit_text(fonts, "hei", UNIT, 120, 10, 8)
    assert len(fit.lines) > 1 and "".join(ln.text for ln in fit.lines) == UNIT
    assert all(ln.width <= 120 + 1e-6 for ln in fit.lines) and fit.hscale == 1
    fewest = len(fit_text(fonts, "hei", UNIT, 120, 8, 8).lines)
    assert len(fit.lines) == fewest and fit.size >= 8  # as few lines as the minimum size allows, as large as that
    assert fit.height == fit.size + (len(fit.lines) - 1) * fit.leading


def test_latin_wraps_at_spaces_and_a_word_longer_than_a_line_between_letters(fonts):
    text = "Certificate verified at https://cert.example.org/v/ZJ2025-JN-000128 by the organiser"
    fit = fit_text(fonts, "hei", text, 90, 10, 8)
    lines = [ln.text for ln in fit.lines]
    assert " ".join(lines).replace(" ", "") == text.replace(" ", "")
    assert text.startswith(lines[0] + " ") and lines[1].startswith(("at", "https"))  # broken at a space
    assert not any(ln.startswith(" ") or ln.endswith(" ") for ln in lines)
    assert any("https://" in ln for ln in lines) and all(ln.width <= 90 + 1e-6 for ln in fit.lines)


@pytest.mark.parametrize("w", [40, 55, 70, 95, 130])
def test_closing_marks_never_start_a_line_nor_opening_ones_end_it(fonts, w):
    fit = fit_text(fonts, "hei", BODY, w, 10, 8)
    for ln in fit.lines[1:]:
        assert ln.text[0] not in NO_LINE_START, [x.text for x in fit.lines]
    for ln in fit.lines[:-1]:
        assert ln.text[-1] not in NO_LINE_END, [x.text for x in fit.lines]
    assert "".join(ln.text for ln in fit.lines) == BODY
    assert "2025" in "|".join(ln.text for ln in fit.lines)  # a number is never split when it fits a line


def test_a_paragraph_wraps_at_its_size_and_shrinks_only_to_keep_within_max_lines(fonts):
    para = fit_text(fonts, "kai", BODY, 300, 20, 12, max_lines=3, paragraph=True, indent=2)
    assert para.size < 20 and len(para.lines) <= 3
    loose = fit_text(fonts, "kai", BODY, 300, 14, 12, paragraph=True)
    assert loose.size == 14 and len(loose.lines) > 1  # no line limit: wraps, keeps its size
    assert para.indent == pytest.approx(2 * para.size * para.hscale)


def test_a_box_that_cannot_grow_condenses_rather_than_overflow(fonts):
    one = fit_text(fonts, "kai", UNIT, 120, 12, 10, max_lines=1)
    assert len(one.lines) == 1 and one.size == 10 and one.hscale < 1 and one.lines[0].width <= 120
    two = fit_text(fonts, "kai", UNIT * 2, 120, 12, 10, max_lines=2)
    assert len(two.lines) <= 2 and two.hscale < 1 and all(ln.width <= 120 + 1e-6 for ln in two.lines)
    narrow = fit_text(fonts, "hei", "堃", 3, 10, 8)  # one character wider than its box
    assert narrow.lines[0].width <= 3 + 1e-6


def test_any_text_in_any_box_stays_inside_and_loses_nothing(fonts):
    rng = random.Random(20250520)
    alphabet = "中国建筑第八工程局有限公司堃喆赟，。、（）“”ABC xyz 0123456789-"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))).strip() or "中"
        w = rng.uniform(8, 300)
        kw = rng.choice([{}, {"max_lines": rng.randint(1, 4)}, {"paragraph": True}, {"paragraph": True, "max_lines": 2}])
        fit = fit_text(fonts, "hei", text, w, 10, 7, **kw)
        assert all(ln.width <= w + 1e-6 for ln in fit.lines), (text, w, kw, fit)
        assert "".join(ln.text for ln in fit.lines).replace(" ", "") == text.replace(" ", ""), (text, w, kw)
        if kw.get("max_lines"):
            assert len(fit.lines) <= kw["max_lines"]
        assert fit.size >= 7


@pytest.mark.parametrize("align", ["left", "center", "right", "justify"])
def test_placed_lines_stay_in_their_box(fonts, align):
    fit = fit_text(fonts, "kai", BODY, 200, 12, 9, paragraph=True, indent=2)
    for ln in place(fit, 50, 200, 700, align):
        n = len(ln.text)
        drawn = (fonts.width(ln.text, "kai", ln.size) + ln.char_space * (n - 1)) * ln.hscale
        assert ln.x >= 50 - 1e-6 and ln.x + drawn <= 250 + 0.01, (align, ln)


def test_columns_take_their_widths_from_their_content(fonts):
    header = ["名次", "姓名", "单位", "总成绩", "称号"]
    rows = [["1", "欧阳晓堃", UNIT, "98.765", "浙江省技术能手、浙江省青年岗位能手、推荐浙江省五一劳动奖章"],
            ["2", "王赟", "国网杭州供电公司", "97.5", ""]]
    w = column_widths(fonts, "hei", header, rows, 500, 9.5, 8, 3)
    assert sum(w) == pytest.approx(500)
    for i in (0, 1, 3):  # short columns keep their text on one line at the nominal size
        longest = max(width(fonts, r[i], 9.5) for r in [header, *rows])
        assert w[i] >= longest + 6 - 1e-6
    assert w[2] > w[1] and w[4] > w[1]
    few = column_widths(fonts, "hei", header, rows[1:], 500, 9.5, 8, 3)
    assert sum(few) == pytest.approx(500)  # all fits: the spare width is shared
