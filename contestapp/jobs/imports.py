"""Large roster imports as background jobs: the organiser checks the file in the page (the preview), then a jobs
process checks it again and writes it (all or nothing), while the page shows its progress."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from contestapp.auth.models import User
from contestapp.contests.models import Contest
from contestapp.entrants.services import check_roster, import_roster
from contestapp.extensions import db
from contestapp.i18n import N_, Message, said
from contestapp.jobs.models import QueuedJob
from contestapp.jobs.queue import JobFailed, Work, enqueue, handler

ROSTER_IMPORT = "roster_import"
QUEUE_ROWS = 2000  # a confirmed roster of at least this many rows is imported by the jobs process


def pending_dir() -> Path:
    """Where a checked roster file waits for its confirmation (named by a random token)."""
    path = Path(current_app.config["INSTANCE_PATH"]) / "pending"
    path.mkdir(parents=True, exist_ok=True)
    return path


def queue_rows() -> int:
    return int(current_app.config.get("ROSTER_QUEUE_ROWS", QUEUE_ROWS))


def queue_roster_import(contest: Contest, token: str, filename: str, user) -> QueuedJob:
    """Queue the import of the pending file `token` (it starts once the caller commits)."""
    return enqueue(ROSTER_IMPORT, {"contest_id": contest.id, "token": token, "filename": filename},
                   contest_id=contest.id, created_by=getattr(user, "id", None), phase=N_("排队中，等待任务进程"))


@handler(ROSTER_IMPORT)
def roster_import_job(work: Work) -> str:
    payload = work.payload
    contest = db.session.get(Contest, payload["contest_id"])
    path = pending_dir() / payload["token"]
    if contest is None or not path.is_file():
        raise JobFailed(N_("导入预览已失效，请重新上传报名表"))
    try:
        work.report(0, 2, N_("检查名单"))
        db.session.commit()
        checked = check_roster(contest, path.read_bytes(), payload["filename"])  # again: others may have imported
        if not checked.ok:
            first = checked.problems[0]
            raise JobFailed(Message(N_("名单有误，未导入任何人（共 %(n)s 处）：第 %(row)s 行「%(column)s」%(reason)s；"
                                       "请修改后重新上传"), n=len(checked.problems), row=first.row,
                                    column=first.column, reason=said(first.reason)))
        work.report(1, 2, N_("写入参赛者"))
        actor = db.session.get(User, work.job.created_by) if work.job.created_by else None
        count = import_roster(contest, checked, actor)
        db.session.commit()
    except JobFailed:
        path.unlink(missing_ok=True)
        raise
    path.unlink(missing_ok=True)
    return Message(N_("已导入 %(n)s 名参赛者"), n=count)
