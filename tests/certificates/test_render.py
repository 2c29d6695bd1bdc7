"""Render real certificates and check them with poppler-utils (pdffonts, pdftotext, pdftoppm).

poppler-utils and the CJK fonts are installed in CI by .ci/run; when missing these tests FAIL with
a message saying what to install (they never skip)."""
import io
import re

import pytest

from contestapp.certificates.calibration import render_calibration
from contestapp.certificates.fonts import MissingGlyphError, load_fonts
from contestapp.certificates.layout import builtin_layout, builtin_layout_names, parse_layout
from contestapp.certificates.render import (
    MM,
    CertificateData,
    CertificateDataError,
    layout_text,
    render_batch,
    render_one,
    render_preview,
    sample_record,
)
from tests.pdf_checks import run as _run, tool as _tool

DPI = 72  # 1 px = 0.3528 mm


# ---------------------------------------------------------------- poppler helpers
def pdffonts(pdf: bytes) -> list[dict]:
    out = _run([_tool("pdffonts"), "-"], pdf).decode()
    rows = []
    for line in out.splitlines()[2:]:
        m = re.match(r"^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line)
        assert m, f"unexpected pdffonts line: {line!r}"
        rows.append({"name": m.group(1), "type": m.group(2), "emb": m.group(4), "sub": m.group(5), "uni": m.group(6)})
    return rows


def pdftotext(pdf: bytes, page: int | None = None) -> str:
    args = [_tool("pdftotext"), "-layout"]
    if page:
        args += ["-f", str(page), "-l", str(page)]
    return _run(args + ["-", "-"], pdf).decode()


def pdfpages(pdf: bytes) -> int:
    out = _run([_tool("pdfinfo"), "-"], pdf).decode()
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


class Gray:
    """A page rendered by ``pdftoppm -gray`` (PGM, parsed without PIL)."""

    def __init__(self, pdf: bytes, page: int = 1, dpi: int = DPI):
        raw = _run([_tool("pdftoppm"), "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), "-"], pdf)
        m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", raw)
        assert m, "pdftoppm did not return a PGM image"
        self.w, self.h = int(m.group(1)), int(m.group(2))
        self.px = raw[m.end():]
        self.dpi = dpi

    def mm(self, v: float) -> float:
        return v / 25.4 * self.dpi

    def ink_bbox(self, region_mm=None, threshold: int = 160):
        """(x0, y0, x1, y1) in px of pixels darker than ``threshold`` inside region (mm), or None."""
        if region_mm is None:
            x0, y0, x1, y1 = 0, 0, self.w, self.h
        else:
            l, t, r, b = region_mm
            x0, y0 = max(0, int(self.mm(l))), max(0, int(self.mm(t)))
            x1, y1 = min(self.w, int(self.mm(r)) + 1), min(self.h, int(self.mm(b)) + 1)
        bx0 = by0 = 10**9
        bx1 = by1 = -1
        px, w = self.px, self.w
        for y in range(y0, y1):
            row = px[y * w + x0 : y * w + x1]
            if min(row, default=255) >= threshold:
                continue
            xs = [i for i, v in enumerate(row) if v < threshold]
            bx0, bx1 = min(bx0, x0 + xs[0]), max(bx1, x0 + xs[-1])
            by0, by1 = min(by0, y), max(by1, y)
        return None if bx1 < 0 else (bx0, by0, bx1, by1)


# ---------------------------------------------------------------- data
def rec(i: int = 1, **fields) -> CertificateData:
    base = {
        "name": "李晓堃",
        "unit": "杭州市钱塘区建设集团有限公司",
        "contest": "2025年杭州市职工职业技能大赛",
        "event": "焊工项目",
        "award": "一等奖",
        "title": "钱塘工匠",
        "issuer": "杭州市总工会",
        "date": "二〇二五年五月一日",
    }
    base.update(fields)
    serial = f"HZ2025-{i:06d}"
    return CertificateData(serial=serial, verify_url=f"https://cert.example.org/v/{serial}?k=3f9a",
                           fields=base, person=base["name"])


def assert_fonts_embedded(pdf: bytes) -> list[dict]:
    fonts = pdffonts(pdf)
    assert fonts, "no fonts in the PDF"
    for f in fonts:
        assert f["emb"] == "yes" and f["sub"] == "yes" and f["uni"] == "yes", f
        assert "Helvetica" not in f["name"] and "STSong" not in f["name"], f
        assert f["type"] == "TrueType", f
    return fonts


# ---------------------------------------------------------------- tests
@pytest.mark.parametrize("name", ["award", "craftsman", "title", "honour"])
def test_builtin_layouts_render_with_embedded_cjk_fonts(name):
    assert name in builtin_layout_names()
    r = rec(1, name="赵喆", unit="宁波舟山港股份有限公司北仑第三集装箱码头分公司")
    pdf = render_one(name, r)
    fonts = assert_fonts_embedded(pdf)
    assert any("UKai" in f["name"] for f in fonts)
    text = pdftotext(pdf)
    assert "赵喆" in text
    assert "荣" in text and "HZ2025-000001" in text
    if "unit" in builtin_layout(name).placeholders:
        assert "宁波舟山港股份有限公司北仑第三集装箱码头分公司" in text.replace(" ", "")


def test_batch_one_page_per_record_text_and_single_font_embedding(tmp_path):
    records = [rec(i, name=n, unit=u) for i, (n, u) in enumerate(
        [("王昇", "国网浙江省电力有限公司"), ("陈赟", "中铁十一局集团第五工程有限公司"), ("刘玥", "浙江交工集团")] * 10, 1)]
    out = tmp_path / "batch.pdf"
    result = render_batch("award", records, out)
    pdf = out.read_bytes()
    assert result.pages == 30 and result.bytes == len(pdf)
    assert pdfpages(pdf) == 30
    assert "陈赟" in pdftotext(pdf, page=2) and "中铁十一局集团第五工程有限公司" in pdftotext(pdf, page=2)
    assert "刘玥" in pdftotext(pdf, page=30)
    fonts = assert_fonts_embedded(pdf)
    names = [f["name"] for f in fonts]
    assert len(names) == len(set(names)), "a font subset is embedded more than once"
    assert len(pdf) / 30 < 8 * 1024  # font subset shared across pages


def test_fallback_font_for_character_missing_in_kai():
    pdf = render_one("award", rec(name="王峣"))  # 峣 is not in UKai: drawn in WenQuanYi Zen Hei
    fonts = assert_fonts_embedded(pdf)
    assert any("WenQuanYi" in f["name"] for f in fonts) and any("UKai" in f["name"] for f in fonts)
    assert "王峣" in pdftotext(pdf)


def test_missing_glyph_stops_whole_batch_before_writing(tmp_path):
    out = tmp_path / "never.pdf"
    records = [rec(1, name="李四"), rec(2, name="张𠮷"), rec(3, name="王五")]
    with pytest.raises(MissingGlyphError) as exc:
        render_batch("award", records, out)
    assert str(exc.value).startswith("证书无法生成：张𠮷 的姓名中「𠮷」在字体中不存在")
    assert exc.value.person == "张𠮷"
    assert not out.exists()
    buf = io.BytesIO()
    with pytest.raises(MissingGlyphError, match="单位"):
        render_batch("award", [rec(1, unit="𠮷祥公司")], buf)
    assert buf.getvalue() == b""


def test_missing_required_value_is_an_error_optional_is_skipped():
    fields = dict(rec().fields)
    del fields["award"]
    bad = CertificateData("S1", "https://x/v/S1", fields, "李晓堃")
    with pytest.raises(CertificateDataError, match="李晓堃.*award"):
        render_one("award", bad)
    fields = dict(rec().fields, award="二等奖", unit="")
    pdf = render_one("award", CertificateData("S2", "https://x/v/S2", fields, "李晓堃"))
    assert "工作单位" not in pdftotext(pdf)


def _box_layout(**field):
    f = {"id": "name", "field": "name", "x": 50, "y": 60, "size": 36, "min_size": 12, "max_width": 40}
    f.update(field)
    return parse_layout({"name": "box", "page": {"size": "A5", "orientation": "landscape"}, "fields": [f]})


@pytest.mark.parametrize("name", ["李", "欧阳娜娜", "爱新觉罗·启星之女欧阳娜娜娜娜娜娜", "X" * 80])
@pytest.mark.parametrize("align", ["left", "center", "right"])
def test_long_text_shrinks_into_its_box(name, align):
    x = {"left": 50, "center": 70, "right": 90}[align]
    lay = _box_layout(x=x, align=align)
    g = Gray(render_one(lay, rec(name=name)))
    bbox = g.ink_bbox()
    assert bbox, "nothing drawn"
    tol = 1.5  # px
    assert bbox[0] >= g.mm(50) - tol and bbox[2] <= g.mm(90) + tol, (bbox, g.mm(50), g.mm(90))
    assert bbox[3] <= g.mm(60 + 36 * 0.3528 * 0.25) + tol  # descenders
    assert bbox[1] >= g.mm(60 - 36 * 0.3528) - tol
    if len(name) == 1:  # short text keeps its nominal size
        assert bbox[3] - bbox[1] > g.mm(36 * 0.3528 * 0.6)


def test_wrapped_body_shrinks_to_max_lines_and_stays_in_box():
    lay = parse_layout({
        "name": "wrap", "page": {"size": "A4", "orientation": "landscape"},
        "fields": [{"id": "body", "text": "在{contest}{event}中成绩优异，荣获{award}。\n特发此证，以资鼓励。",
                    "x": 40, "y": 100, "size": 20, "min_size": 10, "max_width": 120, "wrap": True,
                    "align": "justify", "indent": 2, "line_height": 1.6, "max_lines": 3}]})
    long = rec(contest="2025年浙江省“匠心杯”职工职业技能大赛暨全国行业职业技能竞赛选拔赛（决赛阶段）",
               event="智能制造设备安装与调试项目（双人组）")
    fonts = load_fonts()
    lines = layout_text(lay.fields[0], lay.fields[0].fill(long.values()), fonts, lay.page.height_mm * MM)
    assert len(lines) <= 3 and lines[0].size < 20
    assert "".join(l.text for l in lines).replace("\n", "") == lay.fields[0].fill(long.values()).replace("\n", "")
    assert not lines[1].text.startswith(("，", "。")) and not lines[2].text.startswith(("，", "。"))
    g = Gray(render_one(lay, long))
    bbox = g.ink_bbox()
    assert bbox[0] >= g.mm(40) - 1.5 and bbox[2] <= g.mm(160) + 1.5, bbox
    text = pdftotext(render_one(lay, long)).replace(" ", "").replace("\n", "")
    assert "智能制造设备安装与调试项目" in text


def _elements(layout):
    """(name, region in mm) of what overlay mode prints: variable fields, the serial, the QR."""
    out = []
    for f in layout.text_fields:
        if f.preprinted:
            continue
        left, top, w, h = f.box()
        out.append((f.id, (left - 1, top - 1, left + w + 1, top + h + 1)))
    q = layout.qr
    out.append(("qr", (q.x - 1, q.y - 1, q.x + q.size + 1, q.y + q.size + 1)))
    return out


def test_overlay_moves_every_field_by_the_offset_and_omits_preprinted():
    layout = builtin_layout("award")
    r = rec()
    full = Gray(render_one(layout, r, mode="full"))
    base = Gray(render_one(layout, r, mode="overlay"))
    dx, dy = 10.0, 5.0
    moved = Gray(render_one(layout, r, mode="overlay", offset=(dx, dy)))
    # frame (at 9 mm from the edge) and heading are printed in full mode only
    assert full.ink_bbox((0, 0, 20, 210)) is not None
    assert base.ink_bbox((0, 0, 20, 210)) is None and base.ink_bbox((0, 0, 297, 25)) is None
    heading = (90, 25, 207, 62)
    assert full.ink_bbox(heading) is not None and base.ink_bbox(heading) is None
    for name, (l, t, rr, b) in _elements(layout):
        a = base.ink_bbox((l, t, rr, b))
        m = moved.ink_bbox((l + dx, t + dy, rr + dx, b + dy))
        assert a is not None and m is not None, name
        for k, d in ((0, dx), (1, dy), (2, dx), (3, dy)):
            assert abs((m[k] - a[k]) - base.mm(d)) <= 2.0, (name, a, m)  # 10 mm = 28.3 px


def seal_png(tmp_path):
    """A red ring standing in for an organiser's seal image."""
    from PIL import Image, ImageDraw

    seal = tmp_path / "seal.png"
    im = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(im).ellipse((5, 5, 195, 195), outline=(200, 0, 0, 255), width=12)
    im.save(seal)
    return seal


def test_seal_image_in_full_mode_only(tmp_path):
    seal = seal_png(tmp_path)
    layout = builtin_layout("award")
    s = next(i for i in layout.images if i.kind == "seal")
    region = (s.x, s.y, s.x + s.width, s.y + s.height)
    r = rec(issuer="总工会", date="2025")
    full = Gray(render_one(layout, r, images={"seal": str(seal)}))
    over = Gray(render_one(layout, r, mode="overlay", images={"seal": str(seal)}))
    ring = (s.x, s.y + s.height / 2 - 2, s.x + 3, s.y + s.height / 2 + 2)  # left edge of the ring
    assert full.ink_bbox(ring) is not None and over.ink_bbox(ring) is None
    assert full.ink_bbox(region) is not None


def test_calibration_page_renders_rulers_crosshairs_and_boxes():
    pdf = render_calibration("award", offset=(1.5, -2))
    assert_fonts_embedded(pdf)
    text = pdftotext(pdf)
    assert "校准页" in text and "(20, 20) mm" in text and "dx=1.5" in text
    for f in builtin_layout("award").text_fields:
        assert f.id in text
    g = Gray(pdf)
    # crosshair at (20, 20) mm shifted by the offset
    assert g.ink_bbox((21.5 - 0.4, 18 - 4, 21.5 + 0.4, 18 + 4)) is not None


def test_preview_uses_sample_values():
    pdf = render_preview("craftsman")
    text = pdftotext(pdf)
    assert "钱塘工匠" in text and "SAMPLE-000001" in text
    s = sample_record("honour")
    assert s.fields["award"] == "先进集体" and "serial" not in s.fields


def test_bad_mode_and_offset_are_rejected():
    with pytest.raises(ValueError, match="mode"):
        render_one("award", rec(), mode="draft")
    with pytest.raises(ValueError, match="offset"):
        render_one("award", rec(), mode="overlay", offset=(80, 0))


def test_engine_imports_neither_flask_nor_sqlalchemy():
    import ast
    import pathlib

    import contestapp.certificates.render as render_mod

    pkg = pathlib.Path(render_mod.__file__).parent
    for name in ("__init__.py", "fonts.py", "layout.py", "layout_checks.py", "render.py", "calibration.py", "qr.py",
                 "../common/pdftext.py", "../common/pdfdoc.py"):
        tree = ast.parse((pkg / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods = [node.module]
            for m in mods:
                assert m.split(".")[0] not in ("flask", "sqlalchemy", "flask_sqlalchemy"), (name, m)
