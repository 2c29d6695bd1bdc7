"""The printer calibration page for overlay printing (套打): mm rulers, crosshairs at known positions and the box of
every field, the QR code and the images of a layout, printed with the printer's offset like the certificates."""
from __future__ import annotations

import io
import os
from typing import IO, Mapping

from contestapp.common.pdftext import TextWriter
from contestapp.i18n import N_, Message

from .fonts import FontSet, MissingGlyphError, load_fonts
from .layout import Layout, TextField
from .render import MM, as_layout, binary_streams, check_mode, new_canvas, RENDER_LOCK, layout_text


def render_calibration(layout: Layout | Mapping | str, out: str | os.PathLike | IO[bytes] | None = None, *,
                       offset: tuple[float, float] = (0.0, 0.0), fonts: FontSet | None = None) -> bytes | None:
    """A test page for aligning a printer with pre-printed stock: mm rulers along the top and left
    edges, crosshairs at known positions, and the box of every field, the QR code and the images.
    Printed with ``offset`` applied (like the certificates).  Returns bytes when ``out`` is None."""
    layout = as_layout(layout)
    dx, dy = check_mode("overlay", offset)
    fonts = fonts or load_fonts()
    buf = io.BytesIO() if out is None else None
    target = buf if buf is not None else (os.fspath(out) if isinstance(out, (str, os.PathLike)) else out)
    W, H = layout.page.width_mm, layout.page.height_mm
    with RENDER_LOCK, binary_streams():
        c = new_canvas(target, layout, fonts, f"校准页 · {layout.label}", False)
        c.saveState()
        c.translate(dx * MM, -dy * MM)
        labels: list[tuple[float, float, float, str, str, tuple]] = []  # x_mm, y_mm, size, text, align, rgb

        def X(x: float) -> float:
            return x * MM

        def Y(y: float) -> float:
            return (H - y) * MM

        # rulers
        c.setStrokeColorRGB(0, 0, 0)
        c.setLineWidth(0.25)
        for i in range(0, int(W) + 1):
            ln = 6 if i % 10 == 0 else (4 if i % 5 == 0 else 2)
            c.line(X(i), Y(0), X(i), Y(ln))
            if i % 10 == 0 and 0 < i < W - 3:
                labels.append((i, 9.5, 6, str(i), "center", (0, 0, 0)))
        for j in range(0, int(H) + 1):
            ln = 6 if j % 10 == 0 else (4 if j % 5 == 0 else 2)
            c.line(X(0), Y(j), X(ln), Y(j))
            if j % 10 == 0 and 10 < j < H - 3:  # 10 would meet the top ruler's 10
                labels.append((7.5, j + 1.0, 6, str(j), "left", (0, 0, 0)))
        # crosshairs
        pts = [(20, 20), (W - 20, 20), (20, H - 20), (W - 20, H - 20), (round(W / 2), round(H / 2))]
        c.setLineWidth(0.3)
        for px, py in pts:
            c.line(X(px - 6), Y(py), X(px + 6), Y(py))
            c.line(X(px), Y(py - 6), X(px), Y(py + 6))
            c.circle(X(px), Y(py), 2 * MM, stroke=1, fill=0)
            right = px > W / 2
            labels.append((px + (-3 if right else 3), py - 2.5, 7, f"({px:g}, {py:g}) mm", "right" if right else "left", (0, 0, 0)))
        # element boxes
        red, blue, green = (0.8, 0.1, 0.1), (0.1, 0.3, 0.8), (0.1, 0.55, 0.2)
        c.setDash(2, 1.5)
        c.setLineWidth(0.4)
        for f in layout.text_fields:
            left, top, w, h = f.box()
            if not w:
                w = fonts.width(f.template_text, f.font, f.size) / MM
                left = {"center": f.x - w / 2, "right": f.x - w}.get(f.align, f.x)
            rgb = blue if f.preprinted else red
            c.setStrokeColorRGB(*rgb)
            c.rect(X(left), Y(top + h), w * MM, h * MM, stroke=1, fill=0)
            c.line(X(f.x) - 3, Y(f.y), X(f.x) + 3, Y(f.y))
            labels.append((left + 0.8, top + h - 0.8, 5.5, f"{f.id} ({f.x:g},{f.y:g})", "left", rgb))
        if layout.qr is not None:
            q = layout.qr
            c.setStrokeColorRGB(*red)
            c.rect(X(q.x), Y(q.y + q.size), q.size * MM, q.size * MM, stroke=1, fill=0)
            labels.append((q.x + 0.8, q.y + 3, 5.5, f"二维码 ({q.x:g},{q.y:g}) {q.size:g}mm", "left", red))
        for im in layout.images:
            c.setStrokeColorRGB(*green)
            c.rect(X(im.x), Y(im.y + im.height), im.width * MM, im.height * MM, stroke=1, fill=0)
            labels.append((im.x + 0.8, im.y + 3, 5.5, f"{im.id} ({im.x:g},{im.y:g})", "left", green))
        c.setDash()
        help_lines = [
            f"打印校准页 · {layout.label} · {layout.page.size} {W:g}×{H:g} mm · 当前偏移 dx={dx:g} mm, dy={dy:g} mm",
            "用直尺量出十字中心到纸张左边、上边的实际距离；偏移量 = 标注值 - 实测值（dx 向右为正，dy 向下为正）。",
            "红框：每张证书打印的内容（套打）；蓝框：预印在证书纸上的固定文字；绿框：印章/签名图片。",
        ]
        for k, s in enumerate(help_lines):
            labels.append((W / 2, H / 2 + 14 + k * 5.5, 8, s, "center", (0, 0, 0)))
        tw = TextWriter(c, fonts)
        for x, y, size, s, align, rgb in labels:
            tf = TextField(id="l", template=s, parts=((s, None),), placeholders=(), x=x, y=y, font="hei",
                           size=size, min_size=size, color="#000000", align=align)
            for ln in layout_text(tf, s, fonts, H * MM):
                tw.line(ln, "hei", rgb)
        missing = fonts.missing("".join(l[3] for l in labels), "hei")
        if missing:
            raise MissingGlyphError(Message(N_("校准页")), "label", missing, label=N_("说明文字"))
        c.drawText(tw.t)
        c.restoreState()
        c.showPage()
        c.save()
    return buf.getvalue() if buf is not None else None
