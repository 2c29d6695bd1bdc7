"""Certificates console (a contest tab): list, issue and reprint, downloads, revocation, layout editor with a live
preview, printer calibration; and the public verification page. Refusals (PRINT_ERRORS) go through the blueprint's
handler (contestapp.common.refusals)."""
from __future__ import annotations

import json
import subprocess
from decimal import Decimal, InvalidOperation

from flask import (Blueprint, Response, abort, flash, jsonify, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from contestapp.common.http import download
from contestapp.audit.service import record
from contestapp.auth.permissions import ORGANISER, contest_access, get_or_404, public
from contestapp.certificates import batches, issuing, printing, serials, verification
from contestapp.certificates.errors import PRINT_ERRORS, CertificateError
from contestapp.certificates.layout import builtin_layout
from contestapp.certificates.models import (BUILTIN_FOR_KIND, KIND_LABELS, KINDS, Certificate, CertificateBatch,
                                           CertificateKind)
from contestapp.common.limits import limited
from contestapp.common.nav import Tab, add_tab
from contestapp.common.refusals import refused_to, register_refusals
from contestapp.contests.models import Contest, Event
from contestapp.extensions import db
from contestapp.i18n import N_, tr
from contestapp.jobs.models import QueuedJob
from contestapp.jobs.queue import shown

bp = Blueprint("certificates", __name__, url_prefix="/contests/<int:contest_id>/certificates")
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")

add_tab(Tab("certificates", "证书", "certificates.index", (ORGANISER,), order=80))

# what printing or issuing refuses (a missing glyph or value, a bad layout, an uncalibrated printer, an empty list):
# flashed in the reader's language, back to the page the form was on (else the console)
register_refusals(bp, *PRINT_ERRORS, fallback=".index")

PER_PAGE = 50


def _kind(value: str | None) -> str:
    if value not in KINDS:
        abort(404)
    return value


def _attachment(content: bytes, filename: str, mimetype: str = "application/pdf") -> Response:
    return download(content, filename, mimetype)


def _event(contest: Contest, event_id: int | None) -> Event | None:
    return get_or_404(Event, event_id, contest_id=contest.id) if event_id else None


def _default_kind(contest: Contest) -> str:
    return {"craftsman": "craftsman", "merit": "honour", "points": "honour"}.get(contest.kind, "award")


def _default_source(contest: Contest) -> str:
    return {"craftsman": "craftsman", "merit": "merit", "points": "merit"}.get(contest.kind, "awards")


@bp.route("/")
@contest_access(ORGANISER)
def index(contest: Contest):
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind") or None
    status = request.args.get("status") or None
    event_id = request.args.get("event", type=int)
    page = db.paginate(issuing.certificates_query(contest, q, kind if kind in KINDS else None, event_id,
                                                   status if status in ("valid", "revoked") else None),
                       per_page=PER_PAGE, error_out=False)
    recent = db.session.scalars(db.select(CertificateBatch).where(CertificateBatch.contest_id == contest.id)
                                .order_by(CertificateBatch.id.desc()).limit(10)).all()
    setup = serials.setup_of(contest)
    rows = {k: printing.layout_row(contest, k) for k in KINDS}
    printers = {k: [p.printer for p in row.printers] for k, row in rows.items() if row is not None}
    db.session.commit()  # the settings row, created on first visit
    return render_template("certificates/index.html", contest=contest, page=page, q=q, kind=kind, status=status,
                           event_id=event_id, batches=recent, setup=setup, kinds=KIND_LABELS,
                           sources=batches.sources(), printers=printers, default_kind=_default_kind(contest),
                           default_source=_default_source(contest), summary=_summary,
                           sign=verification.sign_serial)


@bp.route("/settings", methods=["POST"])
@contest_access(ORGANISER)
def settings(contest: Contest):
    setup = serials.setup_of(contest)
    pattern = request.form.get("serial_pattern", "").strip() or setup.serial_pattern
    problems = serials.check_pattern(pattern)
    if problems:
        for p in problems:
            flash(tr(p), "error")
        return redirect(url_for(".index", contest_id=contest.id))
    setup.serial_pattern = pattern
    setup.issuer = request.form.get("issuer", "").strip()[:200] or None
    setup.date_text = request.form.get("date_text", "").strip()[:50] or None
    record(current_user, "certificate.settings", setup, contest_id=contest.id, object_id=contest.id,
           summary=f"证书设置：编号格式 {pattern}", data={"serial_pattern": pattern, "issuer": setup.issuer,
                                                   "date_text": setup.date_text})
    db.session.commit()
    flash(_("证书设置已保存（编号格式只影响此后新发的证书）"), "success")
    return redirect(url_for(".index", contest_id=contest.id))


@bp.route("/issue", methods=["POST"])
@refused_to(".index")
@contest_access(ORGANISER)
def issue(contest: Contest):
    event = _event(contest, request.form.get("event", type=int))
    batch = batches.start_batch(contest, request.form.get("source", ""), request.form.get("kind", ""), event,
                                request.form.get("mode", "full"), request.form.get("printer", "").strip(),
                                current_user, request.url_root)
    db.session.commit()  # the web process only queues: a jobs process does the work (contestapp.jobs.queue)
    return redirect(url_for(".batch", contest_id=contest.id, batch_id=batch.id))


def _summary(b: CertificateBatch) -> dict:
    """The batch's state, its error in the reader's language: its job's, as every page showing a job shows it (the
    job keeps the failure's Message), else the batch's own (a batch from before the queue)."""
    info = batches.batch_summary(b)
    job = db.session.get(QueuedJob, b.job_id) if b.job_id else None
    error = shown(job)["error"] if job is not None else ""
    info["error"] = error or (tr(info["error"]) if info["error"] else "")
    return info


@bp.route("/batches/<int:batch_id>")
@contest_access(ORGANISER)
def batch(contest: Contest, batch_id: int):
    b = get_or_404(CertificateBatch, batch_id, contest_id=contest.id)
    event = db.session.get(Event, b.event_id) if b.event_id else None
    return render_template("certificates/batch.html", contest=contest, batch=b, event=event,
                           info=_summary(b), kinds=KIND_LABELS, sources=batches.sources())


@bp.route("/batches/<int:batch_id>/status")
@contest_access(ORGANISER)
def batch_status(contest: Contest, batch_id: int):
    b = get_or_404(CertificateBatch, batch_id, contest_id=contest.id)
    info = _summary(b)
    label, phase = info["status_label"], info["phase"]
    info["status_label"], info["phase"] = _(label), _(phase) if phase else ""
    return jsonify(info)


@bp.route("/batches/<int:batch_id>/download/<any(pdf, zip):which>")
@contest_access(ORGANISER)
def batch_download(contest: Contest, batch_id: int, which: str):
    b = get_or_404(CertificateBatch, batch_id, contest_id=contest.id)
    path = batches.batch_file(b, which)
    if path is None:
        abort(404)
    name = f"{contest.name}-{KIND_LABELS[CertificateKind(b.kind)]}-批次{b.id}.{which}"
    return send_file(path, mimetype="application/pdf" if which == "pdf" else "application/zip",
                     as_attachment=True, download_name=name)


@bp.route("/<int:cert_id>/revoke", methods=["POST"])
@contest_access(ORGANISER)
def revoke(contest: Contest, cert_id: int):
    cert = get_or_404(Certificate, cert_id, contest_id=contest.id)
    issuing.revoke(cert, request.form.get("reason", ""), current_user)
    db.session.commit()
    flash(_("证书 %(serial)s 已撤销", serial=cert.serial), "success")
    return redirect(request.referrer or url_for(".index", contest_id=contest.id))


@bp.route("/<int:cert_id>/print", methods=["POST"])
@contest_access(ORGANISER)
def print_one(contest: Contest, cert_id: int):
    cert = get_or_404(Certificate, cert_id, contest_id=contest.id)
    mode = "overlay" if request.form.get("mode") == "overlay" else "full"
    pdf = printing.reprint_one(cert, mode, request.form.get("printer", "").strip() or None, current_user,
                               request.url_root)
    db.session.commit()
    return _attachment(pdf, printing.zip_member_name(cert))


# --- layouts -----------------------------------------------------------------------------------------------------------

@bp.route("/layouts/<layout>", methods=["GET", "POST"])
@contest_access(ORGANISER)
def layout_editor(contest: Contest, layout: str):
    kind = _kind(layout)
    errors: list[str] = []
    if request.method == "POST":
        text = request.form.get("document", "")
        document, errors = printing.parse_document(text)
        errors = [tr(e) for e in errors]
        if not errors:
            printing.save_layout(contest, kind, document, current_user)
            db.session.commit()
            flash(_("版式已保存"), "success")
            return redirect(url_for(".layout_editor", contest_id=contest.id, layout=kind))
    else:
        text = json.dumps(printing.layout_document(contest, kind), ensure_ascii=False, indent=2)
    row = printing.layout_row(contest, kind)
    return render_template("certificates/layout.html", contest=contest, kind=kind, kinds=KIND_LABELS, text=text,
                           errors=errors, row=row, builtin=builtin_layout(BUILTIN_FOR_KIND[kind]),
                           printers=row.printers if row else []), (400 if errors else 200)


@bp.route("/layouts/<layout>/reset", methods=["POST"])
@contest_access(ORGANISER)
def layout_reset(contest: Contest, layout: str):
    kind = _kind(layout)
    printing.save_layout(contest, kind, None, current_user)
    db.session.commit()
    flash(_("已恢复为内置版式"), "success")
    return redirect(url_for(".layout_editor", contest_id=contest.id, layout=kind))


def _preview_response(pdf: bytes, fmt: str) -> Response:
    if fmt == "pdf":
        return Response(pdf, mimetype="application/pdf")
    try:
        png = printing.pdf_to_png(pdf, 60)
    except (OSError, subprocess.SubprocessError):  # no poppler here: the browser shows the PDF instead
        return Response(pdf, mimetype="application/pdf")
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.route("/layouts/<layout>/preview", methods=["GET", "POST"])
@contest_access(ORGANISER)
def layout_preview(contest: Contest, layout: str):
    """GET: the saved layout; POST: the JSON being edited (body `document`), rendered by the printing code.
    Errors come back as JSON {errors: [path: message]} with status 400."""
    kind = _kind(layout)
    document = None
    if request.method == "POST":
        document, errors = printing.parse_document(request.form.get("document", ""))
        if errors:
            return jsonify(errors=[tr(e) for e in errors]), 400
    mode = "overlay" if request.values.get("mode") == "overlay" else "full"
    try:  # the live preview shows the problems beside the JSON being edited (its own JSON answer, not a redirect)
        pdf = printing.preview_pdf(contest, kind, document, mode, request.values.get("printer") or None)
    except PRINT_ERRORS as exc:
        return jsonify(errors=[tr(exc)]), 400
    except OSError as exc:  # an image path that does not exist (ours carries a Message; the system's, errno and text)
        return jsonify(errors=[tr(exc) if len(exc.args) == 1 else str(exc)]), 400
    return _preview_response(pdf, request.values.get("format", "png"))


def _millimetres(name: str) -> Decimal:
    """A calibration offset as typed (millimetres); anything else is refused like the service's own refusals."""
    try:
        return Decimal(request.form.get(name, "0").strip() or "0")
    except InvalidOperation:
        raise CertificateError(N_("偏移量须为数字（毫米，可带小数）")) from None


@bp.route("/layouts/<layout>/printers", methods=["POST"])
@refused_to(".layout_editor", anchor="printers")
@contest_access(ORGANISER)
def printer_save(contest: Contest, layout: str):
    kind = _kind(layout)
    printing.save_printer(contest, kind, request.form.get("printer", ""), _millimetres("dx"), _millimetres("dy"),
                          current_user)
    db.session.commit()
    flash(_("打印机校准已保存"), "success")
    return redirect(url_for(".layout_editor", contest_id=contest.id, layout=kind) + "#printers")


@bp.route("/layouts/<layout>/calibration.pdf")
@refused_to(".layout_editor")
@contest_access(ORGANISER)
def calibration(contest: Contest, layout: str):
    kind = _kind(layout)
    printer = request.args.get("printer") or None
    pdf = printing.calibration_pdf(contest, kind, printer)
    return _attachment(pdf, f"校准页-{KIND_LABELS[CertificateKind(kind)]}{'-' + printer if printer else ''}.pdf")


# --- public verification ---------------------------------------------------------------------------------------------

@verify_bp.route("/", methods=["GET"])
@public
@limited("cert_lookup")
def lookup():
    serial = request.args.get("serial", "").strip()
    name = request.args.get("name", "").strip()
    result = verification.lookup(serial, name) if serial and name else None
    return render_template("certificates/verify.html", result=result, serial=serial, name=name, manual=True,
                           contest=result.certificate.contest if result and result.certificate else None), \
        (404 if result is not None and result.certificate is None else 200)


@verify_bp.route("/<serial>")
@public
@limited("cert_lookup")
def verify(serial: str):
    result = verification.verify(serial, request.args.get("sig"))
    cert = result.certificate
    code = {"valid": 200, "revoked": 200, "unknown": 404, "forged": 400}[result.state]
    return render_template("certificates/verify.html", result=result, serial=serial, manual=False,
                           contest=cert.contest if cert else None), code

