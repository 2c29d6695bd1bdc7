"""Job runner, lease, scheduler job store, catch-up, backup rotation, notices, console."""
import sqlite3
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from contestapp.extensions import db

CST = ZoneInfo("Asia/Shanghai")


def test_a_held_lease_makes_a_second_runner_skip(app):
    from contestapp.jobs import tasks  # noqa: F401
    from contestapp.jobs.runner import acquire, release, run_job

    now = datetime.now(timezone.utc)
    assert acquire("bulletins", "other-process", now)
    assert not acquire("bulletins", "third-process", now)  # the database lets one claim win
    run = run_job("bulletins", now, holder="me")
    assert run.status == "skipped" and "另一个调度进程" in run.message
    release("bulletins", "other-process")
    assert run_job("bulletins", now, holder="me").status == "ok"


def test_a_crashed_holders_lease_expires(app):
    from contestapp.jobs.models import JobLock
    from contestapp.jobs.runner import acquire

    now = datetime.now(timezone.utc)
    db.session.add(JobLock(name="backup", holder="dead:1", locked_until=now - timedelta(seconds=1)))
    db.session.commit()
    assert acquire("backup", "alive:2", now)
    assert db.session.get(JobLock, "backup").holder == "alive:2"


def test_a_failing_job_is_recorded_and_the_lease_released(app, monkeypatch):
    from contestapp.jobs import runner, tasks  # noqa: F401
    from contestapp.jobs.models import JobLock

    def boom(now):
        raise RuntimeError("磁盘已满")

    monkeypatch.setitem(runner.JOBS, "boom", runner.JobSpec("boom", "test", boom, {"trigger": "interval", "minutes": 1}))
    run = runner.run_job("boom")
    assert run.status == "error" and "磁盘已满" in run.message
    assert db.session.get(JobLock, "boom").locked_until is None


def test_scheduler_stores_jobs_in_the_app_database_and_catches_up(app):
    from apscheduler.schedulers.background import BackgroundScheduler
    from sqlalchemy import inspect, text

    from contestapp.jobs.models import JobRun
    from contestapp.jobs.runner import JOBS, run_job
    from contestapp.jobs.scheduler import build_scheduler, due_for_catch_up, register_jobs

    scheduler = build_scheduler(app, BackgroundScheduler)
    register_jobs(scheduler, app)
    scheduler.start(paused=True)
    try:
        assert inspect(db.engine).has_table("apscheduler_jobs")
        stored = {row[0] for row in db.session.execute(text("SELECT id FROM apscheduler_jobs"))}
        assert stored == set(JOBS)
        job = scheduler.get_job("backup")
        assert job.misfire_grace_time == 6 * 3600 and job.coalesce
        register_jobs(scheduler, app)  # a restart replaces, never duplicates
        assert len(scheduler.get_jobs()) == len(JOBS)
    finally:
        scheduler.shutdown(wait=False)
        db.session.rollback()  # our reads hold a lock on the table (PostgreSQL) until the transaction ends
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE apscheduler_jobs"))

    # Down from 01:00 to 05:00: the 02:30 backup (grace 6 h) is caught up at start, the 09:00 reminder is not due.
    zone = CST
    due = due_for_catch_up(datetime(2025, 5, 6, 5, 0, tzinfo=CST), zone)
    assert "backup" in due and "open_periods" in due and "remind_missing" not in due
    assert run_job("backup", datetime(2025, 5, 6, 5, 0, tzinfo=CST)).status == "ok"
    assert "backup" not in due_for_catch_up(datetime(2025, 5, 6, 5, 1, tzinfo=CST), zone)  # done once
    # Down until 10:00: the 02:30 run is beyond its grace period and is skipped (the next night's run follows).
    assert "backup" not in due_for_catch_up(datetime(2025, 5, 7, 10, 0, tzinfo=CST), zone)
    assert "backup" in due_for_catch_up(datetime(2025, 5, 7, 8, 0, tzinfo=CST), zone)
    assert db.session.scalar(select(func.count(JobRun.id)).where(JobRun.job == "backup")) == 1


def test_sqlite_backup_is_consistent_and_rotated(app, tmp_path):
    if db.engine.url.get_backend_name() != "sqlite":
        from contestapp.jobs.backup import backup_database

        assert "pg_dump" in backup_database(datetime.now(timezone.utc))
        return
    from contestapp.auth.models import Organisation
    from contestapp.jobs.backup import backup_database

    app.config["BACKUP_DIR"] = str(tmp_path / "backups")
    db.session.add(Organisation(name="备份测试总工会", level="city"))
    db.session.commit()
    start = datetime(2025, 1, 1, 2, 30, tzinfo=timezone.utc)
    for day in range(5):
        message = backup_database(start + timedelta(days=day), keep=3)
    assert "删除旧备份 1 个" in message
    files = sorted((tmp_path / "backups").glob("contestapp-*.db"))
    assert [f.name for f in files] == [f"contestapp-2025010{d}-023000.db" for d in (3, 4, 5)]
    with sqlite3.connect(files[-1]) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT name FROM organisations").fetchall() == [("备份测试总工会",)]
    assert "已存在" in backup_database(start + timedelta(days=4), keep=3)  # idempotent


def test_finalise_results_calls_the_results_area(app, monkeypatch):
    from contestapp.results import jobs

    calls = []
    monkeypatch.setattr(jobs, "end_publicity_if_due",
                        lambda now: calls.append(now) or {"finalised": [1, 2], "waiting": [3]})
    now = datetime(2025, 5, 6, tzinfo=timezone.utc)
    assert jobs.finalise_results(now) == "定稿 2 个赛项；等待 1 个（有待仲裁的申诉或问题）"
    assert calls == [now]


def test_jobs_console_lists_last_and_next_run(app, make, client):
    from contestapp.jobs.runner import run_job
    from tests.conftest import login

    make.user("root", "admin")
    db.session.commit()
    login(client, "root")
    page = client.get("/jobs/").get_data(as_text=True)
    assert "调度进程未在运行（最近一次：从未）" in page
    run_job("open_periods")  # as the scheduler process runs it
    page = client.get("/jobs/").get_data(as_text=True)
    assert "open_periods" in page and "成功" in page and "无到期的考评期" in page and "backup" in page
    assert "调度进程运行中：最近一次在" in page
    response = client.post("/jobs/backup/run")  # the backup is long: queued for the jobs process, followed here
    assert response.status_code == 302 and "/jobs/queue/" in response.headers["Location"]
    waiting = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "数据库备份" in waiting and "排队中" in waiting and 'id="job-progress"' in waiting
    assert "console:root" not in client.get("/jobs/").get_data(as_text=True)  # the request did not run it
    from contestapp.jobs.queue import work

    assert work(app, until_empty=True) == 1
    status = client.get(response.headers["Location"] + "/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["finished"], status
    page = client.get("/jobs/").get_data(as_text=True)  # a run by hand is marked so (it says nothing of the process)
    assert "手动" in page and "console:root" in page
