"""One rule for fitting text into a box or a table cell, used by every PDF the app draws.

The rule, in this order:

1. the text is set on one line at its nominal size when it fits;
2. otherwise it shrinks, in 0.5 pt steps, down to the box's readable minimum size (``min_size``);
3. otherwise it wraps onto more lines, as few as the minimum size allows, at the largest size that keeps that
   number of lines; the row or box grows.  Chinese wraps between any two characters (never a closing mark such as
   ，。）” at the start of a line nor an opening one such as （“ at its end), Latin words and numbers at spaces (a
   word longer than a whole line is broken between letters);
4. only a box that cannot grow (``max_lines``) and is still too small condenses the text horizontally.

Text is never cut and never leaves its box.  A *paragraph* (a certificate's body text) is wrapped text by nature:
it wraps at its nominal size first and shrinks only when it needs more than ``max_lines`` lines.

Widths come from a font set (``contestapp.certificates.fonts.FontSet``: ``width``, ``char_widths`` and ``runs``
over a fallback chain of embedded TrueType fonts); this module imports neither Flask nor SQLAlchemy.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Protocol, Sequence

__all__ = [
    "STEP",
    "NO_LINE_START",
    "NO_LINE_END",
    "FitLine",
    "Fit",
    "PlacedLine",
    "TextWriter",
    "fit_text",
    "place",
    "wrap",
    "longest_unbreakable",
]

STEP = 0.5  # pt: sizes tried when shrinking
NO_LINE_START = frozenset("，。、；：？！）」』》〉】〕］｝〗〙”’…—·,.;:?!)]}%％")
NO_LINE_END = frozenset("（「『《〈【〔［｛〖〘“‘([{")


class Measure(Protocol):  # what the rule needs from a font set
    def width(self, text: str, role: str, size: float = 1.0) -> float: ...

    def char_widths(self, text: str, role: str) -> list[float]: ...


@dataclass(frozen=True)
class FitLine:
    text: str
    width: float  # pt as drawn (size, character spacing and horizontal scale applied)
    first: bool  # first line of a paragraph (carries the indent)
    last: bool  # last line of a paragraph (never justified)


@dataclass(frozen=True)
class Fit:
    lines: tuple[FitLine, ...]
    size: float
    hscale: float  # 1.0 = 100 %
    char_space: float  # pt, before horizontal scaling (PDF Tc)
    leading: float  # pt from one baseline to the next
    indent: float  # pt, first line of each paragraph

    @property
    def height(self) -> float:
        """From the top of the first line's em box to the bottom of the last one's."""
        return self.size + (len(self.lines) - 1) * self.leading

    @property
    def width(self) -> float:
        return max((ln.width + (self.indent if ln.first else 0.0) for ln in self.lines), default=0.0)


@dataclass(frozen=True)
class PlacedLine:
    x: float  # pt, left end of the line
    y: float  # pt, baseline (PDF coordinates, y up)
    size: float
    hscale: float
    char_space: float
    text: str


# ---------------------------------------------------------------- breaking
def _cjk(ch: str) -> bool:
    """A character that may break from its neighbours (CJK ideographs, kana, CJK and full-width punctuation)."""
    return ord(ch) >= 0x2E80


def _atoms(para: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_space) pieces of a paragraph that are never split unless a piece is longer than a line:
    one CJK character, one Latin word or number, or a run of spaces; closing punctuation is glued to the piece
    before it and opening punctuation to the piece after it."""
    raw: list[list] = []
    i, n = 0, len(para)
    while i < n:
        ch = para[i]
        if ch == " ":
            j = i
            while j < n and para[j] == " ":
                j += 1
            raw.append([i, j, True])
        elif _cjk(ch) or ch in NO_LINE_START or ch in NO_LINE_END:
            j = i + 1
            raw.append([i, j, False])
        else:
            j = i
            while j < n and para[j] != " " and not _cjk(para[j]) and para[j] not in NO_LINE_START \
                    and para[j] not in NO_LINE_END:
                j += 1
            raw.append([i, j, False])
        i = j
    out: list[list] = []
    glue_next = False
    for a in raw:
        s, e, space = a
        if not space and out and not out[-1][2] and (glue_next or para[s] in NO_LINE_START):
            out[-1][1] = e  # closing mark to the piece before / piece after an opening mark
        else:
            out.append(a)
        glue_next = not space and para[e - 1] in NO_LINE_END
    return [(s, e, sp) for s, e, sp in out]


def wrap(text: str, widths: Sequence[float], limit: float, cs: float = 0.0, indent: float = 0.0
         ) -> list[tuple[str, float, bool, bool]]:
    """Greedy line breaking of ``text`` (paragraphs split at ``\\n``).  ``widths``: per character at 1 pt
    (``\\n`` counts 0); ``limit``, ``cs`` (extra advance after each character) and ``indent`` (first line of each
    paragraph) in the same 1-pt units.  Returns (line, width, first, last) tuples; trailing spaces are dropped."""
    out: list[tuple[str, float, bool, bool]] = []
    pos = 0
    for para in text.split("\n"):
        pw = widths[pos:pos + len(para)]
        pos += len(para) + 1
        lines: list[tuple[int, int, float]] = []
        start = end = -1  # current line's first and end index
        lw = 0.0
        lim = limit - indent
        pending = -1  # start of spaces waiting for the next word

        def seg(s: int, e: int) -> float:
            return sum(pw[s:e]) + cs * (e - s)

        for s, e, space in _atoms(para):
            if space:
                if start >= 0 and pending < 0:
                    pending = s
                continue
            if start >= 0:
                add = seg(pending if pending >= 0 else s, e)  # the spaces before the piece go with it
                if lw + add - cs <= lim + 1e-9:
                    end, lw, pending = e, lw + add, -1
                    continue
                lines.append((start, end, lw))
                lim = limit
            pending = -1
            while seg(s, e) - cs > lim + 1e-9 and e - s > 1:  # longer than a line: split between characters
                k, w = s, 0.0
                while k < e and (k == s or w + pw[k] <= lim + 1e-9):
                    w += pw[k] + cs
                    k += 1
                lines.append((s, k, w))
                lim = limit
                s = k
            start, end, lw = s, e, seg(s, e)
        if start >= 0:
            lines.append((start, end, lw))
        if not lines:
            out.append(("", 0.0, True, True))
            continue
        for k, (s, e, w) in enumerate(lines):
            out.append((para[s:e], max(w - cs, 0.0), k == 0, k == len(lines) - 1))
    return out


def longest_unbreakable(fonts: Measure, role: str, text: str) -> float:
    """Width at 1 pt of the widest piece of ``text`` that the rule never splits (a CJK character with its
    punctuation, a Latin word, a number)."""
    widths = fonts.char_widths(text.replace("\n", ""), role)
    best = 0.0
    pos = 0
    for para in text.split("\n"):
        pw = widths[pos:pos + len(para)]
        pos += len(para)
        for s, e, space in _atoms(para):
            if not space:
                best = max(best, sum(pw[s:e]))
    return best


# ---------------------------------------------------------------- fitting
def _sizes(size: float, min_size: float) -> list[float]:
    out = [size]
    s = math.floor(size / STEP) * STEP
    if s >= size - 1e-9:
        s -= STEP
    while s > min_size + 1e-9:
        out.append(round(s, 2))
        s -= STEP
    if min_size < size:
        out.append(min_size)
    return out


def _full_widths(fonts: Measure, role: str, text: str) -> list[float]:
    widths = iter(fonts.char_widths(text.replace("\n", ""), role))
    return [0.0 if ch == "\n" else next(widths) for ch in text]


@functools.lru_cache(maxsize=8192)  # the same texts recur on every page and in every row (issuer, date, body, units)
def fit_text(fonts: Measure, role: str, text: str, width: float, size: float, min_size: float | None = None, *,
             max_lines: int | None = None, leading: float = 1.25, char_space: float = 0.0, indent: float = 0.0,
             paragraph: bool = False) -> Fit:
    """Fit ``text`` into a box ``width`` pt wide by the rule above (the result is immutable and cached).

    ``size``: nominal font size; ``min_size``: the smallest readable size (default ``size``); ``max_lines``: the
    box cannot grow beyond this many lines (None: it grows); ``leading``: baseline distance as a multiple of the
    size; ``char_space``: extra advance after each character at the nominal size (scales with the size);
    ``indent``: first-line indent of each paragraph in ems; ``paragraph``: wrap before shrinking.
    """
    min_size = min(min_size or size, size)
    if max_lines == 1 and ("\n" in text or "\r" in text or "\t" in text):
        text = " ".join(text.split())
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    cs_u = char_space / size if size else 0.0
    width = max(width, 1e-6)

    cache: list[list[float]] = []

    def lines_at(s: float, h: float = 1.0):
        if not cache:
            cache.append(_full_widths(fonts, role, text))
        return wrap(text, cache[0], width / (s * h), cs_u, indent)

    if not paragraph and "\n" not in text:
        n = len(text)
        one = fonts.width(text, role) + cs_u * max(n - 1, 0) + indent
        if one * size <= width + 1e-6:
            return _make(text, one - indent, size, 1.0, cs_u, leading, indent)
        if one > 0:
            s = math.floor(width / one / STEP) * STEP
            if s >= min_size - 1e-9:
                return _make(text, one - indent, s, 1.0, cs_u, leading, indent)
            if max_lines == 1 and min_size * one > width:  # cannot grow: condense
                h = width / (one * min_size) * 0.998
                return _make(text, one - indent, min_size, h, cs_u, leading, indent)
    sizes = _sizes(size, min_size)
    chosen = None
    if paragraph:
        for s in sizes:
            ls = lines_at(s)
            if max_lines is None or len(ls) <= max_lines:
                chosen = (s, ls)
                break
    else:
        fewest = lines_at(min_size)
        if max_lines is None or len(fewest) <= max_lines:
            for s in sizes:
                ls = fewest if s == min_size else lines_at(s)
                if len(ls) <= len(fewest):
                    chosen = (s, ls)
                    break
    if chosen is None:  # a box that cannot grow: condense at the minimum size
        lo, hi = 0.05, 1.0
        for _ in range(24):
            mid = (lo + hi) / 2
            if len(lines_at(min_size, mid)) <= (max_lines or 1):
                lo = mid
            else:
                hi = mid
        h = lo * 0.998
        return _fit(lines_at(min_size, h), min_size, h, cs_u, leading, indent, width)
    s, ls = chosen
    return _fit(ls, s, 1.0, cs_u, leading, indent, width)


def _make(text: str, units: float, size: float, hscale: float, cs_u: float, leading: float, indent: float) -> Fit:
    return Fit((FitLine(text, units * size * hscale, True, True),), size, hscale, cs_u * size, leading * size,
               indent * size * hscale)


def _fit(lines, size: float, hscale: float, cs_u: float, leading: float, indent: float, width: float) -> Fit:
    widest = max((w + (indent if first else 0.0)) * size * hscale for _, w, first, _ in lines)
    if widest > width + 1e-6:  # one character wider than the box: condense rather than overflow
        hscale *= width / widest * 0.998
    return Fit(tuple(FitLine(t, w * size * hscale, first, last) for t, w, first, last in lines), size, hscale,
               cs_u * size, leading * size, indent * size * hscale)


# ---------------------------------------------------------------- placing and drawing
def place(fit: Fit, left: float, width: float, baseline: float, align: str = "left") -> list[PlacedLine]:
    """Lines of ``fit`` in a box from ``left`` (pt) ``width`` pt wide, the first baseline at ``baseline`` (PDF
    coordinates, y up).  ``align``: left, center, right or justify (every line but a paragraph's last)."""
    out: list[PlacedLine] = []
    for k, ln in enumerate(fit.lines):
        indent = fit.indent if ln.first else 0.0
        cs = fit.char_space
        n = len(ln.text)
        if align == "justify" and not ln.last and n > 1:
            cs += (width - indent - ln.width) / (n - 1) / fit.hscale
            x = left + indent
        elif align == "center":
            x = left + (width - ln.width - indent) / 2 + indent
        elif align == "right":
            x = left + width - ln.width
        else:
            x = left + indent
        out.append(PlacedLine(x, baseline - k * fit.leading, fit.size, fit.hscale, cs, ln.text))
    return out


class TextWriter:
    """Writes placed lines into one reportlab text object in the fonts of a fallback chain, skipping redundant
    state operators.  ``canvas.drawText(writer.t)`` puts it on the page."""

    def __init__(self, canv, fonts):
        self.t = canv.beginText()
        self.fonts = fonts
        self.font = None
        self.size = None
        self.hscale = 1.0
        self.cs = 0.0
        self.rgb = None

    def line(self, ln: PlacedLine, role: str, rgb: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> None:
        t = self.t
        if rgb != self.rgb:
            t.setFillColorRGB(*rgb)
            self.rgb = rgb
        if abs(ln.hscale - self.hscale) > 1e-6:
            t.setHorizScale(ln.hscale * 100.0)
            self.hscale = ln.hscale
        if abs(ln.char_space - self.cs) > 1e-6:
            t.setCharSpace(ln.char_space)
            self.cs = ln.char_space
        t.setTextOrigin(ln.x, ln.y)
        for font, run in self.fonts.runs(ln.text, role):
            if font.name != self.font or ln.size != self.size:
                t.setFont(font.name, ln.size)
                self.font, self.size = font.name, ln.size
            t.textOut(run)

    def lines(self, placed: Sequence[PlacedLine], role: str, rgb: tuple[float, float, float] = (0.0, 0.0, 0.0)
              ) -> None:
        for ln in placed:
            self.line(ln, role, rgb)
