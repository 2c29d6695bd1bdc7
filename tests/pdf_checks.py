"""Poppler checks that a PDF's text fits (imported by tests, not a test module).

`pdftotext -bbox` gives every word's box; `pdftoppm -gray` the page as pixels. `fit_problems` reports, in words:
- a string expected on the page that is not there whole (it may wrap: its pieces follow each other on one line or
  from one line to the line just below, overlapping it horizontally);
- a word outside the page, outside every allowed box, or over an obstacle (a QR code, a seal area);
- two words that overlap;
- a word crossed by a ruled line (a table's grid, a frame): a straight run of dark pixels that passes through the
  word's box and continues beyond it on both sides, which is what text running out of its cell or box looks like.
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest

DPI = 100
DARK = 235  # gray level below which a pixel is ink (thin grey rules included)


def tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} not found: install poppler-utils (apt-get install poppler-utils); .ci/run does")
    return path


def run(args, data: bytes | None = None) -> bytes:
    return subprocess.run(args, input=data, capture_output=True, check=True, timeout=60).stdout


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    def __str__(self) -> str:
        return f"「{self.text}」({self.x0:.1f},{self.y0:.1f})–({self.x1:.1f},{self.y1:.1f})"


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word]


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>', re.S)


def pages(pdf: bytes) -> list[Page]:
    """Every page with its words (points, origin at the top left as poppler gives them)."""
    out = run([tool("pdftotext"), "-bbox", "-", "-"], pdf).decode()
    return [Page(i, float(w), float(h), [Word(float(a), float(b), float(c), float(d), html.unescape(t))
                                         for a, b, c, d, t in _WORD.findall(body)])
            for i, (w, h, body) in enumerate(_PAGE.findall(out), 1)]


class Pixels:
    """One page rendered by ``pdftoppm -gray`` at ``DPI`` (PGM parsed without PIL); coordinates in points."""

    def __init__(self, pdf: bytes, page: int):
        raw = run([tool("pdftoppm"), "-gray", "-r", str(DPI), "-f", str(page), "-l", str(page), "-"], pdf)
        m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", raw)
        assert m, "pdftoppm did not return a PGM image"
        self.w, self.h = int(m.group(1)), int(m.group(2))
        self.px = raw[m.end():]
        self.k = DPI / 72.0

    def value(self, x: int, y: int) -> int:
        return self.px[y * self.w + x] if 0 <= x < self.w and 0 <= y < self.h else 255

    def dark(self, x: int, y: int) -> bool:
        return self.value(x, y) < DARK

    def rule(self, x: int, y: int, dx: int, dy: int) -> bool:
        """(x, y) is ink darker than the pixels ``(dx, dy)`` to either side: on a thin line, not on a filled area."""
        v = self.value(x, y)
        return v < DARK and v + 20 <= min(self.value(x - dx, y - dy), self.value(x + dx, y + dy))

    def crossing(self, w: Word, beyond: int = 2, side: int = 6) -> str | None:
        """A ruled line through ``w``: a column (or row) of ink through the whole box and ``beyond`` px past it, thin
        where it leaves the box (a table's grid or a frame, not a shaded header row)."""
        k = self.k
        x0, x1 = int(w.x0 * k) + 2, int(w.x1 * k) - 2
        y0, y1 = int(w.y0 * k) - beyond, int(w.y1 * k) + 1 + beyond
        for x in range(x0, x1 + 1):
            if self.rule(x, y0, side, 0) and self.rule(x, y1, side, 0) and \
                    all(self.dark(x, y) for y in range(y0, y1 + 1)):
                return f"a vertical line at x={x / k:.1f} pt runs through {w}"
        ya, yb = int(w.y0 * k) + 2, int(w.y1 * k) - 2
        xa, xb = int(w.x0 * k) - beyond, int(w.x1 * k) + 1 + beyond
        for y in range(ya, yb + 1):
            if self.rule(xa, y, 0, side) and self.rule(xb, y, 0, side) and \
                    all(self.dark(x, y) for x in range(xa, xb + 1)):
                return f"a horizontal line at y={y / k:.1f} pt runs through {w}"
        return None


def _overlap(a: Word, b: Word, tol: float = 0.3) -> bool:
    return a.x0 < b.x1 - tol and b.x0 < a.x1 - tol and a.y0 < b.y1 - tol and b.y0 < a.y1 - tol


def _inside(w: Word, box: tuple[float, float, float, float], tol: float = 0.6) -> bool:
    l, t, r, b = box
    return w.x0 >= l - tol and w.x1 <= r + tol and w.y0 >= t - tol and w.y1 <= b + tol


def _meets(w: Word, box: tuple[float, float, float, float]) -> bool:
    l, t, r, b = box
    return w.x0 < r and l < w.x1 and w.y0 < b and t < w.y1


def _next_pieces(words: list[Word], w: Word) -> list[Word]:
    """Words that may continue ``w``'s text: the next word on its line, or a word on the line just below that
    overlaps it horizontally (a wrapped line), nearest first."""
    out = []
    for v in words:
        if v is w:
            continue
        same_line = abs(v.y0 - w.y0) < 0.3 * w.h and 0 <= v.x0 - w.x1 < 1.2 * w.h
        below = 0 <= v.y0 - w.y1 + 0.05 * w.h < 0.9 * w.h and v.x0 < w.x1 and w.x0 < v.x1 + w.h
        if same_line or below:
            out.append(v)
    return out


def find_whole(words: list[Word], s: str) -> bool:
    """``s`` (spaces ignored) is on the page whole: in one word, or in words that follow each other."""
    s = s.replace(" ", "")
    for w in words:
        t = w.text.replace(" ", "")
        if s in t:
            return True
        for cut in range(1, min(len(t), len(s)) + 1):  # a suffix of w that begins s
            if s.startswith(t[len(t) - cut:]) and _continues(words, w, s[cut:], 0):
                return True
    return False


def _continues(words: list[Word], w: Word, rest: str, depth: int) -> bool:
    if not rest:
        return True
    if depth > 12:
        return False
    for v in _next_pieces(words, w):
        t = v.text.replace(" ", "")
        if rest.startswith(t) and _continues(words, v, rest[len(t):], depth + 1):
            return True
        if t.startswith(rest):
            return True
    return False


def fit_problems(pdf: bytes, expected: dict[int, list[str]] | list[str] = (), *,
                 inside: dict[int, list[tuple]] | None = None, obstacles: dict[int, list[tuple]] | None = None,
                 ignore: tuple[str, ...] = ()) -> list[str]:
    """Everything wrong with the text of ``pdf`` (an empty list when it fits).

    ``expected``: strings that must appear whole, on any page (a list) or per page number; ``inside``: per page,
    boxes (left, top, right, bottom in points from the top left) one of which must hold each word; ``obstacles``:
    per page, boxes no word may touch; ``ignore``: words left out of the box checks (a seal area's own label).
    """
    problems: list[str] = []
    doc = pages(pdf)
    assert doc, "no pages"
    groups = expected.items() if isinstance(expected, dict) else [(None, list(expected))]
    for n, strings in groups:
        where = doc if n is None else doc[n - 1:n]
        for s in strings:
            if not any(find_whole(p.words, s) for p in where):
                problems.append(f"{'page %s' % n if n else 'the document'}: 「{s}」 is not there whole")
    for page in doc:
        pix = Pixels(pdf, page.number)
        words = page.words
        for w in words:
            where = f"page {page.number}: {w}"
            if w.x0 < -0.5 or w.y0 < -0.5 or w.x1 > page.width + 0.5 or w.y1 > page.height + 0.5:
                problems.append(f"{where} leaves the page")
            if w.text in ignore:
                continue
            boxes = (inside or {}).get(page.number)
            if boxes is not None and not any(_inside(w, b) for b in boxes):
                problems.append(f"{where} is outside its box")
            for b in (obstacles or {}).get(page.number, ()):
                if _meets(w, b):
                    problems.append(f"{where} runs over {tuple(round(v, 1) for v in b)}")
            line = pix.crossing(w)
            if line:
                problems.append(f"page {page.number}: {line}")
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if _overlap(a, b):
                    problems.append(f"page {page.number}: {a} overlaps {b}")
    return problems
