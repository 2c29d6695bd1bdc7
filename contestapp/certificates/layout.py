"""Certificate layouts as data (JSON), validated into frozen dataclasses.

Coordinates are millimetres from the TOP-LEFT corner of the page; font sizes are points.
A text field's ``y`` is its (first) BASELINE.  ``x`` is the left edge, the centre or the right
edge of the field box depending on ``align``.

Schema (every key optional unless marked *)::

    {
      "name": "award", "label": "获奖证书", "version": 1,
      "page": {"size": "A4"|"A3"|"A5"|"B4"|"B5"|"custom", "orientation": "portrait"|"landscape",
               "width_mm": .., "height_mm": ..},                 # width/height only for custom
      "frame": {"margin": 9, "color": "#b8892b", "width": 3.2, "gap": 2.2, "inner_color": "#b8892b",
                "inner_width": 0.8, "accent_color": "#b22222", "accent_width": 0.6, "accent_gap": 2.5,
                "corners": true},                                 # drawn vector border
      "background": {"src": "bg.png"},                            # full page image (path or id)
      "rules": [{"x1", "y1", "x2", "y2", "color", "width"}],      # decorative lines
      "images": [{"id": "seal", "kind": "seal"|"signature"|"logo"|"image", "src": null,
                  "x"*, "y"*, "width"*, "height"*, "opacity": 1,
                  "mark": "盖章处"}],                              # seal images only, see below
      "fields": [{                                                # * at least one
          "id": "name", "field": "name"  |  "text": "{name} 同志：",   # one of field/text *
          "x"*, "y"*, "font": "kai"|"hei", "size": 16, "min_size": 8, "color": "#000000",
          "align": "left"|"center"|"right"|"justify", "max_width": mm, "char_space": pt,
          "wrap": false, "line_height": 1.6, "max_lines": n, "indent": 0 (ems, first line),
          "optional": false, "preprinted": <true when the text has no placeholder>}],
      "serial": {<field>, "text": "证书编号：{serial}"},           # serial number position
      "qr": {"x"*, "y"*, "size"*: mm, "color": "#000000", "error": "l"|"m"|"q"|"h",
             "caption": "扫码验证", "caption_size": 7},
      "sample": {"name": "张三", ...}                              # values for previews
    }

Text fitting (the rule of ``contestapp.common.pdftext``, the same in every PDF of the app): a field with
``max_width`` never leaves its box.  A single-line field shrinks down to ``min_size`` and, as a last resort,
is condensed horizontally; a field with ``max_lines`` (n > 1) and no ``wrap`` shrinks first, then wraps onto
up to n lines; a ``wrap`` field is a paragraph: it wraps at its size and shrinks only to stay within
``max_lines``.  Chinese wraps between characters, Latin at spaces.

Seal area (盖章处): every image of kind ``seal`` is the place for the organiser's seal.  When no seal image is
supplied, ``full`` mode prints a light dashed circle there with the label ``mark`` (default 盖章处;
``"mark": null`` prints nothing).  The layout editor refuses a layout in which a text field's box or the QR
code overlaps a seal area (``validate_layout``); a field without ``max_width`` counts as one em per character,
four per placeholder.  Every built-in layout has one, beside the issuer and date.

Print modes: ``full`` draws everything; ``overlay`` (套打) draws only what is not pre-printed:
fields with placeholders, the serial and the QR code (frame, background, rules, images and
fixed texts are on the stock already).  An image or field can force itself into overlay with
``"preprinted": false``.

This module needs neither a Flask application nor SQLAlchemy.
"""
from __future__ import annotations

import json
import os
import re
import string
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from contestapp.i18n import N_, Message, said

from .layout_checks import Checks

__all__ = [
    "LayoutError",
    "PAGE_SIZES",
    "PageSpec",
    "TextField",
    "ImageSpec",
    "FrameSpec",
    "RuleSpec",
    "QRSpec",
    "Layout",
    "validate_layout",
    "seal_conflicts",
    "parse_layout",
    "load_layout",
    "builtin_layout",
    "builtin_layout_names",
    "LAYOUTS_DIR",
]

LAYOUTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layouts")
# The built-in layouts' labels (layouts/*.json), marked for the catalogue: the layout editor shows them translated.
BUILTIN_LABELS = (N_("获奖证书"), N_("工匠称号证书"), N_("技术能手称号证书"), N_("立功竞赛荣誉证书"))

PAGE_SIZES = {"A3": (297.0, 420.0), "A4": (210.0, 297.0), "A5": (148.0, 210.0),  # portrait width, height in mm
              "B4": (250.0, 353.0), "B5": (176.0, 250.0)}
FONT_ROLES = ("kai", "hei")
ALIGNS = ("left", "center", "right", "justify")
IMAGE_KINDS = ("seal", "signature", "logo", "image")
SEAL_MARK = "盖章处"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class LayoutError(ValueError):
    """Invalid layout; ``errors`` lists ``path: message`` strings (a Chinese one is a Message)."""

    def __init__(self, errors: list[str], name: str = ""):
        self.errors = list(errors)
        items = tuple(map(said, self.errors))
        super().__init__(Message(N_("证书版式无效（%(name)s）：%(errors)s"), sep="; ", name=name, errors=items) if name
                         else Message(N_("证书版式无效：%(errors)s"), sep="; ", errors=items))


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]


@dataclass(frozen=True)
class PageSpec:
    width_mm: float
    height_mm: float
    size: str = "A4"
    orientation: str = "portrait"


@dataclass(frozen=True)
class TextField:
    id: str
    template: str
    parts: tuple[tuple[str, str | None], ...]  # (literal, placeholder-or-None)
    placeholders: tuple[str, ...]
    x: float
    y: float
    font: str = "kai"
    size: float = 16.0
    min_size: float = 8.0
    color: str = "#000000"
    align: str = "left"
    max_width: float | None = None
    char_space: float = 0.0
    wrap: bool = False
    line_height: float = 1.6
    max_lines: int | None = None
    indent: float = 0.0
    optional: bool = False
    preprinted: bool = False

    @property
    def rgb(self) -> tuple[float, float, float]:
        return _rgb(self.color)

    def fill(self, values: Mapping[str, str]) -> str:
        """The text with placeholders replaced (values must contain every placeholder)."""
        if not self.placeholders:
            return self.template_text
        return "".join(lit + (values[name] if name is not None else "") for lit, name in self.parts)

    @property
    def template_text(self) -> str:
        return "".join(lit for lit, _ in self.parts)

    def box(self) -> tuple[float, float, float, float]:
        """(left, top, width, height) in mm of the area the text may occupy (at nominal size)."""
        width = self.max_width or 0.0
        if self.align == "center":
            left = self.x - width / 2
        elif self.align == "right":
            left = self.x - width
        else:
            left = self.x
        pt = 25.4 / 72.0
        top = self.y - self.size * 0.9 * pt
        bottom = self.y + self.size * 0.25 * pt
        lines = self.max_lines or 1
        if self.wrap:  # a paragraph: its lines are closest at a smaller size
            bottom += (lines - 1) * self.line_height * self.size * pt
        elif lines > 1:  # shrinks first, then wraps at the minimum size
            bottom = max(bottom, self.y + ((lines - 1) * self.line_height + 0.25) * self.min_size * pt)
        return left, top, width, bottom - top

    def estimated_box(self) -> tuple[float, float, float, float]:
        """:meth:`box`, with a width for a field without ``max_width``: one em per character of its fixed text and
        four per placeholder (the layout does not know the font)."""
        left, top, width, height = self.box()
        if width:
            return left, top, width, height
        ems = len(self.template_text) + 4 * len(self.placeholders)
        width = (ems * self.size + max(ems - 1, 0) * self.char_space) * 25.4 / 72.0
        left = {"center": self.x - width / 2, "right": self.x - width}.get(self.align, self.x)
        return left, top, width, height


@dataclass(frozen=True)
class ImageSpec:
    id: str
    kind: str
    src: str | None
    x: float
    y: float
    width: float
    height: float
    opacity: float = 1.0
    preprinted: bool = True
    mark: str | None = None  # seal images: the label of the seal area printed when no seal image is supplied


@dataclass(frozen=True)
class FrameSpec:
    margin: float = 9.0
    color: str = "#b8892b"
    width: float = 3.2
    gap: float = 2.2
    inner_color: str = "#b8892b"
    inner_width: float = 0.8
    accent_color: str | None = "#b22222"
    accent_width: float = 0.6
    accent_gap: float = 2.5
    corners: bool = True


@dataclass(frozen=True)
class RuleSpec:
    x1: float
    y1: float
    x2: float
    y2: float
    color: str = "#b8892b"
    width: float = 0.8


@dataclass(frozen=True)
class QRSpec:
    x: float
    y: float
    size: float
    color: str = "#000000"
    error: str = "m"
    caption: str | None = None
    caption_size: float = 7.0


@dataclass(frozen=True)
class Layout:
    name: str
    label: str
    page: PageSpec
    fields: tuple[TextField, ...]
    serial: TextField | None = None
    qr: QRSpec | None = None
    frame: FrameSpec | None = None
    background: str | None = None
    images: tuple[ImageSpec, ...] = ()
    rules: tuple[RuleSpec, ...] = ()
    sample: Mapping[str, str] = field(default_factory=dict)
    base_dir: str | None = None
    source: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def text_fields(self) -> tuple[TextField, ...]:
        """Every text element, the serial last."""
        return self.fields + ((self.serial,) if self.serial else ())

    @property
    def placeholders(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for f in self.text_fields:
            for p in f.placeholders:
                seen.setdefault(p, None)
        return tuple(seen)

    def resolve(self, src: str | None) -> str | None:
        if not src:
            return None
        if os.path.isabs(src) or not self.base_dir:
            return src
        return os.path.join(self.base_dir, src)

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.source, ensure_ascii=False))


def parse_template(template: str) -> tuple[tuple[tuple[str, str | None], ...], tuple[str, ...], str | None]:
    """Split ``"{name} 同志："`` into parts; returns (parts, placeholders, error)."""
    parts: list[tuple[str, str | None]] = []
    names: list[str] = []
    try:
        for literal, name, spec, conv in string.Formatter().parse(template):
            if name is not None:
                if not _IDENT.match(name) or spec or conv:
                    return (), (), f"placeholder {{{name}}} must be a plain name like {{name}}"
                names.append(name)
            parts.append((literal, name))
    except ValueError as exc:
        return (), (), f"bad template {template!r}: {exc} (write {{{{ and }}}} for literal braces)"
    return tuple(parts), tuple(dict.fromkeys(names)), None


_FIELD_KEYS = {
    "id", "field", "text", "x", "y", "font", "size", "min_size", "color", "align", "max_width",
    "char_space", "wrap", "line_height", "max_lines", "indent", "optional", "preprinted",
}


def _text_field(v: Checks, d: Any, path: str, page: PageSpec, default_id: str,
                default_text: str | None = None, default_font: str = "kai") -> TextField | None:
    d = v.mapping(d, path)
    if not d:
        return None
    n0 = len(v.errors)
    v.unknown(d, _FIELD_KEYS, path)
    fname = v.text(d, "field", path)
    text = v.text(d, "text", path)
    if fname is not None and text is not None:
        v.err(path, "give either 'field' or 'text', not both")
    if fname is not None:
        if not _IDENT.match(fname):
            v.err(f"{path}.field", f"must be a placeholder name like 'name', got {fname!r}")
        template = "{" + fname + "}"
    elif text is not None:
        template = text
    elif default_text is not None:
        template = default_text
    else:
        v.err(path, "needs 'field' (a placeholder name) or 'text' (a template like \"{name} 同志：\")")
        template = ""
    parts, names, perr = parse_template(template)
    if perr:
        v.err(f"{path}.text", perr)
    if template == "" and (fname is not None or text is not None):
        v.err(f"{path}.text", "must not be empty")
    fid = v.text(d, "id", path, fname or (names[0] if names else default_id))
    x = v.num(d, "x", path, 0.0, required=True, ge=0, le=page.width_mm)
    y = v.num(d, "y", path, 0.0, required=True, ge=0, le=page.height_mm)
    size = v.num(d, "size", path, 16.0, gt=0, le=300)
    min_size = v.num(d, "min_size", path, min(8.0, size or 8.0), gt=0)
    if size and min_size and min_size > size:
        v.err(f"{path}.min_size", f"must be <= size ({size:g})")
    align = v.choice(d, "align", path, ALIGNS, "left")
    wrap = v.boolean(d, "wrap", path, False)
    max_width = v.num(d, "max_width", path, None, gt=0, le=max(page.width_mm, page.height_mm))
    if wrap and max_width is None:
        v.err(f"{path}.max_width", "required when wrap is true")
    if align == "justify" and not wrap:
        v.err(f"{path}.align", "justify needs wrap: true")
    if max_width and x is not None:
        left = {"center": x - max_width / 2, "right": x - max_width}.get(align, x)
        if left < -0.01 or left + max_width > page.width_mm + 0.01:
            v.err(f"{path}.max_width", f"box {left:g}–{left + max_width:g} mm is outside the page (0–{page.width_mm:g} mm)")
    max_lines = d.get("max_lines")
    if max_lines is not None and (isinstance(max_lines, bool) or not isinstance(max_lines, int) or max_lines < 1):
        v.err(f"{path}.max_lines", f"must be a whole number >= 1, got {max_lines!r}")
        max_lines = None
    preprinted_default = not names
    tf = TextField(
        id=fid or default_id,
        template=template,
        parts=parts,
        placeholders=names,
        x=x,
        y=y,
        font=v.choice(d, "font", path, FONT_ROLES, default_font),
        size=size,
        min_size=min_size,
        color=v.colour(d, "color", path, "#000000"),
        align=align,
        max_width=max_width,
        char_space=v.num(d, "char_space", path, 0.0, ge=0),
        wrap=wrap,
        line_height=v.num(d, "line_height", path, 1.6, gt=0, le=5),
        max_lines=max_lines,
        indent=v.num(d, "indent", path, 0.0, ge=0),
        optional=v.boolean(d, "optional", path, False),
        preprinted=v.boolean(d, "preprinted", path, preprinted_default),
    )
    return tf if len(v.errors) == n0 else None


def _page(v: Checks, d: Any) -> PageSpec:
    if d is None:
        return PageSpec(*PAGE_SIZES["A4"], size="A4", orientation="portrait")
    d = v.mapping(d, "page")
    v.unknown(d, {"size", "orientation", "width_mm", "height_mm"}, "page")
    size = v.text(d, "size", "page", "A4")
    orientation = v.choice(d, "orientation", "page", ("portrait", "landscape"), "portrait")
    if size == "custom":
        w = v.num(d, "width_mm", "page", 210.0, required=True, gt=0, le=2000)
        h = v.num(d, "height_mm", "page", 297.0, required=True, gt=0, le=2000)
        return PageSpec(w, h, "custom", orientation)
    if size not in PAGE_SIZES:
        v.err("page.size", f"must be one of {', '.join(PAGE_SIZES)}, custom; got {size!r}")
        size = "A4"
    w, h = PAGE_SIZES[size]
    if orientation == "landscape":
        w, h = h, w
    return PageSpec(w, h, size, orientation)


def _check_box(v: Checks, path: str, x: float, y: float, w: float, h: float, page: PageSpec) -> None:
    if None in (x, y, w, h):
        return
    if x + w > page.width_mm + 0.01 or y + h > page.height_mm + 0.01:
        v.err(path, f"box ({x:g},{y:g})+({w:g}×{h:g}) mm extends beyond the page ({page.width_mm:g}×{page.height_mm:g} mm)")


def _build(data: Any, base_dir: str | None) -> tuple[Layout | None, list[str]]:
    v = Checks()
    if not isinstance(data, Mapping):
        return None, [f"layout: must be a JSON object, got {type(data).__name__}"]
    v.unknown(data, {"name", "label", "version", "page", "frame", "background", "rules", "images",
                     "fields", "serial", "qr", "sample", "description"}, "layout")
    name = v.text(data, "name", "layout", "custom")
    label = v.text(data, "label", "layout", name)
    page = _page(v, data.get("page"))

    frame = None
    if data.get("frame") is not None:
        fd = v.mapping(data["frame"], "frame")
        v.unknown(fd, set(FrameSpec.__dataclass_fields__), "frame")
        d0 = FrameSpec()
        frame = FrameSpec(
            margin=v.num(fd, "margin", "frame", d0.margin, ge=0, le=min(page.width_mm, page.height_mm) / 3),
            color=v.colour(fd, "color", "frame", d0.color),
            width=v.num(fd, "width", "frame", d0.width, ge=0, le=20),
            gap=v.num(fd, "gap", "frame", d0.gap, ge=0, le=30),
            inner_color=v.colour(fd, "inner_color", "frame", d0.inner_color),
            inner_width=v.num(fd, "inner_width", "frame", d0.inner_width, ge=0, le=20),
            accent_color=v.colour(fd, "accent_color", "frame", d0.accent_color) if fd.get("accent_color", "") is not None else None,
            accent_width=v.num(fd, "accent_width", "frame", d0.accent_width, ge=0, le=20),
            accent_gap=v.num(fd, "accent_gap", "frame", d0.accent_gap, ge=0, le=30),
            corners=v.boolean(fd, "corners", "frame", d0.corners),
        )

    background = None
    if data.get("background") is not None:
        bd = data["background"]
        if isinstance(bd, str):
            background = bd
        else:
            bd = v.mapping(bd, "background")
            v.unknown(bd, {"src"}, "background")
            background = v.text(bd, "src", "background", None, required=True)

    rules: list[RuleSpec] = []
    rd = data.get("rules") or []
    if not isinstance(rd, list):
        v.err("rules", "must be a list")
        rd = []
    for i, r in enumerate(rd):
        p = f"rules[{i}]"
        r = v.mapping(r, p)
        v.unknown(r, {"x1", "y1", "x2", "y2", "color", "width"}, p)
        vals = [v.num(r, k, p, 0.0, required=True, ge=0,
                      le=page.width_mm if k.startswith("x") else page.height_mm) for k in ("x1", "y1", "x2", "y2")]
        rules.append(RuleSpec(*vals, color=v.colour(r, "color", p, "#b8892b"), width=v.num(r, "width", p, 0.8, gt=0, le=20)))

    images: list[ImageSpec] = []
    idata = data.get("images") or []
    if not isinstance(idata, list):
        v.err("images", "must be a list")
        idata = []
    seen_ids: set[str] = set()
    for i, im in enumerate(idata):
        p = f"images[{i}]"
        im = v.mapping(im, p)
        v.unknown(im, {"id", "kind", "src", "x", "y", "width", "height", "opacity", "preprinted", "mark"}, p)
        kind = v.choice(im, "kind", p, IMAGE_KINDS, "image")
        iid = v.text(im, "id", p, kind)
        if iid in seen_ids:
            v.err(f"{p}.id", f"duplicate id {iid!r}")
        seen_ids.add(iid)
        x = v.num(im, "x", p, 0.0, required=True, ge=0)
        y = v.num(im, "y", p, 0.0, required=True, ge=0)
        w = v.num(im, "width", p, 10.0, required=True, gt=0)
        h = v.num(im, "height", p, 10.0, required=True, gt=0)
        _check_box(v, p, x, y, w, h, page)
        mark = v.text(im, "mark", p, SEAL_MARK) if kind == "seal" and im.get("mark", "") is not None else None
        if mark is not None and not mark.strip():
            mark = None
        images.append(ImageSpec(iid, kind, v.text(im, "src", p, None), x, y, w, h,
                                opacity=v.num(im, "opacity", p, 1.0, gt=0, le=1),
                                preprinted=v.boolean(im, "preprinted", p, True), mark=mark))

    fields: list[TextField] = []
    fdata = data.get("fields")
    if not isinstance(fdata, list) or not fdata:
        v.err("fields", "must be a non-empty list")
        fdata = []
    ids: set[str] = set()
    for i, fd in enumerate(fdata):
        tf = _text_field(v, fd, f"fields[{i}]", page, default_id=f"text{i}")
        if tf is not None:
            if tf.id in ids:
                v.err(f"fields[{i}].id", f"duplicate id {tf.id!r} (give each field a unique 'id')")
            ids.add(tf.id)
            fields.append(tf)

    serial = None
    if data.get("serial") is not None:
        serial = _text_field(v, data["serial"], "serial", page, default_id="serial",
                             default_text="证书编号：{serial}", default_font="hei")
        if serial is not None:
            serial = replace(serial, id="serial", preprinted=False)

    qr = None
    if data.get("qr") is not None:
        qd = v.mapping(data["qr"], "qr")
        v.unknown(qd, set(QRSpec.__dataclass_fields__), "qr")
        x = v.num(qd, "x", "qr", 0.0, required=True, ge=0)
        y = v.num(qd, "y", "qr", 0.0, required=True, ge=0)
        size = v.num(qd, "size", "qr", 20.0, required=True, gt=0)
        if size is not None and size < 12:
            v.err("qr.size", f"must be >= 12 mm to scan reliably once printed, got {size:g}")
        _check_box(v, "qr", x, y, size, size, page)
        qr = QRSpec(x, y, size, color=v.colour(qd, "color", "qr", "#000000"),
                    error=v.choice(qd, "error", "qr", ("l", "m", "q", "h"), "m"),
                    caption=v.text(qd, "caption", "qr", None),
                    caption_size=v.num(qd, "caption_size", "qr", 7.0, gt=0, le=40))

    sample = data.get("sample") or {}
    if not isinstance(sample, Mapping) or not all(isinstance(k, str) and isinstance(s, str) for k, s in sample.items()):
        v.err("sample", "must be an object of strings")
        sample = {}

    if v.errors:
        return None, v.errors
    return Layout(
        name=name, label=label, page=page, fields=tuple(fields), serial=serial, qr=qr, frame=frame,
        background=background, images=tuple(images), rules=tuple(rules), sample=dict(sample),
        base_dir=base_dir, source=data,
    ), []


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Two (left, top, width, height) boxes share some area."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def seal_conflicts(layout: Layout) -> list[str]:
    """``path: message`` (a Message) for every text field (its box, see :meth:`TextField.estimated_box`) and QR
    code that overlaps a seal area (an image of kind ``seal``)."""
    errors: list[str] = []
    seals = [im for im in layout.images if im.kind == "seal"]
    items: list[tuple[str, Message, tuple[float, float, float, float]]] = [
        (f"fields[{i}]", Message(N_("文字「%(id)s」"), id=f.id), f.estimated_box()) for i, f in enumerate(layout.fields)]
    if layout.serial is not None:
        items.append(("serial", said(N_("证书编号")), layout.serial.estimated_box()))
    if layout.qr is not None:
        q = layout.qr
        items.append(("qr", said(N_("二维码")), (q.x, q.y, q.size, q.size)))
    for im in seals:
        area = (im.x, im.y, im.width, im.height)
        for path, what, box in items:
            if _overlap(box, area):
                l, t, w, h = box
                errors.append(Message(N_("%(path)s: %(what)s的区域 (%(box)s mm) 与盖章处「%(seal)s」(%(area)s mm) 重叠，"
                                         "请移开文字或盖章处"), path=path, what=what,
                                      box=f"{l:.1f}–{l + w:.1f}, {t:.1f}–{t + h:.1f}", seal=im.id,
                                      area=f"{im.x:g}–{im.x + im.width:g}, {im.y:g}–{im.y + im.height:g}"))
    return errors


def validate_layout(data: Any) -> list[str]:
    """Errors of a layout document, each ``path: message`` (empty list when valid), including text or a QR code
    over a seal area (:func:`seal_conflicts`; a layout stored before that rule still prints)."""
    layout, errors = _build(data, None)
    if layout is not None:
        errors = seal_conflicts(layout)
    return errors


def parse_layout(data: Any, base_dir: str | None = None) -> Layout:
    """Build a :class:`Layout` from a parsed JSON document; raises :class:`LayoutError`."""
    layout, errors = _build(data, base_dir)
    if errors:
        name = data.get("name", "") if isinstance(data, Mapping) else ""
        raise LayoutError(errors, name=str(name))
    assert layout is not None
    return layout


def load_layout(path: str) -> Layout:
    """Load a layout JSON file; relative image paths resolve against its folder."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise LayoutError([f"{os.path.basename(path)}: invalid JSON at line {exc.lineno}: {exc.msg}"]) from exc
    return parse_layout(data, base_dir=os.path.dirname(os.path.abspath(path)))


def builtin_layout_names() -> list[str]:
    return sorted(f[:-5] for f in os.listdir(LAYOUTS_DIR) if f.endswith(".json"))


_builtin_cache: dict[str, Layout] = {}


def builtin_layout(name: str) -> Layout:
    """One of the layouts shipped in ``certificates/layouts/`` (award, craftsman, title, honour)."""
    if name not in _builtin_cache:
        if not _IDENT.match(name) or name not in builtin_layout_names():
            raise LayoutError([f"layout: no built-in layout {name!r} (have: {', '.join(builtin_layout_names())})"])
        _builtin_cache[name] = load_layout(os.path.join(LAYOUTS_DIR, name + ".json"))
    return _builtin_cache[name]
