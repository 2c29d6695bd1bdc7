"""CJK font lookup, fallback chains and glyph checks (needs fonts-arphic-ukai and fonts-wqy-zenhei,
installed in CI by .ci/run: these tests fail, never skip, when they are missing)."""
import os

import pytest

from contestapp.certificates.fonts import (
    FontError,
    MissingGlyphError,
    load_font,
    load_fonts,
    parse_font_spec,
)

UKAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"
ZENHEI = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def _require_fonts():
    missing = [p for p in (UKAI, ZENHEI) if not os.path.isfile(p)]
    if missing:
        pytest.fail(f"CJK fonts missing ({', '.join(missing)}): apt-get install fonts-arphic-ukai fonts-wqy-zenhei")


def test_parse_font_spec():
    assert parse_font_spec("/usr/share/fonts/a.ttc:2") == ("/usr/share/fonts/a.ttc", 2)
    assert parse_font_spec("/usr/share/fonts/a.ttf") == ("/usr/share/fonts/a.ttf", 0)
    assert parse_font_spec("C:/Windows/Fonts/simsun.ttc:1") == ("C:/Windows/Fonts/simsun.ttc", 1)
    assert parse_font_spec("C:/Windows/Fonts/simkai.ttf") == ("C:/Windows/Fonts/simkai.ttf", 0)
    assert parse_font_spec(" relative.ttf ") == ("relative.ttf", 0)


def test_default_chains_prefer_kai_then_hei():
    _require_fonts()
    fs = load_fonts()
    assert fs.primary("kai").path == UKAI
    assert fs.primary("hei").path == ZENHEI
    assert [f.path for f in fs.chain("kai")][:2] == [UKAI, ZENHEI]
    assert [f.path for f in fs.chain("hei")][:2] == [ZENHEI, UKAI]


def test_rare_name_characters_coverage():
    """Which rare given-name characters each font has (reported to the lead)."""
    _require_fonts()
    ukai, zenhei = load_font(UKAI, 0), load_font(ZENHEI, 0)
    for ch in "堃喆昇赟玥":
        assert ukai.has(ch) and zenhei.has(ch), ch
    assert not ukai.has("峣") and zenhei.has("峣")  # fallback case
    assert not ukai.has("𠮷") and not zenhei.has("𠮷")  # U+20BB7 (plane 2): in neither


def test_fallback_runs_and_missing():
    _require_fonts()
    fs = load_fonts()
    runs = fs.runs("王峣同志", "kai")
    assert [(f.path, s) for f, s in runs] == [(UKAI, "王"), (ZENHEI, "峣"), (UKAI, "同志")]
    assert fs.missing("王峣同志", "kai") == []
    assert fs.missing("张𠮷𠮷", "kai") == ["𠮷"]
    assert fs.width("王峣", "kai", 10) == pytest.approx(20.0)


def test_missing_glyph_message_names_person_and_character():
    err = MissingGlyphError("张𠮷", "name", ["𠮷"])
    assert str(err).startswith("证书无法生成：张𠮷 的姓名中「𠮷」在字体中不存在")
    assert "U+20BB7" in str(err)
    assert err.person == "张𠮷" and err.chars == ["𠮷"]


def test_configured_font_comes_first():
    _require_fonts()
    fs = load_fonts(configured=f"{ZENHEI}:0")
    assert fs.primary("kai").path == ZENHEI
    assert fs.chain("kai")[1].path == UKAI


def test_configured_font_that_cannot_load_is_an_error(tmp_path):
    with pytest.raises(FontError) as exc:
        load_fonts(configured=str(tmp_path / "nope.ttf"))
    assert "字体文件不存在" in str(exc.value)
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"not a font at all" * 10)
    with pytest.raises(FontError) as exc:
        load_fonts(configured=str(bad))
    assert "字体无法嵌入" in str(exc.value)


def test_no_font_found_says_what_to_install(tmp_path):
    with pytest.raises(FontError) as exc:
        load_fonts(candidates={"kai": [(str(tmp_path / "x.ttf"), 0)], "hei": []})
    assert "fonts-arphic-ukai" in str(exc.value) and "CONTESTAPP_CERT_FONT" in str(exc.value)
