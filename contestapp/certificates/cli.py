"""`flask certificates ...`: issue a batch with a progress bar (in this process, like a job), revoke a certificate."""
from __future__ import annotations

import shutil
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from contestapp.certificates import batches, issuing, verification
from contestapp.certificates.errors import CertificateError
from contestapp.certificates.models import KIND_LABELS, Certificate
from contestapp.contests.models import Event
from contestapp.extensions import db
from contestapp.contests.cli import contest_by_ref

certificates_cli = AppGroup("certificates", help="证书 / certificates")


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
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="把合并 PDF 和 ZIP 复制到此目录")
def issue_command(contest_ref, event_code, kind, source, mode, printer, out_dir):
    """发放证书并生成合并 PDF 与每人一份 PDF 的 ZIP / issue certificates and render the batch."""
    contest = contest_by_ref(contest_ref)
    event = None
    if event_code:
        event = db.session.scalar(select(Event).where(Event.contest_id == contest.id, Event.code == event_code))
        if event is None:
            raise click.ClickException(f"竞赛 {contest.code} 没有赛项 {event_code}")
    kind = kind or {"craftsman": "craftsman", "merit": "honour", "points": "honour"}.get(contest.kind, "award")
    source = source or {"craftsman": "craftsman", "merit": "merit", "points": "merit"}.get(contest.kind, "awards")
    try:
        batch = batches.create_batch(contest, source, kind, event, mode, printer, None)
    except CertificateError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"批次 #{batch.id}：{contest.name} {KIND_LABELS[kind]}"
               f"{' · ' + event.name if event else ''}（{'套打' if mode == 'overlay' else '全彩'}）")

    bar = None
    state = {"phase": None, "shown": 0}

    def progress(done: int, total: int, phase: str) -> None:
        nonlocal bar
        if not total:
            click.echo(phase)
            return
        if bar is None:
            bar = click.progressbar(length=total, label="生成证书", show_pos=True, show_percent=True)
            bar.__enter__()
        if phase != state["phase"]:
            bar.label = phase
            state["phase"] = phase
        bar.update(done - state["shown"])
        state["shown"] = done

    try:
        batch = batches.run_batch(batch.id, verification.base_url(), progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if batch.status != "done":
        raise click.ClickException(batch.error or "生成失败")
    pdf, zip_ = batches.batch_file(batch, "pdf"), batches.batch_file(batch, "zip")
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
