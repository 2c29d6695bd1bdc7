"""What every `flask ...` command that names a contest shares: finding it by code or number."""
from __future__ import annotations

import click
from sqlalchemy import select

from contestapp.contests.models import Contest
from contestapp.extensions import db


def contest_by_ref(ref: str) -> Contest:
    """The contest with code `ref` (or number, when `ref` is digits); a Chinese message when there is none."""
    contest = db.session.scalar(select(Contest).where(Contest.code == ref))
    if contest is None and ref.isdigit():
        contest = db.session.get(Contest, int(ref))
    if contest is None:
        raise click.ClickException(f"找不到竞赛 {ref}（可用竞赛编号或代码）")
    return contest
