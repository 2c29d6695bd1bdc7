"""Certificate batches: a list issued and printed in one go (one merged PDF for the printer, a ZIP of one PDF per
person). The web console and the CLI (`flask certificates issue`) both start one with `start_batch`, which queues
it; the jobs process (contestapp.jobs.queue) runs it and reports progress, which the batch page and the CLI's
`--wait` show."""
from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path
from typing import Callable

from flask import current_app
from sqlalchemy import select

from contestapp.auth.models import User
from contestapp.certificates.errors import PRINT_ERRORS, CertificateError
from contestapp.certificates.issuing import issue, issued_certificates, requests_from
from contestapp.certificates.models import (
    KIND_LABELS,
    KINDS,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateKind,
)
from contestapp.certificates.printing import (
    certificate_data,
    fonts,
    layout_for,
    mark_printed,
    printer_offset,
    safe_filename,
    zip_member_name,
)
from contestapp.certificates.render import check_records, render_batch, render_one
from contestapp.certificates.serials import setup_of
from contestapp.common.db import utcnow
from contestapp.common.recipients import providers
from contestapp.contests.models import Contest, Event
from contestapp.extensions import db
from contestapp.i18n import N_, Message, said
from contestapp.jobs.models import QueuedJob
from contestapp.jobs.queue import JobFailed, Work, enqueue, handler

log = logging.getLogger(__name__)

JOB_KIND = "certificate_batch"
ISSUED_LABEL = N_("已发证书（重印）")


def batch_dir() -> Path:
    path = Path(current_app.config["INSTANCE_PATH"]) / "certificates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sources() -> dict[str, str]:
    """The lists a batch can issue: every registered recipient source, and the certificates already issued."""
    return {**{name: p.label for name, p in providers().items()}, "issued": ISSUED_LABEL}


def create_batch(contest: Contest, source: str, kind: str, event: Event | None, mode: str, printer: str | None,
                 actor) -> CertificateBatch:
    if source not in sources():
        raise CertificateError(Message(N_("未知的名单来源：%(source)s"), source=source))
    if kind not in KINDS:
        raise CertificateError(Message(N_("未知的证书类型：%(kind)s"), kind=kind))
    if mode not in ("full", "overlay"):
        raise CertificateError(N_("打印方式须为 full（全彩）或 overlay（套打）"))
    printer_offset(contest, kind, printer or None)  # refuse an uncalibrated printer now, not in the job
    batch = CertificateBatch(contest_id=contest.id, source=source, kind=kind, event_id=event.id if event else None,
                             mode=mode, printer=printer or None, created_by=getattr(actor, "id", None),
                             status=BatchStatus.QUEUED, phase=N_("排队中"))
    db.session.add(batch)
    db.session.flush()
    return batch


def queue_batch(batch: CertificateBatch, base: str | None = None) -> QueuedJob:
    """Hand the batch to the jobs process (it starts once the caller commits)."""
    job = enqueue(JOB_KIND, {"batch_id": batch.id, "base": base}, contest_id=batch.contest_id,
                  created_by=batch.created_by, phase=N_("排队中，等待任务进程"))
    batch.job_id = job.id
    batch.phase = N_("排队中，等待任务进程")
    return job


def start_batch(contest: Contest, source: str, kind: str, event: Event | None, mode: str, printer: str | None,
                actor, base: str | None = None) -> CertificateBatch:
    """A batch created and queued for the jobs process, the one way a batch starts (the console, the CLI); it
    starts once the caller commits. Refused with CertificateError before anything is queued."""
    batch = create_batch(contest, source, kind, event, mode, printer, actor)
    queue_batch(batch, base)
    return batch


def run_batch(batch_id: int, base: str | None = None, progress: Callable[[int, int, str], None] | None = None,
              actor=None) -> Message | None:
    """The issuing job: gather the list, issue (serials), render the batch PDF and the ZIP of single PDFs; returns
    why it failed (None if it did not), for the job's pages.

    Commits as it goes (it is a job, like a CLI command): the certificates once issued, the progress every few
    pages. A problem stops it before anything is issued (missing glyph, missing value, bad list) and is kept in
    `batch.error` in Chinese for the organiser.
    """
    batch = db.session.get(CertificateBatch, batch_id)
    actor = actor or (db.session.get(User, batch.created_by) if batch.created_by else None)
    contest = db.session.get(Contest, batch.contest_id)
    event = db.session.get(Event, batch.event_id) if batch.event_id else None

    def step(done: int, total: int, phase: str) -> None:
        batch.done, batch.total, batch.phase = done, total, phase
        if progress:
            progress(done, total, phase)
        db.session.commit()

    try:
        batch.status, batch.error, batch.pdf_name, batch.zip_name = BatchStatus.RUNNING, None, None, None
        step(0, 0, N_("检查名单和字形"))
        layout = layout_for(contest, batch.kind)
        offset = printer_offset(contest, batch.kind, batch.printer)
        font_set = fonts()
        setup = setup_of(contest)
        if batch.source == "issued":
            certs = issued_certificates(contest, batch.kind, event)
            batch.issued = 0
            records = [certificate_data(c, contest, setup, base) for c in certs]
            check_records(layout, records, font_set, batch.mode)
        else:
            result = issue(contest, requests_from(contest, batch.source, batch.kind, event), layout, actor,
                           mode=batch.mode, check_fonts=font_set)
            certs = result.certificates
            batch.issued = result.new
            if not certs:
                raise CertificateError(N_("名单中的证书均已撤销，没有可打印的证书"))
            records = [certificate_data(c, contest, setup, base) for c in certs]
        # what the rendering needs is read now: the commits below expire the loaded rows
        ids, members = [c.id for c in certs], [zip_member_name(c) for c in certs]
        db.session.commit()  # the certificates exist from here on, with their serials

        n = len(records)
        total = 2 * n
        step(0, total, N_("生成合并 PDF"))
        stem = f"batch-{batch.id}-{contest.code}-{batch.kind}" + (f"-{event.code}" if event else "")
        stem = safe_filename(stem)
        title = f"{contest.name} {KIND_LABELS[CertificateKind(batch.kind)]}" + (f" · {event.name}" if event else "")
        every = max(1, min(200, n // 20))
        masks: dict[str, int] = {}  # each QR code's mask, found once for both files
        render_batch(layout, records, batch_dir() / f"{stem}.pdf", mode=batch.mode, offset=offset, fonts=font_set,
                     title=title, progress=lambda d, t: step(d, total, "生成合并 PDF"), progress_every=every,
                     qr_masks=masks)
        batch.pdf_name = f"{stem}.pdf"
        step(n, total, N_("生成单人 PDF"))
        tmp = batch_dir() / f"{stem}.zip.part"
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:  # PDFs are compressed already
            for i, (member, rec) in enumerate(zip(members, records), 1):
                zf.writestr(member, render_one(layout, rec, mode=batch.mode, offset=offset, fonts=font_set,
                                               title=f"{title} {rec.serial}", qr_masks=masks))
                if i % every == 0 or i == n:
                    step(n + i, total, "生成单人 PDF")
        os.replace(tmp, batch_dir() / f"{stem}.zip")
        batch.zip_name = f"{stem}.zip"
        how = f"批次 {batch.id}，" + ("套打" if batch.mode == "overlay" else "全彩") + \
            (f"，打印机 {batch.printer}" if batch.printer else "")
        batch.reprinted = mark_printed(_certificates(ids), actor, how)
        batch.status, batch.phase, batch.finished_at = BatchStatus.DONE, N_("已完成"), utcnow()
        db.session.commit()
    except PRINT_ERRORS as exc:
        failure = said(exc.args[0] if len(exc.args) == 1 else str(exc))  # a Message stays one
        _fail(batch_id, failure)
        return failure
    except Exception as exc:  # noqa: BLE001 - a job must record its end whatever happened
        log.exception("certificate batch %s failed", batch_id)
        failure = Message(N_("生成失败（系统错误：%(error)s），已记录，请联系管理员"), error=type(exc).__name__)
        _fail(batch_id, failure)
        return failure
    return None


def _certificates(ids: list[int]) -> list[Certificate]:
    """The batch's certificates again, in a few queries (the progress commits have expired the ones loaded)."""
    by_id: dict[int, Certificate] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        by_id.update((c.id, c) for c in db.session.scalars(select(Certificate).where(Certificate.id.in_(chunk))))
    return [by_id[i] for i in ids]


def _fail(batch_id: int, message: str, rollback: bool = True) -> None:
    if rollback:
        db.session.rollback()
    batch = db.session.get(CertificateBatch, batch_id)
    batch.status, batch.phase, batch.error, batch.finished_at = BatchStatus.FAILED, N_("失败"), str(message), utcnow()
    db.session.commit()


def batch_file(batch: CertificateBatch, which: str) -> Path | None:
    name = batch.pdf_name if which == "pdf" else batch.zip_name
    if not name:
        return None
    path = batch_dir() / name
    return path if path.is_file() else None


def batch_summary(batch: CertificateBatch) -> dict:
    """The batch's state for its page and its JSON status route (static/js/job-progress.js)."""
    job = db.session.get(QueuedJob, batch.job_id) if batch.job_id else None
    status, label, phase, error = batch.status, batch.status_label, batch.phase, batch.error
    if job is not None and job.status == "failed" and status != BatchStatus.FAILED:  # its worker died every time
        status, label, phase, error = BatchStatus.FAILED, N_("失败"), N_("失败"), job.error
    elif job is not None and job.status == "running" and job.attempts > 1 and status != BatchStatus.DONE:
        phase = N_("任务进程中断后重新开始")
    finished = status in (BatchStatus.DONE, BatchStatus.FAILED)
    return {"id": batch.id, "status": status, "status_label": label, "phase": phase, "done": batch.done,
            "total": batch.total, "percent": 100 if status == BatchStatus.DONE else batch.percent,
            "issued": batch.issued, "reprinted": batch.reprinted, "error": error or "", "finished": finished,
            "pdf": bool(batch.pdf_name), "zip": bool(batch.zip_name)}


@handler(JOB_KIND, on_give_up=lambda job, message: _fail(job.payload["batch_id"], message, rollback=False))
def batch_job(work: Work) -> str:
    """The jobs process's side of a batch: run it, reporting progress to the queue too."""
    failure = run_batch(work.payload["batch_id"], work.payload.get("base"),
                        lambda done, total, phase: work.report(done, total, phase))
    batch = db.session.get(CertificateBatch, work.payload["batch_id"])
    if batch.status != BatchStatus.DONE:
        raise JobFailed(failure or batch.error or N_("生成失败"))  # a Message: the pages show it translated
    return Message(N_("批次 %(id)s：%(n)s 张（新发 %(issued)s，重印 %(reprinted)s）"), id=batch.id,
                   n=batch.total // 2, issued=batch.issued, reprinted=batch.reprinted)
