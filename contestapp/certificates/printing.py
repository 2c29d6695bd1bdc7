"""Printing certificates: layouts (built-in or edited per contest and kind), printer calibration for overlay
printing (套打), the values printed on a certificate, single prints and reprints, previews and calibration pages.
Services never commit."""
from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from decimal import Decimal
from typing import Iterable

from flask import current_app
from sqlalchemy import select

from contestapp.audit.service import record
from contestapp.certificates.errors import CertificateError
from contestapp.certificates.fonts import FontSet, load_fonts
from contestapp.certificates.layout import Layout, LayoutError, builtin_layout, parse_layout, validate_layout
from contestapp.certificates.models import (
    BUILTIN_FOR_KIND,
    KIND_LABELS,
    KINDS,
    Certificate,
    CertificateKind,
    CertificateLayout,
    CertificateSetup,
    CertificateStatus,
    PrinterOffset,
)
from contestapp.certificates.calibration import render_calibration
from contestapp.certificates.render import CertificateData, render_one, render_preview
from contestapp.certificates.serials import ZONE, setup_of
from contestapp.certificates.verification import verify_url
from contestapp.common.db import utcnow
from contestapp.contests.models import Contest
from contestapp.extensions import db
from contestapp.i18n import N_, Message


# --- layouts and printers --------------------------------------------------------------------------------------------

def layout_row(contest: Contest, kind: str, create: bool = False) -> CertificateLayout | None:
    if kind not in KINDS:
        raise CertificateError(Message(N_("未知的证书类型：%(kind)s"), kind=kind))
    row = db.session.scalar(select(CertificateLayout).where(CertificateLayout.contest_id == contest.id,
                                                            CertificateLayout.kind == kind))
    if row is None and create:
        row = CertificateLayout(contest_id=contest.id, kind=kind, builtin=BUILTIN_FOR_KIND[kind], document=None)
        db.session.add(row)
        db.session.flush()
    return row


def layout_document(contest: Contest, kind: str) -> dict:
    row = layout_row(contest, kind)
    if row is not None and row.document is not None:
        return row.document
    return builtin_layout(BUILTIN_FOR_KIND[kind]).to_dict()


def layout_for(contest: Contest, kind: str) -> Layout:
    row = layout_row(contest, kind)
    if row is None or row.document is None:
        return builtin_layout(row.builtin if row else BUILTIN_FOR_KIND[kind])
    return parse_layout(row.document)


def parse_document(text: str) -> tuple[dict | None, list[str]]:
    """A layout document typed in the editor: (document, errors by path)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [Message(N_("JSON 第 %(line)s 行第 %(column)s 列: %(error)s"), line=exc.lineno, column=exc.colno,
                              error=exc.msg)]
    errors = validate_layout(data)
    return (data if not errors else None), errors


def save_layout(contest: Contest, kind: str, document: dict | None, actor) -> CertificateLayout:
    """Store an edited layout (validated), or go back to the built-in one with document None."""
    if document is not None:
        errors = validate_layout(document)
        if errors:
            raise LayoutError(errors)
    row = layout_row(contest, kind, create=True)
    row.document = document
    row.updated_by = getattr(actor, "id", None)
    row.updated_at = utcnow()
    record(actor, "certificate.layout", row, contest_id=contest.id,
           summary=f"{'修改' if document is not None else '恢复内置'}{KIND_LABELS[CertificateKind(kind)]}版式")
    return row


def save_printer(contest: Contest, kind: str, printer: str, dx: Decimal, dy: Decimal, actor) -> PrinterOffset:
    printer = printer.strip()
    if not printer:
        raise CertificateError(N_("请填写打印机名称"))
    if abs(dx) > 50 or abs(dy) > 50:
        raise CertificateError(N_("校准偏移不能超过 ±50 毫米"))
    row = layout_row(contest, kind, create=True)
    offset = next((p for p in row.printers if p.printer == printer), None)
    if offset is None:
        offset = PrinterOffset(printer=printer)
        row.printers.append(offset)
    offset.dx, offset.dy = Decimal(dx), Decimal(dy)
    db.session.flush()
    record(actor, "certificate.printer", offset, contest_id=contest.id,
           summary=f"打印机「{printer}」校准偏移 dx={dx} dy={dy} 毫米", data={"kind": kind, "dx": dx, "dy": dy})
    return offset


def printer_offset(contest: Contest, kind: str, printer: str | None) -> tuple[float, float]:
    if not printer:
        return 0.0, 0.0
    row = layout_row(contest, kind)
    for p in (row.printers if row else []):
        if p.printer == printer:
            return float(p.dx), float(p.dy)
    raise CertificateError(Message(N_("打印机「%(printer)s」还没有校准（请在版式页面填写偏移量）"), printer=printer))


def fonts() -> FontSet:
    return load_fonts(current_app.config.get("CERT_FONT"))


# --- values printed ----------------------------------------------------------------------------------------------------

_DIGITS = "〇一二三四五六七八九"


def chinese_date(d: date) -> str:
    """二〇二五年五月一日."""
    def small(n: int) -> str:
        if n < 10:
            return _DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")

    return "".join(_DIGITS[int(c)] for c in str(d.year)) + f"年{small(d.month)}月{small(d.day)}日"


def certificate_data(cert: Certificate, contest: Contest, setup: CertificateSetup, base: str | None = None
                     ) -> CertificateData:
    issued = cert.issued_at.astimezone(ZONE).date() if cert.issued_at else utcnow().astimezone(ZONE).date()
    values = {
        "name": cert.holder, "unit": cert.unit or "", "contest": contest.name, "event": cert.event_name or "",
        "award": cert.award, "title": cert.award, "issuer": setup.issuer or contest.organisation.name,
        "date": setup.date_text or chinese_date(issued), "id_masked": cert.id_masked or "",
    }
    values.update({k: str(v) for k, v in (cert.fields or {}).items()})
    return CertificateData(serial=cert.serial, verify_url=verify_url(cert.serial, base), fields=values,
                           person=cert.holder)



# --- printing --------------------------------------------------------------------------------------------------------

def safe_filename(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", text).strip(" .")[:60] or "证书"


def zip_member_name(cert: Certificate) -> str:
    return f"{cert.serial}_{safe_filename(cert.holder)}.pdf"


def mark_printed(certs: Iterable[Certificate], actor, how: str) -> int:
    """Count a print; every print after the first is a reprint, logged in the audit log. Returns reprints."""
    now, reprints = utcnow(), 0
    for cert in certs:
        if cert.printed_at is not None:
            cert.reprints += 1
            reprints += 1
            record(actor, "certificate.reprint", cert, contest_id=cert.contest_id,
                   summary=f"重印证书 {cert.serial}（第 {cert.reprints} 次重印，{how}）",
                   data={"serial": cert.serial, "reprints": cert.reprints, "how": how})
        cert.printed_at = now
    return reprints


def reprint_one(cert: Certificate, mode: str, printer: str | None, actor, base: str | None = None) -> bytes:
    contest = db.session.get(Contest, cert.contest_id)
    if cert.status != CertificateStatus.VALID:
        raise CertificateError(Message(N_("证书 %(serial)s 已撤销，不能打印"), serial=cert.serial))
    offset = printer_offset(contest, cert.kind, printer)
    pdf = render_one(layout_for(contest, cert.kind), certificate_data(cert, contest, setup_of(contest), base),
                     mode=mode, offset=offset, fonts=fonts(), title=f"{contest.name} {cert.serial}")
    mark_printed([cert], actor, "单张打印" + ("（套打）" if mode == "overlay" else ""))
    return pdf


def preview_pdf(contest: Contest, kind: str, document: dict | None = None, mode: str = "full",
                printer: str | None = None) -> bytes:
    layout = parse_layout(document) if document is not None else layout_for(contest, kind)
    offset = printer_offset(contest, kind, printer) if mode == "overlay" else (0.0, 0.0)
    return render_preview(layout, mode=mode, offset=offset, fonts=fonts())


def calibration_pdf(contest: Contest, kind: str, printer: str | None) -> bytes:
    return render_calibration(layout_for(contest, kind), offset=printer_offset(contest, kind, printer),
                              fonts=fonts())


def pdf_to_png(pdf: bytes, dpi: int = 60) -> bytes:
    """The first page as PNG (poppler's pdftoppm in a subprocess)."""
    out = subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", "-"], input=pdf, capture_output=True,
                         timeout=30, check=True)
    return out.stdout
