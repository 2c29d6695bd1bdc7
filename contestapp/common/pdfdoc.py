"""Flowing A4 documents for the app's lists and forms: headings, paragraphs, tables over as many pages as needed,
signature lines, boxes at fixed places (login cards), a footer with the page number on every page.

Everything is set by the one text-fitting rule of ``contestapp.common.pdftext`` in a font set with embedded
TrueType CJK fonts (``contestapp.certificates.fonts``), the canvas starting in that font so that no base-14
Helvetica is ever referenced.  Table columns take their widths from their content: each gets at least what its
longest unbreakable piece and a short name (six characters) need at the minimum size; columns whose content fits
on one line under a common cap get their full width (the cap is the largest that fits the page), and the columns
that still wrap share the rest in proportion to their one-line widths, so that their rows need about as many lines
each.  A cell that is still too narrow shrinks, then wraps, and its row grows; a row never splits across pages and
the header row repeats on every page.

This module imports neither Flask nor SQLAlchemy.
"""
from __future__ import annotations

import io
from typing import Callable, Sequence

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from contestapp.common.pdftext import Fit, PlacedLine, TextWriter, fit_text, longest_unbreakable, place

__all__ = ["MM", "BLACK", "GREY", "PdfDoc", "column_widths"]

MM = 72.0 / 25.4
BLACK = (0.0, 0.0, 0.0)
GREY = (0.35, 0.35, 0.35)
SHORT_EMS = 6  # a column always gets room for this many characters at the minimum size (names, short titles)


def column_widths(fonts, role: str, header: Sequence[str], rows: Sequence[Sequence[str]], available: float,
                  size: float, min_size: float, pad: float) -> list[float]:
    """Widths (pt) summing to ``available`` for the columns of ``header`` and ``rows`` (see the module doc)."""
    n = len(header)
    natural = [0.0] * n
    least = [0.0] * n
    for row in [header, *rows]:
        for i in range(n):
            text = str(row[i]) if i < len(row) and row[i] is not None else ""
            if not text:
                continue
            one = max(fonts.width(line, role) for line in text.split("\n"))
            natural[i] = max(natural[i], one * size)
            need = min(one, SHORT_EMS)
            if one > SHORT_EMS:
                need = max(need, longest_unbreakable(fonts, role, text))
            least[i] = max(least[i], need * min_size)
    natural = [w + 2 * pad for w in natural]
    least = [min(w + 2 * pad, nat) for w, nat in zip(least, natural)]
    if sum(natural) <= available:  # everything on one line: share the spare width in proportion
        total = sum(natural) or 1.0
        return [w + (available - total) * w / total for w in natural]
    if sum(least) > available:
        total = sum(least)
        return [w * available / total for w in least]

    def widths(cap: float) -> list[float]:
        return [max(lw, min(nat, cap)) for lw, nat in zip(least, natural)]

    lo, hi = 0.0, max(natural)  # the cap above which columns wrap: short columns keep one line, long ones share
    for _ in range(40):
        mid = (lo + hi) / 2
        if sum(widths(mid)) <= available:
            lo = mid
        else:
            hi = mid
    out = widths(lo)
    # the columns that wrap share what the others leave, in proportion to their one-line widths
    wrapped = [i for i, (w, nat) in enumerate(zip(out, natural)) if w < nat - 1e-6]
    while wrapped:
        room = available - sum(w for i, w in enumerate(out) if i not in wrapped)
        total = sum(natural[i] for i in wrapped)
        share = {i: room * natural[i] / total for i in wrapped}
        short = [i for i in wrapped if share[i] < least[i]]
        if not short:
            for i in wrapped:
                out[i] = share[i]
            break
        for i in short:
            out[i] = least[i]
        wrapped = [i for i in wrapped if i not in short]
    spare = available - sum(out)
    if spare > 1e-6:
        out = [w + spare * w / sum(out) for w in out]
    return out


class PdfDoc:
    """One PDF drawn top to bottom.  ``y`` is the top of the free space on the current page (PDF points, y up).

    ``head(doc)`` is called at the top of every page (a repeated title); ``footer`` is printed at the bottom left
    of every page, the page number at the bottom right.
    """

    def __init__(self, fonts, title: str, *, role: str = "hei", pagesize=A4, margin: float = 15 * MM,
                 footer: str = "", head: Callable[["PdfDoc"], None] | None = None, page_numbers: bool = True):
        self.fonts = fonts
        self.role = role
        self.buf = io.BytesIO()
        self.W, self.H = pagesize
        self.c = Canvas(self.buf, pagesize=pagesize, pageCompression=1, initialFontName=fonts.primary(role).name,
                        initialFontSize=10)
        self.c.setTitle(title)
        self.c.setAuthor("contestapp")
        self.c.setCreator("contestapp")
        self.left = margin
        self.width = self.W - 2 * margin
        self.top = self.H - margin
        self.bottom = margin + (8 * MM if footer or page_numbers else 0)
        self.footer = footer
        self.page_numbers = page_numbers
        self.head = head
        self.page = 1
        self.continued = False
        chain = fonts.chain(role)
        self.ascent = max(f.ascent for f in chain)
        self.descent = max(f.descent for f in chain)
        self.y = self.top
        self.fresh = False
        if head:
            head(self)
        self.fresh = True

    # ------------------------------------------------------------ pages
    def _footer(self) -> None:
        size = 8.0
        right = ("（续下页）  " if self.continued else "") + (f"第 {self.page} 页" if self.page_numbers else "")
        rw = self.fonts.width(right, self.role, size) if right else 0.0
        base = self.bottom - 8 * MM + 2.5 * MM
        tw = TextWriter(self.c, self.fonts)
        if right:
            tw.lines(place(self.fit(right, rw + 1, size), self.left + self.width - rw - 1, rw + 1, base, "right"),
                     self.role, GREY)
        if self.footer:
            avail = self.width - rw - 6 * MM
            fit = self.fit(self.footer, avail, size, 6.0, max_lines=1)
            tw.lines(place(fit, self.left, avail, base, "left"), self.role, GREY)
        self.c.drawText(tw.t)

    def new_page(self) -> None:
        self._footer()
        self.c.showPage()
        self.page += 1
        self.continued = False
        self.y = self.top
        if self.head:
            self.head(self)
        self.fresh = True

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` pt fit above the bottom margin (or the page has nothing yet)."""
        if self.y - height < self.bottom and not self.fresh:
            self.continued = True
            self.new_page()

    def finish(self) -> bytes:
        self._footer()
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()

    # ------------------------------------------------------------ text
    def fit(self, text: str, width: float, size: float, min_size: float | None = None, **kw) -> Fit:
        return fit_text(self.fonts, self.role, text, width, size, min_size, **kw)

    def line_box(self, fit: Fit) -> float:
        """Height of ``fit`` from the top of its first line to the bottom of its last."""
        return (self.ascent + self.descent) * fit.size + (len(fit.lines) - 1) * fit.leading

    def draw(self, fit: Fit, left: float, width: float, top: float, align: str = "left",
             rgb: tuple[float, float, float] = BLACK) -> float:
        """Draw ``fit`` with the top of its first line at ``top``; returns the bottom of its last line."""
        tw = TextWriter(self.c, self.fonts)
        tw.lines(place(fit, left, width, top - self.ascent * fit.size, align), self.role, rgb)
        self.c.drawText(tw.t)
        return top - self.line_box(fit)

    def box(self, text: str, left: float, top: float, width: float, size: float, min_size: float | None = None, *,
            max_lines: int | None = None, align: str = "left", leading: float = 1.25,
            rgb: tuple[float, float, float] = BLACK) -> float:
        """Text in a box at a fixed place (not the flow); returns the bottom of its last line."""
        fit = self.fit(text, width, size, min_size, max_lines=max_lines, leading=leading)
        return self.draw(fit, left, width, top, align, rgb)

    def text(self, text: str, size: float = 10.5, min_size: float | None = None, *, align: str = "left",
             paragraph: bool = True, leading: float = 1.4, indent: float = 0.0, before: float = 0.0,
             after: float = 0.0, rgb: tuple[float, float, float] = BLACK) -> None:
        """A block of text in the flow, across the page width; lines that do not fit continue on the next page."""
        self.y -= before
        fit = self.fit(text, self.width, size, min_size, leading=leading, indent=indent, paragraph=paragraph)
        tw = TextWriter(self.c, self.fonts)
        baseline = None
        for ln in place(fit, self.left, self.width, 0.0, align):
            nb = self.y - self.ascent * fit.size if baseline is None else baseline - fit.leading
            if nb - self.descent * fit.size < self.bottom and not self.fresh:
                self.c.drawText(tw.t)
                self.continued = True
                self.new_page()
                tw = TextWriter(self.c, self.fonts)
                nb = self.y - self.ascent * fit.size
            tw.line(PlacedLine(ln.x, nb, ln.size, ln.hscale, ln.char_space, ln.text), self.role, rgb)
            baseline = nb
            self.fresh = False
        self.c.drawText(tw.t)
        if baseline is not None:
            self.y = baseline - self.descent * fit.size
        self.y -= after

    def heading(self, text: str, size: float = 16, *, before: float = 0.0, after: float = 4.0,
                align: str = "center") -> None:
        """A title: shrinks to 3/4 of its size, then wraps."""
        self.text(text, size, size * 0.75, align=align, paragraph=False, leading=1.25, before=before, after=after)

    def space(self, height: float) -> None:
        self.y -= height

    # ------------------------------------------------------------ tables
    def table(self, header: Sequence[str], rows: Sequence[Sequence], *, size: float = 9.5, min_size: float = 8.0,
              aligns: Sequence[str] | None = None, pad: float = 3.0, header_fill: tuple[float, float, float] | None
              = (0.93, 0.93, 0.93), grid: tuple[float, float, float] = (0.45, 0.45, 0.45),
              leading: float = 1.25) -> None:
        """A table across the page width, header repeated on every page, rows growing to fit their cells."""
        cells = [["" if v is None else str(v) for v in row] for row in rows]
        header = [str(h) for h in header]
        widths = column_widths(self.fonts, self.role, header, cells, self.width, size, min_size, pad)
        aligns = list(aligns or ["left"] * len(header))
        vpad = 0.22 * size + 1.5

        def fitted(row: Sequence[str]) -> tuple[list[Fit], float]:
            fits = [self.fit(row[i] if i < len(row) else "", widths[i] - 2 * pad, size, min_size, leading=leading)
                    for i in range(len(header))]
            return fits, max(self.line_box(f) for f in fits) + 2 * vpad

        def draw_row(fits: list[Fit], height: float, fill) -> None:
            c = self.c
            top = self.y
            x = self.left
            c.saveState()
            c.setLineWidth(0.5)
            c.setStrokeColorRGB(*grid)
            if fill:
                c.setFillColorRGB(*fill)
            for w in widths:
                c.rect(x, top - height, w, height, stroke=1, fill=1 if fill else 0)
                x += w
            c.restoreState()
            tw = TextWriter(c, self.fonts)
            x = self.left
            for fit, w, align in zip(fits, widths, aligns):
                inner = self.line_box(fit)
                first_top = top - (height - inner) / 2
                tw.lines(place(fit, x + pad, w - 2 * pad, first_top - self.ascent * fit.size, align), self.role)
                x += w
            c.drawText(tw.t)
            self.y = top - height
            self.fresh = False

        head_fits, head_h = fitted(header)

        def draw_header() -> None:
            draw_row(head_fits, head_h, header_fill)

        self.ensure(head_h + (fitted(cells[0])[1] if cells else 0))
        draw_header()
        for row in cells:
            fits, height = fitted(row)
            if self.y - height < self.bottom and not self.fresh:
                self.continued = True
                self.new_page()
                draw_header()
            draw_row(fits, height, None)
