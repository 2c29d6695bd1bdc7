"""`flask certificates ...`: issue a batch (queued for the jobs process, as the console does; `--wait` follows it),
follow a batch, revoke a certificate."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from contestapp.certificates import batches, issuing, verification
from contestapp.certificates.errors import CertificateError
from contestapp.certificates.models import KIND_LABELS, BatchStatus, Certificate, CertificateBatch
from contestapp.contests.cli import contest_by_ref
from contestapp.contests.models import Event
from contestapp.extensions import db
from contestapp.jobs.models import QueuedJob
from contestapp.jobs.queue import POLL_SECONDS as WORKER_POLL, claim, holder_id, run_claimed

certificates_cli = AppGroup("certificates", help="证书 / certificates")

POLL_SECONDS = 1.0   # how often `--wait` reads the batch's progress
WORKER_GRACE = 3 * WORKER_POLL  # a batch no idle jobs process took in three of its polls: `--here` works it

WORKERS = "flask jobs run 或 flask jobs work"
OUT_HELP = "完成后把合并 PDF 和 ZIP 复制到此目录（须等待完成：与 --wait 或 --here 一起使用）"
WAIT_HELP = "等待批次完成并显示进度（由任务进程生成）"
HERE_HELP = f"等待；若几秒内没有任务进程（{WORKERS}）接手，由本命令在本进程中生成（隐含 --wait）"


@certificates_cli.command("issue")
@click.argument("contest_ref")
@click.option("--event", "event_code", help="只发此赛项（赛项代码）")
@click.option("--kind", type=click.Choice(["award", "title", "craftsman", "honour"]),
              help="证书类型（默认按竞赛类型：技能竞赛 award，工匠评选 craftsman，立功竞赛 honour）")
@click.option("--source", type=click.Choice(["awards", "craftsman", "merit", "issued"]),
              help="名单来源（默认按竞赛类型）；issued = 重印已发证书")
@click.option("--mode", type=click.Choice(["full", "overlay"]), default="full", show_default=True,
              help="full 全彩打印；overlay 套打（只打印变动内容）")
@click.option("--printer", help="套打校准的打印机名称（须先在版式页面校准）")
@click.option("--wait", is_flag=True, help=WAIT_HELP)
@click.option("--here", is_flag=True, help=HERE_HELP)
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help=OUT_HELP)
def issue_command(contest_ref, event_code, kind, source, mode, printer, wait, here, out_dir):
    """发放证书：把批次排入后台任务队列，由任务进程生成合并 PDF 与每人一份 PDF 的 ZIP / queue a certificate batch."""
    wait = wait or here
    if out_dir and not wait:
        raise click.UsageError("-o/--out 须等待批次完成才能复制文件：请同时使用 --wait（或 --here）")
    contest = contest_by_ref(contest_ref)
    event = None
    if event_code:
        event = db.session.scalar(select(Event).where(Event.contest_id == contest.id, Event.code == event_code))
        if event is None:
            raise click.ClickException(f"竞赛 {contest.code} 没有赛项 {event_code}")
    kind = kind or {"craftsman": "craftsman", "merit": "honour", "points": "honour"}.get(contest.kind, "award")
    source = source or {"craftsman": "craftsman", "merit": "merit", "points": "merit"}.get(contest.kind, "awards")
    try:
        batch = batches.start_batch(contest, source, kind, event, mode, printer, None, verification.base_url())
    except CertificateError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"批次 #{batch.id}：{contest.name} {KIND_LABELS[kind]}"
               f"{' · ' + event.name if event else ''}（{'套打' if mode == 'overlay' else '全彩'}）")
    click.echo(f"已排入后台任务队列：任务 #{batch.job_id}，由任务进程（{WORKERS}）生成")
    if not wait:
        click.echo(f"查看进度：flask certificates batch {batch.id} --wait（加 -o 目录 复制生成的文件），"
                   "或网页「证书」页的批次")
        return
    _follow(batch.id, here)
    _report(batch.id, out_dir)


@certificates_cli.command("batch")
@click.argument("batch_id", type=int)
@click.option("--wait", is_flag=True, help=WAIT_HELP)
@click.option("--here", is_flag=True, help=HERE_HELP)
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="把合并 PDF 和 ZIP 复制到此目录（批次须已完成，或与 --wait 一起使用）")
def batch_command(batch_id, wait, here, out_dir):
    """查看一个证书批次的进度；--wait 等待完成 / show (or follow) a certificate batch."""
    db.session.rollback()  # read what the jobs process has committed
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None:
        raise click.ClickException(f"没有批次 #{batch_id}")
    if wait or here:
        _follow(batch_id, here)
        _report(batch_id, out_dir)
        return
    info = batches.batch_summary(batch)
    if info["finished"]:
        _report(batch_id, out_dir)
        return
    click.echo(f"批次 #{batch_id}：{info['phase'] or info['status_label']}"
               + (f" {info['done']}/{info['total']}" if info["total"] else ""))
    if out_dir:
        raise click.ClickException("批次尚未完成，没有可复制的文件；加 --wait 等待完成")


class _Progress:
    """A batch's progress on the terminal: phases without a count as lines, the pages as a bar."""

    def __init__(self) -> None:
        self.bar = None
        self.phase: str | None = None
        self.total = 0
        self.shown = 0

    def __call__(self, done: int, total: int, phase: str) -> None:
        if not total:
            self.close()
            if phase and phase != self.phase:
                click.echo(phase)
            self.phase = phase
            return
        if self.bar is None or total != self.total or done < self.shown:  # a new count, or started over
            self.close()
            self.bar = click.progressbar(length=total, label=phase, show_pos=True, show_percent=True)
            self.bar.__enter__()
            self.total, self.phase = total, phase
        if phase != self.phase:
            self.bar.label = phase
            self.phase = phase
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        self.bar, self.total, self.shown = None, 0, 0


def _follow(batch_id: int, here: bool) -> None:
    """Show the batch's progress until it has ended. The jobs process does the work; with `here`, a batch no jobs
    process has taken after WORKER_GRACE seconds (or whose worker died) is claimed and worked in this process."""
    progress = _Progress()
    start = time.monotonic()
    hinted = False
    try:
        while True:
            db.session.rollback()  # a fresh read: what the jobs process has committed since
            batch = db.session.get(CertificateBatch, batch_id)
            info = batches.batch_summary(batch)
            if info["finished"]:
                return
            job = db.session.get(QueuedJob, batch.job_id) if batch.job_id else None
            if job is None:
                raise click.ClickException(f"批次 #{batch_id} 不在后台任务队列中，无法等待；请重新发放")
            waited = time.monotonic() - start >= WORKER_GRACE
            if here and (waited or job.status != "queued") and _work_here(job.id, progress):
                continue
            progress(info["done"], info["total"], info["phase"])
            if waited and job.status == "queued" and not hinted:
                progress.close()
                click.echo(f"任务 #{job.id} 仍在排队：没有任务进程在处理队列？请启动 {WORKERS}；"
                           f"或按 Ctrl+C 后运行 flask certificates batch {batch_id} --here 由本命令生成")
                hinted = True
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        progress.close()
        click.echo(f"\n已停止等待；批次 #{batch_id} 仍在队列中由任务进程生成"
                   f"（flask certificates batch {batch_id} --wait 继续查看）")
        raise click.exceptions.Exit(130) from None
    finally:
        progress.close()


def _work_here(job_id: int, progress: _Progress) -> bool:
    """Claim the batch's job for this process and run it; False if a live jobs process holds it."""
    job = claim(holder_id(), job_id)
    if job is None:
        return False
    progress.close()
    click.echo(f"没有任务进程接手任务 #{job_id}：由本命令在本进程中生成（--here）")
    try:
        run_claimed(job, listener=progress)
    except KeyboardInterrupt:
        progress.close()
        click.echo(f"\n已中断：任务 #{job_id} 已放回队列，由任务进程（{WORKERS}）或再次 --here 继续")
        raise click.exceptions.Exit(130) from None
    return True


def _report(batch_id: int, out_dir: Path | None) -> None:
    """How a finished batch ended: its files (copied to `out_dir` if given), or its error."""
    db.session.rollback()
    batch = db.session.get(CertificateBatch, batch_id)
    info = batches.batch_summary(batch)
    if info["status"] != BatchStatus.DONE:
        raise click.ClickException(f"批次 #{batch_id} 生成失败：{info['error'] or '原因未记录'}")
    pdf, zip_ = batches.batch_file(batch, "pdf"), batches.batch_file(batch, "zip")
    if pdf is None or zip_ is None:
        raise click.ClickException(f"批次 #{batch_id} 已完成，但文件不在本机的 {batches.batch_dir()}"
                                   "（由另一台主机的任务进程生成？请在网页「证书」页下载）")
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        pdf = Path(shutil.copy2(pdf, out_dir / pdf.name))
        zip_ = Path(shutil.copy2(zip_, out_dir / zip_.name))
    click.echo(f"完成：{batch.total // 2} 张（新发 {batch.issued}，重印 {batch.reprinted}）")
    click.echo(f"  合并 PDF：{pdf}")
    click.echo(f"  ZIP：{zip_}")


@certificates_cli.command("revoke")
@click.argument("serial")
@click.option("--reason", required=True, help="撤销原因（必填，记入审计日志）")
def revoke_command(serial: str, reason: str):
    """撤销一张证书 / revoke a certificate."""
    cert = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
    if cert is None:
        raise click.ClickException(f"没有证书 {serial}")
    try:
        issuing.revoke(cert, reason, None)
    except CertificateError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"已撤销证书 {serial}")
