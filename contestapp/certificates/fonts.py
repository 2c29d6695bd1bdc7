"""CJK fonts for certificates: embedded TrueType subsets with a fallback chain.

reportlab embeds TrueType outlines only (glyf tables): Debian's ``fonts-arphic-ukai`` (楷体) and
``fonts-wqy-zenhei`` (黑体) work, Noto CJK (CFF outlines) does not.  The built-in CID font
``STSong-Light`` is never used: it is not embedded, so a printer or an archive may substitute it.

Lookup order for every font role (``kai`` for body text, ``hei`` for serial numbers and labels):

1. the configured font file, if any (the app passes ``CONTESTAPP_CERT_FONT``, ``path`` or
   ``path:index`` for a .ttc collection); a configured file that cannot be loaded is an error;
2. known system locations (Debian, then Windows, then macOS), the role's preferred style first.

A role is a *chain* of fonts: a character missing from the first font is drawn in the next font
that has it.  A character in no font of the chain raises :class:`MissingGlyphError` (before any
page is written, see ``render.py``).

This module needs neither a Flask application nor SQLAlchemy (its errors' messages are contestapp.i18n
Messages: Chinese as strings, shown in the reader's language by the pages).
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from contestapp.i18n import N_, Message, said

__all__ = [
    "FontError",
    "MissingGlyphError",
    "CertFont",
    "FontSet",
    "ROLES",
    "KAI_CANDIDATES",
    "HEI_CANDIDATES",
    "parse_font_spec",
    "load_font",
    "load_fonts",
]

ROLES = ("kai", "hei")

INSTALL_HINT = Message(N_(
    "请安装可嵌入的中文 TrueType 字体：Debian/Ubuntu 执行 "
    "apt-get install fonts-arphic-ukai fonts-wqy-zenhei；"
    "或设置 CONTESTAPP_CERT_FONT=字体文件路径[:序号]（须为 TrueType 轮廓，如 simkai.ttf；"
    "Noto/思源 CFF 字体不可用）"
))

# (path, subfont index).  Only TrueType-outline fonts: reportlab cannot embed CFF (OpenType/PS).
_DEBIAN_KAI = [
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),  # fonts-arphic-ukai: AR PL UKai CN
    ("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf", 0),  # fonts-arphic-gkai00mp
]
_DEBIAN_HEI = [
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
]
_DEBIAN_SONG = [
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
]
_WINDOWS_KAI = [("C:/Windows/Fonts/simkai.ttf", 0), ("C:/Windows/Fonts/STKAITI.TTF", 0)]
_WINDOWS_HEI = [("C:/Windows/Fonts/simhei.ttf", 0), ("C:/Windows/Fonts/msyh.ttc", 0)]
_WINDOWS_SONG = [("C:/Windows/Fonts/simsun.ttc", 0), ("C:/Windows/Fonts/simfang.ttf", 0)]
_MACOS = [
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
    ("/System/Library/Fonts/Supplemental/Arial Unicode.ttf", 0),
]

KAI_CANDIDATES: list[tuple[str, int]] = (
    _DEBIAN_KAI + _WINDOWS_KAI + _DEBIAN_HEI + _DEBIAN_SONG + _WINDOWS_SONG + _WINDOWS_HEI + _MACOS
)
HEI_CANDIDATES: list[tuple[str, int]] = (
    _DEBIAN_HEI + _WINDOWS_HEI + _DEBIAN_KAI + _DEBIAN_SONG + _WINDOWS_KAI + _WINDOWS_SONG + _MACOS
)
_CANDIDATES = {"kai": KAI_CANDIDATES, "hei": HEI_CANDIDATES}


class FontError(RuntimeError):
    """No usable CJK TrueType font (message in Chinese, says what to install)."""


NO_FONT = Message(N_("未找到可嵌入的中文 TrueType 字体。%(hint)s"), hint=INSTALL_HINT)


class MissingGlyphError(ValueError):
    """A character of a certificate field is in no font of the chain. `person` is a name (shown as it is) or a
    Message (e.g. the layout, when the character is in one of its fixed texts); `label` (an N_ text or a Message)
    names what holds the character when it is not one of FIELD_LABELS."""

    def __init__(self, person: str, field_name: str, chars: Sequence[str], label: str | None = None):
        self.person = person
        self.field_name = field_name
        self.chars = list(chars)
        shown = "".join(f"「{c}」" for c in self.chars)
        codes = ", ".join(f"U+{ord(c):04X}" for c in self.chars)
        what = said(label) if label else said(FIELD_LABELS[field_name]) if field_name in FIELD_LABELS \
            else Message(N_("「%(field)s」字段"), field=field_name)
        super().__init__(Message(
            N_("证书无法生成：%(person)s 的%(what)s中%(chars)s在字体中不存在（%(codes)s）；"
               "请配置包含该字的 TrueType 字体（CONTESTAPP_CERT_FONT）或更正数据"),
            person=person, what=what, chars=shown, codes=codes))


FIELD_LABELS = {
    "name": N_("姓名"),
    "unit": N_("单位"),
    "award": N_("奖项"),
    "title": N_("称号"),
    "contest": N_("竞赛名称"),
    "event": N_("项目名称"),
    "issuer": N_("发证单位"),
    "date": N_("日期"),
    "serial": N_("证书编号"),
}

# Characters that never need a glyph (line breaks are handled by the layout, not drawn).
_IGNORED = {"\n", "\r", "\t"}


@dataclass(eq=False)
class CertFont:
    """One loaded TrueType font registered with reportlab under ``name``."""

    name: str
    path: str
    index: int
    ttfont: TTFont = field(repr=False)
    cmap: dict = field(repr=False)
    ascent: float  # per 1 pt of size
    descent: float  # positive, per 1 pt
    family: str = ""

    def has(self, ch: str) -> bool:
        return self.cmap.get(ord(ch), 0) != 0

    def widths(self, text: str) -> float:
        """Advance width of ``text`` at 1 pt."""
        return self.ttfont.stringWidth(text, 1.0)


_cache: dict[tuple[str, int], CertFont] = {}
_lock = threading.Lock()


def parse_font_spec(spec: str) -> tuple[str, int]:
    """``'path'`` or ``'path:index'`` (Windows drive letters are not mistaken for an index)."""
    spec = spec.strip()
    m = re.match(r"^(.*):(\d+)$", spec)
    if m and m.group(1) and not re.match(r"^[A-Za-z]$", m.group(1)):
        return m.group(1), int(m.group(2))
    return spec, 0


def load_font(path: str, index: int = 0) -> CertFont:
    """Load (once per process) a TrueType font and register it with reportlab.

    Raises :class:`FontError` if the file is missing or cannot be embedded.
    """
    key = (os.path.abspath(path), int(index))
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        if not os.path.isfile(path):
            raise FontError(Message(N_("字体文件不存在：%(path)s。%(hint)s"), path=path, hint=INSTALL_HINT))
        stem = re.sub(r"[^A-Za-z0-9]+", "", os.path.splitext(os.path.basename(path))[0]) or "Font"
        name = f"Cert{stem}{index}"
        n = 1
        while name in pdfmetrics.getRegisteredFontNames():  # different path, same stem
            n += 1
            name = f"Cert{stem}{index}v{n}"
        try:
            ttf = TTFont(name, path, subfontIndex=index)
        except (TTFError, OSError, ValueError, KeyError) as exc:
            raise FontError(Message(N_("字体无法嵌入：%(path)s（序号 %(index)s）：%(error)s。%(hint)s"), path=path,
                                    index=index, error=str(exc), hint=INSTALL_HINT)) from exc
        cmap = ttf.face.charToGlyph
        if not any(0x4E00 <= c <= 0x9FFF for c in cmap):
            raise FontError(Message(N_("字体不含中文字形：%(path)s（序号 %(index)s）。%(hint)s"), path=path, index=index,
                                    hint=INSTALL_HINT))
        pdfmetrics.registerFont(ttf)
        upm = 1000.0  # reportlab scales face metrics to 1000 units per em
        family = ttf.face.name.decode("latin-1") if isinstance(ttf.face.name, bytes) else str(ttf.face.name)
        font = CertFont(
            name=name,
            path=path,
            index=index,
            ttfont=ttf,
            cmap=cmap,
            ascent=ttf.face.ascent / upm,
            descent=abs(ttf.face.descent) / upm,
            family=family,
        )
        _cache[key] = font
        return font


class FontSet:
    """Font chains by role.  ``chains['kai'][0]`` is the primary font of the ``kai`` role."""

    def __init__(self, chains: dict[str, list[CertFont]]):
        if not chains or any(not c for c in chains.values()):
            raise FontError(NO_FONT)
        self.chains = {role: list(chain) for role, chain in chains.items()}
        self._run_cache: dict[tuple[str, str], list[tuple[CertFont, str]]] = {}

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.chains)

    def chain(self, role: str) -> list[CertFont]:
        try:
            return self.chains[role]
        except KeyError:
            raise FontError(Message(N_("未知的字体角色：%(role)s（可用：%(roles)s）"), role=role,
                                    roles=", ".join(self.chains))) from None

    def primary(self, role: str = "kai") -> CertFont:
        return self.chain(role)[0]

    def all_fonts(self) -> list[CertFont]:
        seen: dict[int, CertFont] = {}
        for chain in self.chains.values():
            for f in chain:
                seen.setdefault(id(f), f)
        return list(seen.values())

    def missing(self, text: str, role: str) -> list[str]:
        """Characters of ``text`` that no font of the role's chain has (in order, unique)."""
        chain = self.chain(role)
        out: list[str] = []
        for ch in text:
            if ch in _IGNORED or ch in out:
                continue
            code = ord(ch)
            for f in chain:
                if f.cmap.get(code, 0):
                    break
            else:
                out.append(ch)
        return out

    def runs(self, text: str, role: str) -> list[tuple[CertFont, str]]:
        """Split ``text`` into (font, substring) runs: each char in the first font of the chain
        that has it.  Characters in no font are kept in the primary font's run (callers check
        :meth:`missing` first)."""
        key = (role, text)
        cached = self._run_cache.get(key)
        if cached is not None:
            return cached
        chain = self.chain(role)
        primary = chain[0]
        pcmap = primary.cmap
        if len(chain) == 1 or all(pcmap.get(ord(c), 0) for c in text):
            result = [(primary, text)]
        else:
            result = []
            cur_font: CertFont | None = None
            buf: list[str] = []
            for ch in text:
                code = ord(ch)
                font = primary
                for f in chain:
                    if f.cmap.get(code, 0):
                        font = f
                        break
                if font is not cur_font and buf:
                    result.append((cur_font, "".join(buf)))  # type: ignore[arg-type]
                    buf = []
                cur_font = font
                buf.append(ch)
            if buf:
                result.append((cur_font, "".join(buf)))  # type: ignore[arg-type]
        if len(self._run_cache) < 4096:  # static texts repeat on every page
            self._run_cache[key] = result
        return result

    def width(self, text: str, role: str, size: float = 1.0) -> float:
        """Advance width in points of ``text`` at ``size`` (fallback runs included)."""
        return sum(f.widths(s) for f, s in self.runs(text, role)) * size

    def char_widths(self, text: str, role: str) -> list[float]:
        """Per-character advance widths at 1 pt (for wrapping)."""
        out: list[float] = []
        for f, s in self.runs(text, role):
            face = f.ttfont.face
            default = face.defaultWidth
            gw = face.getCharWidth
            out.extend((gw(ord(c)) if f.cmap.get(ord(c), 0) else default) / 1000.0 for c in s)
        return out

    def describe(self) -> dict[str, list[str]]:
        return {role: [f"{f.family} ({f.path}:{f.index})" for f in chain] for role, chain in self.chains.items()}


_default_lock = threading.Lock()
_default_sets: dict[tuple, FontSet] = {}


def load_fonts(
    configured: str | None = None,
    *,
    candidates: dict[str, Iterable[tuple[str, int]]] | None = None,
    max_chain: int = 3,
) -> FontSet:
    """Build the font chains for every role.

    ``configured``: the app's ``CONTESTAPP_CERT_FONT`` (``path`` or ``path:index``); it becomes the
    first font of every role and must load.  ``candidates`` replaces the system lookup lists (tests).
    Raises :class:`FontError` when a role ends up with no font at all.  The result is cached per
    arguments (loading a CJK font takes ~50 ms).
    """
    key = (configured or "", repr(candidates), max_chain)
    with _default_lock:
        cached = _default_sets.get(key)
        if cached is not None:
            return cached
    first: list[CertFont] = []
    if configured:
        path, index = parse_font_spec(configured)
        first.append(load_font(path, index))
    lists = candidates if candidates is not None else _CANDIDATES
    chains: dict[str, list[CertFont]] = {}
    for role in ROLES:
        chain = list(first)
        for path, index in lists.get(role, ()):  # type: ignore[union-attr]
            if len(chain) >= max_chain:
                break
            if not os.path.isfile(path):
                continue
            try:
                font = load_font(path, index)
            except FontError:
                continue  # an unusable system font is skipped; the configured one is not
            if all(font is not f for f in chain):
                chain.append(font)
        if not chain:
            raise FontError(NO_FONT)
        chains[role] = chain
    fs = FontSet(chains)
    with _default_lock:
        _default_sets[key] = fs
    return fs
