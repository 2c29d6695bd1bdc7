"""`make run` serves the app with the scheduler beside it, and Ctrl-C stops both (scripts/run-dev.sh).

Guard (issue 12): periods opened only when the scheduler ran, which `make run` did not start.
The script is started as a terminal would start it (its own process group, Ctrl-C not ignored) and stopped the way
a person stops it: SIGINT to the whole foreground group.
"""
from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _until(check, what: str, limit: float = 60.0):
    """Poll `check` until it returns something true (a start-up wait, not a timing assertion)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def _queue_a_backup(path: Path) -> int:
    from config import TestingConfig
    from contestapp import create_app
    from contestapp.extensions import db
    from contestapp.jobs.queue import enqueue
    from contestapp.jobs.runner import SCHEDULED_JOB

    app = create_app(TestingConfig(f"sqlite:///{path}"))
    with app.app_context():
        job = enqueue(SCHEDULED_JOB, {"name": "backup", "holder": "console:test"})
        db.session.commit()
        job_id = job.id
        db.engine.dispose()
    return job_id


def _group(pgid: int) -> list[str]:
    out = subprocess.run(["ps", "-ww", "-o", "stat=,args=", "-g", str(pgid)], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.strip() and not line.strip().startswith("Z")]


def test_make_run_starts_the_scheduler_beside_the_server_and_ctrl_c_stops_both(tmp_path):
    env = {**os.environ, "CONTESTAPP_INSTANCE": str(tmp_path), "FLASK_APP": "wsgi", "BIN": str(BIN),
           "PORT": str(_free_port()), "CONTESTAPP_ENV": "development"}
    env.pop("DATABASE_URL", None)
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    job_id = _queue_a_backup(tmp_path / "contestapp.db")  # as the console's 立即运行 does: work for the jobs process
    log = (tmp_path / "run.log").open("w")
    proc = subprocess.Popen(["scripts/run-dev.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        url = f"http://127.0.0.1:{env['PORT']}/healthz"

        def serving():
            try:
                return urllib.request.urlopen(url, timeout=2).status == 200
            except OSError:
                return False

        _until(serving, "the server")

        def scheduled():
            with sqlite3.connect(tmp_path / "contestapp.db") as db:
                return db.execute("SELECT count(*) FROM job_runs WHERE job = 'open_periods'").fetchone()[0]

        _until(scheduled, "the scheduler's first runs")  # it catches up on start: it is running

        def worked():
            with sqlite3.connect(tmp_path / "contestapp.db") as db:
                return db.execute("SELECT status FROM job_queue WHERE id = ?", (job_id,)).fetchone()[0] == "done"

        _until(worked, "the scheduler process to work the queue")  # no third process needed
        assert list((tmp_path / "backups").glob("contestapp-*.db"))
        assert any("flask jobs run" in line for line in _group(proc.pid))
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal
        proc.wait(timeout=60)
        _until(lambda: not _group(proc.pid), "every process of `make run` to end", 30)
    finally:
        if proc.poll() is None or _group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    text = (tmp_path / "run.log").read_text()
    assert "调度进程已启动" in text and "调度进程已退出" in text


def test_make_run_uses_that_script():
    dry = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "scripts/run-dev.sh" in dry and "flask run" not in dry  # the server starts only with the scheduler
