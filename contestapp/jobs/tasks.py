"""The jobs area's own scheduled job (the database backup). The other areas register theirs with `@job` in their own
`jobs` module (merit: periods and bulletins; results: the end of publicity), listed in contestapp.app.JOB_MODULES.

All jobs are idempotent: they act on state (a period's status, a notice's unique key, a bulletin's unique period),
so a second run, a catch-up run after downtime, or a run by a second scheduler process changes nothing more.
"""
from __future__ import annotations

from datetime import datetime

from contestapp.i18n import N_
from contestapp.jobs.backup import backup_database
from contestapp.jobs.runner import job


@job("backup", N_("数据库备份"), trigger="cron", hour=2, minute=30, grace=6 * 3600, background=True)
def backup(now: datetime) -> str:
    return backup_database(now)

