"""`flask jobs ...`: run the scheduler (one process, which also works the queue), run a queue worker, run a job
once, list jobs."""
from __future__ import annotations

import logging
import signal
import sys
from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import AppGroup

from contestapp.jobs.queue import work
from contestapp.jobs.runner import JOBS, run_job
from contestapp.jobs.scheduler import catch_up, run_forever
from contestapp.jobs.views import job_rows

jobs_cli = AppGroup("jobs", help="定时任务与后台任务 / scheduled and background jobs")


def _stop(signum, frame) -> None:
    sys.exit(0)  # SystemExit out of the loop: a job being run goes back to the queue, the command says so and ends


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@jobs_cli.command("run")
@click.option("--catch-up-only", is_flag=True, help="只补跑错过的任务后退出")
def run_command(catch_up_only: bool):
    """启动调度进程（只运行一个；不要放进 Web 服务进程），同时处理后台任务队列 / run the scheduler and the queue."""
    _logging()
    app = current_app._get_current_object()
    if catch_up_only:
        for run in catch_up(app):
            click.echo(f"{run.job}: {run.status} {run.message or ''}")
        return
    click.echo("调度进程已启动（同时处理后台任务队列；Ctrl+C 退出）")
    signal.signal(signal.SIGTERM, _stop)  # `make run` stops it with SIGTERM when the server ends
    try:
        run_forever(app)
    except (KeyboardInterrupt, SystemExit):
        click.echo("调度进程已退出")


@jobs_cli.command("work")
@click.option("--until-empty", is_flag=True, help="队列为空时退出（否则一直等待新任务）")
@click.option("--poll", type=float, default=1.0, show_default=True, help="队列为空时每隔几秒查看一次")
def work_command(until_empty: bool, poll: float):
    """处理后台任务队列（证书批次、大批量导入、备份）；可运行多个 / work the background job queue."""
    _logging()
    app = current_app._get_current_object()
    click.echo("任务进程已启动（Ctrl+C 退出）")
    signal.signal(signal.SIGTERM, _stop)
    try:
        ran = work(app, poll=poll, until_empty=until_empty)
    except (KeyboardInterrupt, SystemExit):
        click.echo("任务进程已退出")
        return
    click.echo(f"任务进程已退出：完成 {ran} 个任务")


@jobs_cli.command("once")
@click.argument("name")
@click.option("--now", "now_text", help="按此时间运行（ISO 格式，如 2025-05-06T08:00:00+08:00）")
def once_command(name: str, now_text: str | None):
    """立即运行一个任务 / run one job now."""
    if name not in JOBS:
        raise click.ClickException(f"没有任务 {name}；可用：{', '.join(JOBS)}")
    now = datetime.fromisoformat(now_text) if now_text else datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise click.ClickException("时间须带时区，例如 +08:00")
    run = run_job(name, now)
    click.echo(f"{name}: {run.status} {run.message or ''}")
    if run.status == "error":
        raise SystemExit(1)


@jobs_cli.command("list")
def list_command():
    """列出任务及最近一次运行 / list jobs with their last run."""
    for row in job_rows(datetime.now(timezone.utc)):
        last = row["last"]
        click.echo(f"{row['name']:<18} {row['label']:<24} 下次 {row['next'] or '-'}  "
                   f"上次 {last.started_at if last else '-'} {last.status if last else ''}")
