"""The queue of background work: the web request only queues; a jobs process (`flask jobs work`, a separate
process here) does a certificate batch; a large roster import is queued and its outcome, good or bad, is shown to
the organiser in Chinese; two workers never run one job."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from contestapp.certificates import cli
from contestapp.certificates.issuing import CertificateRequest, issue
from contestapp.certificates.models import Certificate, CertificateBatch
from contestapp.entrants.models import Entrant
from contestapp.extensions import db
from contestapp.jobs.models import QueuedJob
from contestapp.jobs.queue import claim, enqueue, work
from tests.conftest import ROOT
from tests.entrants.test_roster import csv_bytes, person

FLASK = Path(sys.executable).parent / "flask"


def _worker_env(app) -> dict:
    return {**os.environ, "FLASK_APP": "wsgi", "CONTESTAPP_ENV": "development",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": app.config["SECRET_KEY"],
            "CONTESTAPP_INSTANCE": app.config["INSTANCE_PATH"]}


def test_a_certificate_batch_is_done_by_a_worker_process_not_by_the_request(app, make, client, login_as):
    org = make.org()
    make.user("org1", "organiser", org)
    contest = make.contest(org)
    make.roster(contest, 3)
    people = db.session.scalars(select(Entrant).order_by(Entrant.id)).all()
    issue(contest, [CertificateRequest(holder=p.name, award="一等奖", entrant_id=p.id, event_code="electrician", rank=i)
                    for i, p in enumerate(people, 1)])
    db.session.commit()
    login_as("org1")
    response = client.post(f"/contests/{contest.id}/certificates/issue",
                           data={"source": "issued", "kind": "award", "mode": "full"})
    location = response.headers["Location"]
    batch_id = int(re.search(r"/batches/(\d+)", location).group(1))
    page = client.get(location).get_data(as_text=True)
    assert "排队中" in page and "后台任务进程" in page and 'value="0"' in page  # the bar waits at 0
    assert client.get(f"{location}/download/pdf").status_code == 404  # nothing rendered by the request

    done = subprocess.run([str(FLASK), "jobs", "work", "--until-empty", "--poll", "0.2"], cwd=ROOT,
                          env=_worker_env(app), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "完成 1 个任务" in done.stdout

    status = client.get(f"{location}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["zip"], status
    db.session.expire_all()
    job = db.session.get(QueuedJob, db.session.get(CertificateBatch, batch_id).job_id)
    assert job.status == "done" and not job.holder.endswith(f":{os.getpid()}")  # another process did it
    assert "3 张" in job.message
    assert client.get(f"{location}/download/pdf").data.startswith(b"%PDF")
    assert all(c.printed_at is not None for c in db.session.scalars(select(Certificate)))


def test_flask_certificates_issue_wait_follows_the_batch_a_worker_process_does(app, make, tmp_path, monkeypatch):
    """`flask certificates issue --wait` queues the batch like the console; a `flask jobs work` process does it while
    the command shows progress. With `--here` the command would work it only if no jobs process took it in time."""
    org = make.org()
    contest = make.contest(org)
    make.roster(contest, 3)
    people = db.session.scalars(select(Entrant).order_by(Entrant.id)).all()
    issue(contest, [CertificateRequest(holder=p.name, award="一等奖", entrant_id=p.id, event_code="electrician", rank=i)
                    for i, p in enumerate(people, 1)])
    db.session.commit()
    monkeypatch.setattr(cli, "WORKER_GRACE", 120)  # time enough for the worker to start on a busy machine
    monkeypatch.setattr(cli, "POLL_SECONDS", 0.2)
    worker = subprocess.Popen([str(FLASK), "jobs", "work", "--poll", "0.2"], cwd=ROOT, env=_worker_env(app),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        result = app.test_cli_runner().invoke(args=["certificates", "issue", contest.code, "--source", "issued",
                                                    "--here", "-o", str(tmp_path)])
    finally:
        worker.terminate()  # SIGTERM: the worker ends cleanly
        out, err = worker.communicate(timeout=60)
    assert result.exit_code == 0, result.output + err[-2000:]
    assert "完成：3 张（新发 0，重印 0）" in result.output and "本进程" not in result.output
    assert "任务进程已退出" in out
    batch_id = int(re.search(r"批次 #(\d+)", result.output).group(1))
    db.session.expire_all()
    job = db.session.get(QueuedJob, db.session.get(CertificateBatch, batch_id).job_id)
    assert job.status == "done" and not job.holder.endswith(f":{os.getpid()}")  # the worker process did it
    assert len(list(tmp_path.glob("*.pdf"))) == 1 and len(list(tmp_path.glob("*.zip"))) == 1


def _preview(client, contest, rows) -> str:
    body = client.post(f"/contests/{contest.id}/entrants/import",
                       data={"file": (io.BytesIO(csv_bytes(rows, "utf-8")), "r.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    return body.split('name="token" value="')[1].split('"')[0]


def test_a_large_roster_import_is_queued_and_its_progress_and_outcome_shown(app, make, client, login_as):
    app.config["ROSTER_QUEUE_ROWS"] = 3  # "large" for this test
    org = make.org()
    make.user("org1", "organiser", org)
    contest = make.contest(org)
    db.session.commit()
    login_as("org1")
    token = _preview(client, contest, [person(i) for i in range(4)])
    response = client.post(f"/contests/{contest.id}/entrants/import/confirm", data={"token": token})
    assert response.status_code == 302 and "/jobs/queue/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "导入报名表" in page and "排队中" in page and 'id="job-progress"' in page
    assert db.session.scalar(select(func.count()).select_from(Entrant)) == 0  # the request only queued it

    assert work(app, until_empty=True) == 1
    status = client.get(response.headers["Location"] + "/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["message"] == "已导入 4 名参赛者"
    english = client.get(response.headers["Location"] + "/status", headers={"Accept-Language": "en"}).get_json()
    assert english["message"] == "4 entrants imported", english
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "4 entrants imported" in page
    assert db.session.scalar(select(func.count()).select_from(Entrant)) == 4

    # a list checked, then imported by someone else before the job runs: nothing imported twice, the reason shown
    token = _preview(client, contest, [person(i) for i in range(4, 8)])
    first = client.post(f"/contests/{contest.id}/entrants/import/confirm", data={"token": token})
    token = _preview(client, contest, [person(i) for i in range(4, 8)])
    second = client.post(f"/contests/{contest.id}/entrants/import/confirm", data={"token": token})
    assert work(app, until_empty=True) == 2
    assert client.get(first.headers["Location"] + "/status").get_json()["status"] == "done"
    failed = client.get(second.headers["Location"] + "/status").get_json()
    assert failed["status"] == "failed" and failed["finished"]
    assert failed["error"].startswith("名单有误，未导入任何人") and "请修改后重新上传" in failed["error"]
    assert "名单有误，未导入任何人" in client.get(second.headers["Location"]).get_data(as_text=True)
    english = client.get(second.headers["Location"] + "/status", headers={"Accept-Language": "en"}).get_json()
    assert english["error"].startswith("The roster has problems (4 in all) and nobody was imported: row 2"), english
    assert "row 2, “身份证号”: This ID number is already entered in this contest" in english["error"], english
    assert db.session.scalar(select(func.count()).select_from(Entrant)) == 8


def test_a_job_is_claimed_once_and_someone_elses_job_is_not_shown(app, make, client, login_as):
    org = make.org()
    make.user("org1", "organiser", org)
    other = make.user("org2", "organiser", org)
    job = enqueue("nothing", {}, created_by=other.id)
    db.session.commit()
    assert claim("host-a:1").id == job.id
    assert claim("host-b:2") is None  # held on its lease
    login_as("org1")
    assert client.get(f"/jobs/queue/{job.id}/status").status_code == 403
    assert client.get("/jobs/queue/999999/status").status_code == 404


def test_a_worker_stopped_by_hand_gives_its_job_back_and_a_dead_local_worker_is_replaced_at_once(app, monkeypatch):
    import socket

    import pytest

    from contestapp.jobs import queue

    def stopped(work):
        raise SystemExit(0)  # SIGTERM / Ctrl-C in the middle of the job

    monkeypatch.setitem(queue.HANDLERS, "stopping", stopped)
    job = enqueue("stopping", {})
    db.session.commit()
    with pytest.raises(SystemExit):
        queue.run_next("host-a:1")
    db.session.expire_all()
    job = db.session.get(QueuedJob, job.id)
    assert job.status == "queued" and job.holder is None and job.attempts == 0  # back in the queue, not counted

    # a worker of this host that no longer exists: its job is taken over without waiting for the lease
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert claim(f"{socket.gethostname()}:{dead.stdout.strip()}").id == job.id
    assert claim("host-b:2").id == job.id
    db.session.refresh(job)
    assert job.holder == "host-b:2" and job.attempts == 2


def test_a_job_whose_worker_dies_every_time_and_a_system_error_are_shown_in_the_readers_language(
        app, make, client, login_as, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from contestapp.jobs import queue

    make.user("root", "admin")
    given_up = enqueue("nothing", {})
    db.session.commit()
    for n in range(3):  # a jobs process claims it and dies, three times
        claim(f"another-host:{n}").lease_until = datetime.now(timezone.utc) - timedelta(seconds=1)
        db.session.commit()

    def broken(work):
        raise KeyError("x")

    monkeypatch.setitem(queue.HANDLERS, "broken", broken)
    crashed = enqueue("broken", {})
    db.session.commit()
    assert work(app, until_empty=True) == 1
    db.session.expire_all()
    given_up, crashed = db.session.get(QueuedJob, given_up.id), db.session.get(QueuedJob, crashed.id)
    assert given_up.status == "failed" and given_up.error.startswith("任务进程在运行中中断了 3 次，已停止重试")  # as before
    assert crashed.error == "任务失败（系统错误：KeyError），已记录，请联系管理员"

    login_as("root")
    status = client.get(f"/jobs/queue/{given_up.id}/status").get_json()
    assert status["error"].startswith("任务进程在运行中中断了 3 次"), status
    english = client.get(f"/jobs/queue/{given_up.id}/status", headers={"Accept-Language": "en"}).get_json()
    assert english["error"].startswith("The jobs process was interrupted 3 times while running this job"), english
    console = client.get("/jobs/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The jobs process was interrupted 3 times" in console and "中断了" not in console
    assert "The job failed (system error: KeyError)" in console
    assert "任务失败（系统错误：KeyError）" in client.get("/jobs/").get_data(as_text=True)
