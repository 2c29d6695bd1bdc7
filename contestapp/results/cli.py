"""`flask results show|export|end-publicity|rebuild-stats` and `flask marks import`. Commands commit; services do
not."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from contestapp.contests.cli import contest_by_ref
from contestapp.contests.models import Round
from contestapp.extensions import db
from contestapp.results import engine, exports
from contestapp.results.aggregate import rebuild
from contestapp.results.marks import Checked, MarksFileError, check_files, disagreements, import_checked
from contestapp.results.models import MarkBatch
from contestapp.results.services import ResultsError, end_publicity_if_due, event_of

results_cli = AppGroup("results", help="成绩与排名 / results and rankings")
marks_cli = AppGroup("marks", help="纸质评分导入 / marks from paper")


@results_cli.command("rebuild-stats")
def rebuild_stats_command():
    """重算全部评分统计（数据库触发器平时自动维护） / recompute the panel statistics from the marks."""
    count = rebuild(db.session.scalars(select(Round.id)).all())
    db.session.commit()
    click.echo(f"已重算 {count} 条评分统计")


def _event(contest, ref):
    try:
        return event_of(contest, ref)
    except ResultsError as exc:
        raise click.ClickException(str(exc)) from None


@results_cli.command("show")
@click.argument("contest_ref")
@click.option("--event", "event_ref", help="赛项代码（默认：全部赛项）")
def show_command(contest_ref, event_ref):
    """打印排名 / print the ranking computed from the raw marks."""
    contest = contest_by_ref(contest_ref)
    events = [_event(contest, event_ref)] if event_ref else list(contest.events)
    for event in events:
        ranking = engine.ranking(event)
        rounds = [rs.code for rs in ranking.spec.rounds]
        click.echo(f"\n{contest.name} · {event.name}（{event.code}）")
        click.echo("\t".join(["名次", "编号", "姓名", "单位", "总成绩", *rounds]))
        for r, info in ranking.rows():
            scores = {code: str(score) for code, score in r.result.round_scores().items()}
            mark = "（并列待裁定）" if r.needs_decision else ("（一票否决）" if r.vetoed else "")
            click.echo("\t".join([str(r.rank), info.label, info.name, info.unit, str(r.total),
                                  *[scores.get(c, "") for c in rounds]]) + mark)
        for entry_id, why in ranking.unscored.items():
            click.echo(f"  未计成绩 {ranking.entries[entry_id].label}：{why}")
        for d in ranking.stale_decisions:
            click.echo(f"  裁判长裁定已失效：并列名次已变化，请重新裁定（{'、'.join(map(ranking.label_of, d.entries))}；"
                       f"原裁定理由：{d.reason}）")


@results_cli.command("export")
@click.argument("contest_ref")
@click.option("--event", "event_ref", required=True, help="赛项代码")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf"]), default="csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件（默认：标准输出）")
def export_command(contest_ref, event_ref, fmt, output):
    """导出排名 / export the ranking: rank,entry,name,unit,total,<round codes>."""
    contest = contest_by_ref(contest_ref)
    event = _event(contest, event_ref)
    ranking = engine.ranking(event)
    if fmt == "csv":
        content = exports.to_csv(*exports.ranking_table(ranking))
    elif fmt == "xlsx":
        header, rows = exports.ranking_table(ranking)
        content = exports.to_xlsx([(event.name, header, rows)])
    else:
        content = exports.ranking_pdf(event, ranking)
    if output:
        output.write_bytes(content)
        click.echo(f"已写入 {output}")
    else:
        sys.stdout.buffer.write(content)


@results_cli.command("end-publicity")
def end_publicity_command():
    """公示期满的赛项定稿（可重复执行）/ finalise events whose publicity period has ended."""
    done = end_publicity_if_due()
    db.session.commit()
    click.echo(f"定稿 {len(done['finalised'])} 个赛项；等待 {len(done['waiting'])} 个（有待仲裁的申诉或问题）")


@marks_cli.command("import")
@click.argument("contest_ref")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--extras", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="难度系数/用时文件：event,round,entry,multiplier,time")
@click.option("--check", "second", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="第二人录入的同一批评分表：两次录入完全一致才导入（双人录入核对）")
def marks_import_command(contest_ref, path: Path, extras: Path | None, second: Path | None):
    """导入纸质评分 (.csv/.xlsx)，全部正确才导入 / import marks from paper, all or nothing."""
    contest = contest_by_ref(contest_ref)
    try:
        checked = check_files(contest, path.read_bytes(), path.name,
                              extras.read_bytes() if extras else None, extras.name if extras else "")
        other: Checked | None = None
        if second:
            other = check_files(contest, second.read_bytes(), second.name)
    except MarksFileError as exc:
        raise click.ClickException(str(exc)) from None
    problems = checked.problems + (other.problems if other else [])
    if problems:
        for p in problems[:200]:
            click.echo(f"  {p}", err=True)
        raise click.ClickException(f"{len(problems)} 个问题，未导入任何评分")
    if other is not None:
        diff = disagreements(MarkBatch(rows=checked.rows, extras=[]), MarkBatch(rows=other.rows, extras=[]))
        if diff:
            for d in diff[:200]:
                click.echo(f"  不一致 {d.what}：第一次 {d.first or '（无）'}，第二次 {d.second or '（无）'}", err=True)
            raise click.ClickException(f"两次录入有 {len(diff)} 处不一致，未导入任何评分")
    count = import_checked(contest, checked, None)
    db.session.commit()
    click.echo(f"已导入 {count} 条评分、{len(checked.extras)} 条轮次记录")
