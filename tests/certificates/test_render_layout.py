"""Certificate layouts as data: validation with paths, templates, built-ins, field boxes."""
import copy
import json

import pytest

from contestapp.certificates.fonts import load_fonts
from contestapp.certificates.layout import (
    LayoutError,
    builtin_layout,
    builtin_layout_names,
    load_layout,
    parse_layout,
    parse_template,
    seal_conflicts,
    validate_layout,
)
from contestapp.certificates.render import MM, layout_text, render_preview
from tests.certificates.test_render import pdftotext

MINIMAL = {
    "name": "t",
    "page": {"size": "A4", "orientation": "landscape"},
    "fields": [
        {"text": "荣誉证书", "x": 148.5, "y": 40, "size": 40, "align": "center"},
        {"field": "name", "x": 40, "y": 80, "size": 24, "max_width": 100},
        {"text": "{name} 同志：", "id": "salute", "x": 40, "y": 90, "size": 24},
    ],
    "qr": {"x": 30, "y": 150, "size": 24},
}


def doc(**changes):
    d = copy.deepcopy(MINIMAL)
    d.update(changes)
    return d


def test_builtin_layouts_are_valid_and_described():
    names = builtin_layout_names()
    assert {"award", "craftsman", "title", "honour"} <= set(names)
    for n in names:
        lay = builtin_layout(n)
        assert lay.frame is not None and lay.qr is not None and lay.serial is not None
        assert "name" in lay.placeholders and "serial" in lay.placeholders
        assert any(i.kind == "seal" for i in lay.images)
        assert validate_layout(lay.to_dict()) == []
    assert builtin_layout("award").page.width_mm == 297 and builtin_layout("craftsman").page.height_mm == 297


def test_minimal_layout_parses_with_defaults():
    lay = parse_layout(MINIMAL)
    heading, name, salute = lay.fields
    assert heading.preprinted and not name.preprinted and not salute.preprinted
    assert name.id == "name" and name.placeholders == ("name",)
    assert salute.fill({"name": "张三"}) == "张三 同志："
    assert name.font == "kai" and name.color == "#000000" and name.align == "left"
    assert lay.page.size == "A4" and (lay.page.width_mm, lay.page.height_mm) == (297, 210)


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["fields"][2].update(size=0), "fields[2].size: must be > 0"),
        (lambda d: d["fields"][1].update(size=-3), "fields[1].size: must be > 0"),
        (lambda d: d["fields"][1].update(color="red"), "fields[1].color: must be a hex colour"),
        (lambda d: d["fields"][1].update(align="middle"), "fields[1].align: must be one of left, center, right, justify"),
        (lambda d: d["fields"][1].update(font="song"), "fields[1].font: must be one of kai, hei"),
        (lambda d: d["fields"][1].update(wrap=True, max_width=None), "fields[1].max_width: required when wrap is true"),
        (lambda d: d["fields"][1].update(min_size=30), "fields[1].min_size: must be <= size (24)"),
        (lambda d: d["fields"][1].update(max_width=400), "fields[1].max_width: must be <= 297"),
        (lambda d: d["fields"][1].update(x=280, max_width=50), "fields[1].max_width: box 280–330 mm is outside the page"),
        (lambda d: d["fields"][0].update(text="{name!r}"), "fields[0].text: placeholder"),
        (lambda d: d["fields"][0].update(text="{name"), "fields[0].text: bad template"),
        (lambda d: d["fields"][1].pop("x"), "fields[1].x: required"),
        (lambda d: d["fields"][1].update(colour="#fff"), "fields[1].colour: unknown key"),
        (lambda d: d["fields"][1].update(text="x"), "fields[1]: give either 'field' or 'text', not both"),
        (lambda d: d["fields"][2].update(id="name"), "fields[2].id: duplicate id 'name'"),
        (lambda d: d["fields"][1].update(max_lines=0), "fields[1].max_lines: must be a whole number >= 1"),
        (lambda d: d.update(fields=[]), "fields: must be a non-empty list"),
        (lambda d: d.update(page={"size": "Letter"}), "page.size: must be one of"),
        (lambda d: d.update(page={"size": "custom", "width_mm": 200}), "page.height_mm: required"),
        (lambda d: d.update(qr={"x": 280, "y": 150, "size": 24}), "qr: box (280,150)+(24×24) mm extends beyond the page"),
        (lambda d: d.update(qr={"x": 30, "y": 150, "size": 8}), "qr.size: must be >= 12 mm"),
        (lambda d: d.update(images=[{"kind": "seal", "x": 10, "y": 10, "width": 0, "height": 10}]),
         "images[0].width: must be > 0"),
        (lambda d: d.update(frame={"margin": "9"}), "frame.margin: must be a number"),
        (lambda d: d.update(serial={"x": 30, "y": 180, "font": "hei", "size": True}), "serial.size: must be a number"),
        (lambda d: d.update(sample={"name": 3}), "sample: must be an object of strings"),
    ],
)
def test_validation_errors_have_paths(mutate, expected):
    d = doc()
    mutate(d)
    errors = validate_layout(d)
    assert any(e.startswith(expected) for e in errors), errors
    with pytest.raises(LayoutError) as exc:
        parse_layout(d)
    assert expected in str(exc.value)


def test_all_errors_reported_at_once():
    d = doc()
    d["fields"][0]["size"] = 0
    d["fields"][1]["color"] = "#12"
    d["page"] = {"size": "A4", "orientation": "sideways"}
    errors = validate_layout(d)
    assert len(errors) == 3, errors


def test_template_parsing():
    parts, names, err = parse_template("{name}同志在{contest}{event}中荣获{award}，特发此证。")
    assert err is None and names == ("name", "contest", "event", "award")
    parts, names, err = parse_template("{{字面}} {name}")
    assert err is None and names == ("name",)
    assert "".join(p for p, _ in parts) == "{字面} "


def test_load_layout_from_file_resolves_relative_images(tmp_path):
    d = doc(background={"src": "bg.png"})
    p = tmp_path / "my.json"
    p.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    lay = load_layout(str(p))
    assert lay.resolve(lay.background) == str(tmp_path / "bg.png")
    p.write_text("{ not json", encoding="utf-8")
    with pytest.raises(LayoutError, match="invalid JSON at line 1"):
        load_layout(str(p))
    with pytest.raises(LayoutError, match="no built-in layout"):
        builtin_layout("../etc/passwd")


@pytest.mark.parametrize("layout_name", ["award", "craftsman", "title", "honour"])
def test_builtin_fields_fit_their_boxes_with_long_values(layout_name):
    lay = builtin_layout(layout_name)
    fonts = load_fonts()
    values = {p: "中华人民共和国浙江省杭州市钱塘区某某建设集团有限公司第三分公司" * 2 for p in lay.placeholders}
    H = lay.page.height_mm * MM
    for f in lay.text_fields:
        text = f.fill(values)
        lines = layout_text(f, text, fonts, H)
        if not f.max_width:
            continue
        left, _, width, _ = f.box()
        for ln in lines:
            w = fonts.width(ln.text, f.font, ln.size) * ln.hscale + ln.char_space * ln.hscale * (len(ln.text) - 1)
            assert ln.x >= left * MM - 0.01, (f.id, ln)
            assert ln.x + w <= (left + width) * MM + 0.5, (f.id, ln, w)
            assert ln.size >= f.min_size - 1e-9
        if f.max_lines:
            assert len(lines) <= f.max_lines


@pytest.mark.parametrize("layout_name", ["award", "craftsman", "title", "honour"])
def test_builtin_layouts_have_a_seal_area_no_text_overlaps(layout_name):
    lay = builtin_layout(layout_name)
    seals = [i for i in lay.images if i.kind == "seal"]
    assert len(seals) == 1 and seals[0].mark == "盖章处" and seals[0].width >= 38 and seals[0].height >= 38
    assert seal_conflicts(lay) == []


def test_text_or_qr_on_the_seal_area_is_refused_by_the_editor_but_a_stored_layout_still_prints():
    d = builtin_layout("award").to_dict()
    seal = next(i for i in d["images"] if i["kind"] == "seal")
    seal["x"] = 160  # onto the issuer and the date
    errors = validate_layout(d)
    assert any(e.startswith("fields[4]: 文字「issuer」的区域") and "与盖章处「seal」" in e and "重叠" in e for e in errors), errors
    assert any(e.startswith("fields[5]: 文字「date」") for e in errors), errors
    assert parse_layout(d).images[0].x == 160  # what is already stored keeps printing
    d = builtin_layout("award").to_dict()
    d["qr"].update(x=220, y=140)
    assert any(e.startswith("qr: 二维码的区域") for e in validate_layout(d))


def test_seal_area_mark_in_full_mode_only_and_can_be_switched_off():
    assert "盖章处" in pdftotext(render_preview("award"))
    assert "盖章处" not in pdftotext(render_preview("award", mode="overlay"))
    d = builtin_layout("award").to_dict()
    d["images"][0]["mark"] = None
    lay = parse_layout(d)
    assert lay.images[0].mark is None and "盖章处" not in pdftotext(render_preview(lay))
    d["images"][0]["mark"] = 5
    assert any(e.startswith("images[0].mark: must be a string") for e in validate_layout(d))
