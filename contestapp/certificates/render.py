"""Render certificates to PDF with reportlab: one page per record, one file per batch.

* Text is set in embedded, subset TrueType CJK fonts (see ``fonts.py``) with a fallback chain;
  the canvas starts in our own font, so no non-embedded Helvetica ever appears.  Every field is fitted
  into its box by the app's one text-fitting rule (``contestapp.common.pdftext``).
* A seal image slot without an image is printed as the seal area (盖章处) in ``full`` mode.
* Every character of every record is checked BEFORE the first page is written: one character
  missing from every font stops the whole batch with :class:`MissingGlyphError` naming the person.
* What is the same on every page (frame, background, fixed texts, seal and signature images) is
  drawn once into PDF form XObjects and referenced from each page.
* QR codes are encoded with segno and drawn as one path (``qr.py``).
* ``mode='full'`` prints everything; ``mode='overlay'`` (套打) prints only the variable texts, the
  serial and the QR code onto pre-printed stock.  ``offset=(dx, dy)`` in mm (right, down) shifts
  EVERYTHING on the page: the per-printer calibration (its test page: ``calibration.py``).

This module needs neither a Flask application nor SQLAlchemy.
"""
from __future__ import annotations

import contextlib
import io
import math
import os
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import IO, Callable, Iterable, Mapping, Sequence

from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream
from reportlab.pdfgen.canvas import Canvas

from contestapp.common.pdftext import PlacedLine, TextWriter, fit_text, place
from contestapp.i18n import N_, Message, said

from .fonts import FIELD_LABELS, FontSet, MissingGlyphError, load_fonts
from .layout import ImageSpec, Layout, TextField, builtin_layout, parse_layout, _rgb
from .qr import qr_code, qr_path_ops

__all__ = [
    "CertificateData",
    "CertificateDataError",
    "RenderResult",
    "MODES",
    "SAMPLE_VALUES",
    "check_records",
    "render_batch",
    "render_one",
    "render_preview",
    "sample_record",
]

MM = 72.0 / 25.4
MODES = ("full", "overlay")

# reportlab's TTFont keeps per-document state in the shared font object; one render at a time.
RENDER_LOCK = threading.RLock()

SAMPLE_VALUES = {
    "name": "张三",
    "unit": "某某市建设集团有限公司",
    "award": "一等奖",
    "contest": "2025年某某市职工职业技能大赛",
    "event": "焊工项目",
    "title": "某某工匠",
    "issuer": "某某市总工会",
    "date": "二〇二五年五月一日",
}


class CertificateDataError(ValueError):
    """A record lacks a value the layout needs."""


@dataclass(frozen=True)
class CertificateData:
    """One certificate: ``fields`` fills the layout's placeholders (``{name}``, ``{unit}`` …);
    ``serial`` and ``verify_url`` are also available as ``{serial}`` and ``{verify_url}``;
    ``person`` names the recipient in error messages."""

    serial: str
    verify_url: str
    fields: Mapping[str, str]
    person: str

    def values(self) -> dict[str, str]:
        v = {k: ("" if val is None else str(val)) for k, val in self.fields.items()}
        v.setdefault("serial", self.serial)
        v.setdefault("verify_url", self.verify_url)
        return v


@dataclass
class RenderResult:
    pages: int
    seconds: float
    bytes: int | None = None  # size of the PDF when known (file path or BytesIO)
    fonts: dict = field(default_factory=dict)


def as_layout(layout: Layout | Mapping | str) -> Layout:
    if isinstance(layout, Layout):
        return layout
    if isinstance(layout, str):
        return builtin_layout(layout)
    return parse_layout(layout)


def _fields_for(layout: Layout, mode: str) -> tuple[TextField, ...]:
    """Text fields drawn per page in ``mode`` (pre-printed fixed texts are on the form)."""
    return tuple(f for f in layout.text_fields if not f.preprinted)


def _static_fields(layout: Layout, mode: str) -> tuple[TextField, ...]:
    if mode == "overlay":
        return ()
    return tuple(f for f in layout.text_fields if f.preprinted)


# ---------------------------------------------------------------- checking
def _in_layout(layout: Layout) -> Message:
    """Who a missing glyph of a layout's own text concerns: the layout (its name is shown as it is)."""
    return Message(N_("版式「%(name)s」"), name=layout.label)


def check_records(layout: Layout | Mapping | str, records: Sequence[CertificateData],
                  fonts: FontSet | None = None, mode: str = "full") -> None:
    """Raise before anything is drawn if a record lacks a value or has a character no font has."""
    layout = as_layout(layout)
    fonts = fonts or load_fonts()
    for f in _static_fields(layout, mode):
        missing = fonts.missing(f.template_text, f.font)
        if missing:
            raise MissingGlyphError(_in_layout(layout), f.id, missing,
                                    label=Message(N_("固定文字「%(text)s」"), text=f.template_text))
    if layout.qr is not None and layout.qr.caption and mode == "full":
        missing = fonts.missing(layout.qr.caption, "hei")
        if missing:
            raise MissingGlyphError(_in_layout(layout), "qr", missing, label=N_("二维码说明"))
    for im in layout.images:
        if im.mark and mode == "full":
            missing = fonts.missing(im.mark, "hei")
            if missing:
                raise MissingGlyphError(_in_layout(layout), im.id, missing, label=N_("盖章处说明"))
    drawn = _fields_for(layout, mode)
    roles: dict[str, set[str]] = {}
    optional_only: dict[str, bool] = {}
    for f in drawn:
        for p in f.placeholders:
            roles.setdefault(p, set()).add(f.font)
            optional_only[p] = optional_only.get(p, True) and f.optional
    for rec in records:
        values = rec.values()
        for p, rs in roles.items():
            val = values.get(p)
            if not val:
                if optional_only[p]:
                    continue
                raise CertificateDataError(Message(
                    N_("证书无法生成：%(person)s 缺少%(what)s「%(field)s」（证书编号 %(serial)s）"), person=rec.person,
                    what=said(FIELD_LABELS.get(p, N_("字段"))), field=p, serial=rec.serial))
            for role in rs:
                missing = fonts.missing(val, role)
                if missing:
                    raise MissingGlyphError(rec.person, p, missing)
        if layout.qr is not None and not rec.verify_url:
            raise CertificateDataError(Message(N_("证书无法生成：%(person)s 缺少验证网址（证书编号 %(serial)s）"),
                                               person=rec.person, serial=rec.serial))


# ---------------------------------------------------------------- text layout
def _box_left(tf: TextField, width_pt: float) -> float:
    x = tf.x * MM
    if tf.align == "center":
        return x - width_pt / 2
    if tf.align == "right":
        return x - width_pt
    return x


def layout_text(tf: TextField, text: str, fonts: FontSet, page_h_pt: float) -> list[PlacedLine]:
    """Lines (position, size, scale, spacing) of ``text`` in field ``tf`` by the app's text-fitting rule
    (``contestapp.common.pdftext``): the text never leaves a field with ``max_width``."""
    baseline = page_h_pt - tf.y * MM
    if not tf.max_width:
        fit = fit_text(fonts, tf.font, text, math.inf, tf.size, tf.size, max_lines=1, leading=tf.line_height,
                       char_space=tf.char_space)
        return place(fit, _box_left(tf, fit.width), fit.width, baseline, "left")
    mw = tf.max_width * MM
    fit = fit_text(fonts, tf.font, text, mw, tf.size, tf.min_size, max_lines=tf.max_lines or (None if tf.wrap else 1),
                   leading=tf.line_height, char_space=tf.char_space, indent=tf.indent, paragraph=tf.wrap)
    return place(fit, _box_left(tf, mw), mw, baseline, tf.align)


# ---------------------------------------------------------------- page elements
def _draw_frame(c: Canvas, layout: Layout) -> None:
    fr = layout.frame
    if fr is None:
        return
    W, H = layout.page.width_mm * MM, layout.page.height_mm * MM
    c.saveState()
    m = fr.margin * MM
    if fr.width > 0:
        c.setStrokeColorRGB(*_rgb(fr.color))
        c.setLineWidth(fr.width)
        c.setLineJoin(0)
        c.rect(m, m, W - 2 * m, H - 2 * m, stroke=1, fill=0)
    inner = m + fr.width / 2 + fr.gap * MM + fr.inner_width / 2
    if fr.inner_width > 0:
        c.setStrokeColorRGB(*_rgb(fr.inner_color))
        c.setLineWidth(fr.inner_width)
        c.rect(inner, inner, W - 2 * inner, H - 2 * inner, stroke=1, fill=0)
    acc = inner
    if fr.accent_color and fr.accent_width > 0:
        acc = inner + fr.accent_gap * MM
        c.setStrokeColorRGB(*_rgb(fr.accent_color))
        c.setLineWidth(fr.accent_width)
        c.rect(acc, acc, W - 2 * acc, H - 2 * acc, stroke=1, fill=0)
    if fr.corners:
        # 回纹 corner ornaments: a stepped fret inside each corner of the innermost line
        c.setStrokeColorRGB(*_rgb(fr.color))
        c.setFillColorRGB(*_rgb(fr.accent_color or fr.color))
        c.setLineWidth(max(fr.inner_width, 0.6) * 1.2)
        u = 2.2 * MM
        o = acc + 1.6 * MM
        for sx, sy, cx, cy in ((1, 1, o, o), (-1, 1, W - o, o), (1, -1, o, H - o), (-1, -1, W - o, H - o)):
            p = c.beginPath()
            pts = [(0, 7), (0, 0), (7, 0), (7, 4), (3, 4), (3, 3), (6, 3), (6, 1), (1, 1), (1, 6), (4, 6),
                   (4, 7)]
            p.moveTo(cx + sx * pts[0][0] * u, cy + sy * pts[0][1] * u)
            for px, py in pts[1:]:
                p.lineTo(cx + sx * px * u, cy + sy * py * u)
            c.drawPath(p, stroke=1, fill=0)
            d = 0.9 * MM
            q = c.beginPath()
            qx, qy = cx + sx * 2.0 * u, cy + sy * 2.0 * u
            q.moveTo(qx, qy - d)
            q.lineTo(qx + d, qy)
            q.lineTo(qx, qy + d)
            q.lineTo(qx - d, qy)
            q.close()
            c.drawPath(q, stroke=0, fill=1)
            # short rules running along the frame from the ornament
            c.line(cx + sx * 8.5 * u, cy + sy * 0.0 * u, cx + sx * 20 * u, cy)
            c.line(cx, cy + sy * 8.5 * u, cx, cy + sy * 20 * u)
    c.restoreState()


SEAL_AREA_RGB = (0.85, 0.55, 0.55)


def _draw_seal_area(c: Canvas, im: ImageSpec, page_h: float) -> None:
    """The seal area (盖章处) of a seal slot without an image: a light dashed circle the seal is stamped on."""
    d = min(im.width, im.height) * MM * 0.96
    c.saveState()
    c.setStrokeColorRGB(*SEAL_AREA_RGB)
    c.setLineWidth(0.6)
    c.setDash(3, 2)
    c.circle((im.x + im.width / 2) * MM, page_h - (im.y + im.height / 2) * MM, d / 2, stroke=1, fill=0)
    c.restoreState()


def _seal_label(im: ImageSpec) -> TextField:
    label = im.mark or ""
    size = 9.0
    return TextField(id=f"{im.id}_mark", template=label, parts=((label, None),), placeholders=(),
                     x=im.x + im.width / 2, y=im.y + im.height / 2 + size * 0.3528 * 0.35, font="hei", size=size,
                     min_size=6.0, color="#d98c8c", align="center", max_width=min(im.width, im.height) * 0.7)


def _image_source(src: str | bytes | None):
    if src is None:
        return None
    if isinstance(src, (bytes, bytearray)):
        return ImageReader(io.BytesIO(bytes(src)))
    if not os.path.isfile(src):
        raise FileNotFoundError(Message(N_("证书图片不存在：%(path)s"), path=src))
    return ImageReader(src)


class _Page:
    """Everything needed to draw pages of one layout onto one canvas."""

    def __init__(self, canv: Canvas, layout: Layout, fonts: FontSet, mode: str,
                 offset: tuple[float, float], images: Mapping[str, str | bytes] | None,
                 qr_mask: int | None, qr_masks: dict[str, int] | None = None):
        self.c = canv
        self.layout = layout
        self.fonts = fonts
        self.mode = mode
        self.dx, self.dy = float(offset[0]) * MM, -float(offset[1]) * MM
        self.W = layout.page.width_mm * MM
        self.H = layout.page.height_mm * MM
        self.fields = _fields_for(layout, mode)
        self.rgb = {f.id: f.rgb for f in self.fields}
        self.qr_mask = qr_mask
        self.qr_masks = qr_masks if qr_masks is not None else {}
        self.qr_rgb = _rgb(layout.qr.color) if layout.qr else (0, 0, 0)
        self.compact = True
        images = images or {}
        self.sources = {im.id: self._img(images, im.id, im.kind, im.src) for im in layout.images}
        self.bg_form = self._make_bg_form(images) if mode == "full" else None
        self.fg_form = self._make_fg_form()

    def _img(self, images: Mapping[str, str | bytes], key_id: str, kind: str, src: str | None):
        if key_id in images:
            return _image_source(images[key_id])
        if kind in images:
            return _image_source(images[kind])
        return _image_source(self.layout.resolve(src))

    def _make_bg_form(self, images: Mapping[str, str | bytes]) -> str | None:
        c, lay = self.c, self.layout
        c.beginForm("certbg")
        bg = self._img(images, "background", "background", lay.background)
        if bg is not None:
            c.drawImage(bg, 0, 0, self.W, self.H)
        _draw_frame(c, lay)
        for r in lay.rules:
            c.setStrokeColorRGB(*_rgb(r.color))
            c.setLineWidth(r.width)
            c.line(r.x1 * MM, self.H - r.y1 * MM, r.x2 * MM, self.H - r.y2 * MM)
        statics = _static_fields(lay, self.mode)
        caption = lay.qr.caption if lay.qr is not None else None
        marks = [im for im in lay.images if im.mark and self.sources[im.id] is None]
        for im in marks:
            _draw_seal_area(c, im, self.H)
        if statics or caption or marks:
            tw = TextWriter(c, self.fonts)
            for im in marks:
                mark = _seal_label(im)
                for ln in layout_text(mark, im.mark, self.fonts, self.H):
                    tw.line(ln, "hei", mark.rgb)
            for f in statics:
                for ln in layout_text(f, f.template_text, self.fonts, self.H):
                    tw.line(ln, f.font, f.rgb)
            if caption:
                q = lay.qr
                cap = TextField(id="qr_caption", template=caption, parts=((caption, None),), placeholders=(),
                                x=q.x + q.size / 2, y=q.y + q.size + q.caption_size * 0.3528 + 1.2,
                                font="hei", size=q.caption_size, min_size=q.caption_size * 0.6,
                                color="#555555", align="center", max_width=q.size + 6)
                for ln in layout_text(cap, caption, self.fonts, self.H):
                    tw.line(ln, "hei", cap.rgb)
            c.drawText(tw.t)
        c.endForm()
        return "certbg"

    def _make_fg_form(self) -> str | None:
        drawn = []
        for im in self.layout.images:
            if self.mode == "overlay" and im.preprinted:
                continue
            src = self.sources[im.id]
            if src is not None:
                drawn.append((im, src))
        if not drawn:
            return None
        c = self.c
        c.beginForm("certfg")
        for im, src in drawn:
            c.saveState()
            if im.opacity < 1:
                c.setFillAlpha(im.opacity)
            c.drawImage(src, im.x * MM, self.H - (im.y + im.height) * MM, im.width * MM, im.height * MM,
                        mask="auto", preserveAspectRatio=True, anchor="c")
            c.restoreState()
        c.endForm()
        return "certfg"

    def draw(self, rec: CertificateData) -> None:
        c = self.c
        shifted = bool(self.dx or self.dy)
        if shifted:
            c.saveState()
            c.translate(self.dx, self.dy)
        if self.bg_form:
            c.doForm(self.bg_form)
        values = rec.values()
        tw = TextWriter(c, self.fonts)
        for f in self.fields:
            if f.optional and any(not values.get(p) for p in f.placeholders):
                continue
            text = f.fill(values)
            for ln in layout_text(f, text, self.fonts, self.H):
                tw.line(ln, f.font, self.rgb[f.id])
        c.drawText(tw.t)
        q = self.layout.qr
        if q is not None:
            mask = self.qr_mask if self.qr_mask is not None else self.qr_masks.get(rec.verify_url)
            matrix, self.qr_masks[rec.verify_url] = qr_code(rec.verify_url, q.error, mask)
            c.addLiteral(qr_path_ops(matrix, q.x * MM, self.H - q.y * MM, q.size * MM, self.qr_rgb))
        if self.fg_form:
            c.doForm(self.fg_form)
        if shifted:
            c.restoreState()
        c.showPage()
        if self.compact:
            self.compact = _compact_last_page(c)


def _compact_last_page(c: Canvas) -> bool:
    """Compress the page just finished now rather than at ``save()``.

    reportlab keeps every page's content stream as an uncompressed string until the file is saved
    (about 5 KB per certificate, 50 MB for 10,000 pages); a flate-compressed stream is about 1 KB.
    The text is already encoded at this point (font subsets are assigned as it is drawn), so the
    result is byte-for-byte what ``save()`` would have compressed.  Uses reportlab internals: when
    they are not as expected it returns False and the canvas is left alone.
    """
    try:
        page = c._doc.Pages.pages[-1]
        stream = page.stream
        if page.Contents or not isinstance(stream, str) or not page.compression:
            return False
        data = zlib.compress(stream.encode("utf8"))
        page.Contents = PDFStream(PDFDictionary({"Filter": PDFArray([PDFName("FlateDecode")])}), data)
        page.Contents.__Comment__ = "page stream"
        page.stream = None
        return True
    except (AttributeError, IndexError, TypeError):
        return False


@contextlib.contextmanager
def binary_streams():
    """Flate-only streams: reportlab also ASCII85-encodes them by default (pure Python here),
    which costs ~20 % of the rendering time and 25 % of the stream size for nothing."""
    old = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = old


def new_canvas(out, layout: Layout, fonts: FontSet, title: str | None, invariant: bool) -> Canvas:
    primary = fonts.primary("kai")
    c = Canvas(out, pagesize=(layout.page.width_mm * MM, layout.page.height_mm * MM), pageCompression=1,
               invariant=1 if invariant else 0, initialFontName=primary.name, initialFontSize=12)
    c.setTitle(title or layout.label)
    c.setCreator("contestapp certificates")
    c.setAuthor("contestapp")
    c.setSubject(layout.label)
    return c


def check_mode(mode: str, offset) -> tuple[float, float]:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    dx, dy = offset
    if abs(dx) > 50 or abs(dy) > 50:
        raise ValueError(f"calibration offset ({dx}, {dy}) mm is implausible (|dx|, |dy| ≤ 50 mm)")
    return float(dx), float(dy)


def render_batch(
    layout: Layout | Mapping | str,
    records: Iterable[CertificateData],
    out: str | os.PathLike | IO[bytes],
    *,
    mode: str = "full",
    offset: tuple[float, float] = (0.0, 0.0),
    fonts: FontSet | None = None,
    images: Mapping[str, str | bytes] | None = None,
    title: str | None = None,
    qr_mask: int | None = None,
    qr_masks: dict[str, int] | None = None,
    invariant: bool = False,
    progress: Callable[[int, int], None] | None = None,
    progress_every: int = 200,
) -> RenderResult:
    """Write one PDF with one page per record to ``out`` (a path or a binary file object).

    All records are checked first (:func:`check_records`); nothing is written if one fails.
    ``images`` overrides layout images by id or kind (``{"seal": "/path/seal.png"}``, bytes allowed).
    ``progress(done, total)`` is called every ``progress_every`` pages and after the last one.
    ``qr_masks`` (verification link -> QR mask) remembers the mask each code was given: pass the same dict when
    the same certificates are rendered again (the single PDFs after the merged one) and the mask is not searched
    for twice (the code is the same).
    """
    layout = as_layout(layout)
    offset = check_mode(mode, offset)
    fonts = fonts or load_fonts()
    recs = records if isinstance(records, Sequence) else list(records)
    if not recs:
        raise CertificateDataError(N_("证书无法生成：没有记录"))
    check_records(layout, recs, fonts, mode)
    t0 = time.perf_counter()
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    with RENDER_LOCK, binary_streams():
        c = new_canvas(target, layout, fonts, title, invariant)
        page = _Page(c, layout, fonts, mode, offset, images, qr_mask, qr_masks)
        total = len(recs)
        for i, rec in enumerate(recs, 1):
            page.draw(rec)
            if progress is not None and (i % progress_every == 0 or i == total):
                progress(i, total)
        c.save()
    size = None
    if isinstance(target, str):
        size = os.path.getsize(target)
    elif isinstance(target, io.BytesIO):
        size = target.getbuffer().nbytes
    return RenderResult(pages=len(recs), seconds=time.perf_counter() - t0, bytes=size, fonts=fonts.describe())


def render_one(layout: Layout | Mapping | str, record: CertificateData, **kw) -> bytes:
    """One certificate as PDF bytes (same options as :func:`render_batch`)."""
    buf = io.BytesIO()
    render_batch(layout, [record], buf, **kw)
    return buf.getvalue()


def sample_record(layout: Layout | Mapping | str, overrides: Mapping[str, str] | None = None) -> CertificateData:
    """A record filled with the layout's ``sample`` values (or generic ones) for previews."""
    layout = as_layout(layout)
    values: dict[str, str] = {}
    for p in layout.placeholders:
        if p in ("serial", "verify_url"):
            continue
        values[p] = layout.sample.get(p) or SAMPLE_VALUES.get(p) or f"〔{p}〕"
    values.update(overrides or {})
    serial = values.pop("serial", None) or "SAMPLE-000001"
    url = values.pop("verify_url", None) or f"https://example.org/v/{serial}"
    return CertificateData(serial=serial, verify_url=url, fields=values, person=values.get("name", "样例"))


def render_preview(layout: Layout | Mapping | str, record: CertificateData | None = None, *,
                   mode: str = "full", offset: tuple[float, float] = (0.0, 0.0),
                   fonts: FontSet | None = None, images: Mapping[str, str | bytes] | None = None) -> bytes:
    """A one-page PDF preview drawn by the same code that prints (sample data if no record).
    The caller turns it into PNG if needed (``pdftoppm -png -r 60``)."""
    layout = as_layout(layout)
    record = record or sample_record(layout)
    return render_one(layout, record, mode=mode, offset=offset, fonts=fonts, images=images)
