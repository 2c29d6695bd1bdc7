"""QR codes for certificates: encoded with segno, drawn as ONE vector path.

Every horizontal run of dark modules becomes one ``re`` (rectangle) operator of a single path
that is filled once, in a coordinate system where one module is one unit.  One path (rather than
one fill per module, or reportlab's ``QrCodeWidget``) keeps files small and rendering fast, and
leaves no hairline seams between modules when rasterised.

This module imports neither Flask nor SQLAlchemy.
"""
from __future__ import annotations

import segno

__all__ = ["qr_code", "qr_matrix", "qr_path_ops"]


def qr_code(data: str, error: str = "m", mask: int | None = None) -> tuple[tuple[bytearray, ...], int]:
    """The module matrix (rows of 0/1, no quiet zone) and the mask it was encoded with.

    ``mask=None`` lets segno choose the best mask (the QR standard's penalty rules, about 3 ms);
    a fixed mask (0–7) is about 5× faster to encode. Encoding the same data again with the mask chosen the first
    time gives the same code, quickly (a batch prints each certificate twice: merged and single).
    """
    qr = segno.make(data, error=error, micro=False, mask=mask)
    return qr.matrix, qr.mask


def qr_matrix(data: str, error: str = "m", mask: int | None = None) -> tuple[bytearray, ...]:
    """The module matrix alone (see `qr_code`)."""
    return qr_code(data, error, mask)[0]


def qr_path_ops(matrix: tuple[bytearray, ...], x_pt: float, top_pt: float, size_pt: float,
                rgb: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> str:
    """PDF content-stream operators drawing ``matrix`` with its top-left corner at
    (``x_pt``, ``top_pt``) in PDF user space (y up) and ``size_pt`` wide."""
    n = len(matrix)
    m = size_pt / n
    ops: list[str] = []
    append = ops.append
    for r, row in enumerate(matrix):
        j = 0
        while True:
            i = row.find(1, j)
            if i < 0:
                break
            j = row.find(0, i)
            if j < 0:
                j = n
            append(f"{i} {r} {j - i} 1 re")
            if j >= n:
                break
    colour = "%.4g %.4g %.4g rg" % rgb
    return f"q {colour} {m:.5f} 0 0 {-m:.5f} {x_pt:.3f} {top_pt:.3f} cm\n" + "\n".join(ops) + "\nf Q"
