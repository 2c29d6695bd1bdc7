"""`flask ...` commands. Commands commit; services do not."""
from __future__ import annotations

import importlib
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from contestapp.auth import throttle
from contestapp.auth.models import Organisation, OrgLevel, clean_email
from contestapp.auth.services import create_user
from contestapp.contests.cli import contest_by_ref as _contest
from contestapp.contests.definition import DefinitionFileError, canonical, definition_of, load_template, read_definition
from contestapp.entrants.roster import RosterFileError
from contestapp.entrants.services import check_roster, import_roster
from contestapp.extensions import db

users_cli = AppGroup("users", help="用户管理 / users")
contest_cli = AppGroup("contest", help="竞赛定义文件 / contest definition files")
entrants_cli = AppGroup("entrants", help="报名名单 / rosters")


def _organisation(name: str | None):
    if name:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            raise click.ClickException(f"找不到组织 {name}")
        return org
    org = db.session.scalar(select(Organisation).where(Organisation.parent_id.is_(None)).order_by(Organisation.id))
    if org is None:
        org = Organisation(name="总工会", level="city")
        db.session.add(org)
        db.session.flush()
    return org


def _user_organisation(name: str, level: str):
    """The organisation a new account belongs to, named explicitly. On a database without any organisation (the
    first administrator of a new installation) it is created as the top organisation; otherwise it must exist."""
    name = name.strip()
    org = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if org is not None:
        return org
    names = list(db.session.scalars(select(Organisation.name).order_by(Organisation.id).limit(21)))
    if names:
        listed = "、".join(names[:20]) + ("……" if len(names) > 20 else "")
        raise click.ClickException(f"找不到组织 {name}。已有组织：{listed}（新的组织在“账号 › 组织”页面添加）")
    org = Organisation(name=name, level=OrgLevel(level).value)
    db.session.add(org)
    db.session.flush()
    click.echo(f"已创建顶级组织 {name}")
    return org


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["admin", "organiser", "chief_judge", "judge", "arbitrator", "unit"]))
@click.option("--name", "display_name", help="显示名称")
@click.option("--org", "org_name", required=True,
              help="所属单位（组织名称，必填）：单位账号以此单位名义推荐；裁判、评审专家不评本单位的参赛者和候选人（回避）")
@click.option("--org-level", default="city", show_default=True,
              type=click.Choice(["province", "city", "county", "industry", "town", "project", "unit"]),
              help="数据库中还没有任何组织时，--org 作为顶级组织创建时的层级")
@click.option("--unit", "unit_name", help="工作单位（不在组织列表中时填写，同样用于回避）")
@click.option("--email", help="电子邮箱（用于提醒）")
@click.password_option(help="密码（至少 8 位）")
def create_user_command(username, role, display_name, org_name, org_level, unit_name, email, password):
    """创建用户（须指定所属单位）/ create a user in the organisation (unit) given by --org."""
    try:
        email = clean_email(email)
        org = _user_organisation(org_name, org_level)
        user = create_user(username, password, role, display_name, org, unit_name)
        user.email = email
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"已创建用户 {user.username}（{user.role_label}，所属单位：{org.name}）")


@users_cli.command("unlock")
@click.argument("username")
def unlock_user_command(username):
    """解除账号（或登录卡 card:卡号）的登录失败锁定 / clear an account's failed sign-ins (rate limit)."""
    throttle.succeeded(username)
    click.echo(f"已解除 {username} 的登录锁定")


@contest_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_name", help="主办组织名称（默认：顶级组织）")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="从哪天起使用（立功竞赛、积分考核按此日期生成考评期；默认今天）")
def load_command(path: Path, org_name, start):
    """从定义文件创建竞赛 / create a contest from a definition file."""
    try:
        contest, notes = load_template(read_definition(path.read_bytes(), path.name), _organisation(org_name), None,
                                       start.date() if start else date.today())
    except DefinitionFileError as exc:
        for where, message in exc.problems:
            click.echo(f"  {where or '(file)'}: {message}", err=True)
        raise click.ClickException(f"{path.name}: {len(exc.problems)} 个问题，未导入") from None
    except ValueError as exc:
        raise click.ClickException(f"{path.name}: {exc}，未导入") from None
    db.session.commit()
    click.echo(f"已创建竞赛 #{contest.id} {contest.code} {contest.name}")
    for note in notes:
        click.echo(f"  {note}")


@contest_cli.command("dump")
@click.argument("ref")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件（默认：标准输出）")
def dump_command(ref: str, output: Path | None):
    """把竞赛写回定义文件 / write a contest back as a definition file."""
    try:
        text = canonical(definition_of(_contest(ref)))
    except DefinitionFileError as exc:
        raise click.ClickException("; ".join(f"{p}: {m}" for p, m in exc.problems)) from None
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@entrants_cli.command("import")
@click.argument("ref")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def entrants_import_command(ref: str, path: Path):
    """导入报名表 (.xlsx/.csv)，全部正确才导入 / import a roster, all or nothing."""
    contest = _contest(ref)
    try:
        checked = check_roster(contest, path.read_bytes(), path.name)
    except RosterFileError as exc:
        raise click.ClickException(str(exc)) from None
    if not checked.ok:
        for p in checked.problems:
            click.echo(f"  第 {p.row} 行 [{p.column}] {p.reason}", err=True)
        raise click.ClickException(f"{len(checked.problems)} 个问题，未导入任何内容")
    count = import_roster(contest, checked, None)
    db.session.commit()
    click.echo(f"已导入 {count} 名参赛者")


@click.command("demo")
@click.option("--reset", is_flag=True, help="先删除已有的演示竞赛")
@click.option("--url", default="http://127.0.0.1:5000", help="打印的访问地址")
def demo_command(reset: bool, url: str):
    """创建演示竞赛和账号 / create a realistic demo contest and accounts."""
    from contestapp.demo import create_demo  # the demo data (every kind of contest) is loaded only for this command

    accounts = create_demo(reset=reset)
    db.session.commit()
    click.echo("\n演示竞赛已就绪 / demo contest ready")
    click.echo(f"  打开 / open: {url}/login")
    for who, login, secret in accounts:
        click.echo(f"  {who:<34} {login:<16} {secret}")


def register(app: Flask) -> None:
    for command in (users_cli, contest_cli, entrants_cli, demo_command):
        app.cli.add_command(command)
    for extra in EXTRA_COMMANDS:
        module, attr = extra.split(":")
        app.cli.add_command(getattr(importlib.import_module(module), attr))


# Other areas add their command groups here (module path, attribute), e.g. "contestapp.results.cli:results_cli".
EXTRA_COMMANDS: list[str] = ["contestapp.jobs.cli:jobs_cli", "contestapp.results.cli:results_cli", "contestapp.results.cli:marks_cli",
                             "contestapp.certificates.cli:certificates_cli"]
