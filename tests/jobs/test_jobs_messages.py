"""A scheduled job's outcome is kept as a translatable message (`JobRun.detail`) beside its Chinese text
(`JobRun.message`, unchanged: logs and the CLI): the jobs console's history and the flash of a run started there read
in the reader's language, an error's first line too (its traceback stays in `message`)."""
import re

import pytest
from flask_babel import refresh
from sqlalchemy import select

from contestapp.extensions import db
from contestapp.i18n import N_, Message, restored
from tests.conftest import login
from tests.merit.merit_helpers import at, merit  # noqa: F401  (merit: a fixture)

EN = {"Accept-Language": "en"}
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@pytest.fixture
def admin(app, make, client):
    make.user("root", "admin")
    db.session.commit()
    login(client, "root")
    return client


def history(page: str) -> str:
    """The text of the console's tables (the jobs, the recent runs), tags taken out."""
    tables = re.findall(r"<table.*?</table>", page, re.S)
    return re.sub(r"<[^>]+>", " ", " ".join(tables))


def test_merit_and_results_jobs_say_what_they_did_in_the_same_chinese_and_in_english(app, admin, merit):  # noqa: F811
    from contestapp.jobs import tasks  # noqa: F401
    from contestapp.jobs.models import JobRun
    from contestapp.jobs.runner import run_job
    from contestapp.merit.periods import periods_of

    contest = merit["contest"]
    april = periods_of(contest)[0]
    where = f"{contest.id}/{april.code}"
    opened = run_job("open_periods", at(2025, 4, 1))
    assert re.fullmatch(rf"已开启：{re.escape(where)}（考评表 \d+，自评 \d+）", opened.message), opened.message
    assert run_job("open_periods", at(2025, 4, 1, 10)).message == "无到期的考评期"
    assert run_job("close_periods", at(2025, 4, 2)).message == "无到期的截止"
    assert run_job("bulletins", at(2025, 4, 2)).message == "无待通报的考评期"
    assert run_job("remind_missing", at(2025, 4, 2)).message == "发送提醒 0 条"
    closed = run_job("close_periods", at(2025, 5, 7))
    assert closed.message == f"已截止：{where}"
    assert run_job("finalise_results", at(2025, 5, 7)).message == "定稿 0 个赛项；等待 0 个（有待仲裁的申诉或问题）"
    for run in db.session.scalars(select(JobRun)):  # the message as kept says the same in Chinese
        assert run.detail and str(restored(run.detail)) == run.message, run.message

    page = admin.get("/jobs/", headers=EN).get_data(as_text=True)
    text = history(page)
    assert not HAN.search(text), HAN.findall(text)
    sheets = re.search(r"（考评表 (\d+)，自评 (\d+)）", opened.message).groups()
    assert f"Opened: {where} (assessment sheets {sheets[0]}, self-assessments {sheets[1]})" in text
    for said in ("No period due", "No deadline due", "No period waiting for its bulletin", "0 reminders sent",
                 f"Closed: {where}", "0 events finalised; 0 waiting (appeals or issues to arbitrate)"):
        assert said in text, said
    chinese = history(admin.get("/jobs/").get_data(as_text=True))
    assert opened.message in chinese and f"已截止：{where}" in chinese and "无到期的截止" in chinese


def test_a_run_from_the_console_is_flashed_in_the_readers_language(app, admin):
    from contestapp.jobs import tasks  # noqa: F401

    page = admin.post("/jobs/close_periods/run", headers=EN, follow_redirects=True).get_data(as_text=True)
    assert "Close assessment periods: OK No deadline due" in page
    page = admin.post("/jobs/close_periods/run", follow_redirects=True).get_data(as_text=True)
    assert "考评截止：成功 无到期的截止" in page


def test_a_failed_run_keeps_its_traceback_in_chinese_and_shows_its_first_line_translated(app, admin, monkeypatch):
    from contestapp.jobs import runner, tasks  # noqa: F401
    from contestapp.jobs.queue import shown, work
    from contestapp.jobs.models import QueuedJob

    def boom(now):
        raise ValueError(Message(N_("未知的证书类型：%(kind)s"), kind="zzz"))

    monkeypatch.setitem(runner.JOBS, "boom", runner.JobSpec("boom", N_("数据库备份"), boom,
                                                            {"trigger": "interval", "minutes": 1}))
    run = runner.run_job("boom")
    assert run.status == "error" and run.message.startswith("ValueError: 未知的证书类型：zzz\nTraceback")
    page = admin.get("/jobs/", headers=EN).get_data(as_text=True)
    assert "ValueError: Unknown certificate kind: zzz" in page and "未知的证书类型" not in page
    assert "ValueError: 未知的证书类型：zzz" in admin.get("/jobs/").get_data(as_text=True)
    page = admin.post("/jobs/boom/run", headers=EN, follow_redirects=True).get_data(as_text=True)
    assert "Database backup: Failed ValueError: Unknown certificate kind: zzz" in page

    def plain(now):
        raise RuntimeError("磁盘已满")  # a text no catalogue has: shown as it is

    monkeypatch.setitem(runner.JOBS, "boom", runner.JobSpec("boom", N_("数据库备份"), plain,
                                                            {"trigger": "interval", "minutes": 1}))
    assert runner.run_job("boom").message.startswith("RuntimeError: 磁盘已满\n")
    assert "RuntimeError: 磁盘已满" in admin.get("/jobs/", headers=EN).get_data(as_text=True)

    # started by hand as a background job: the queue keeps the failure as a Message too
    monkeypatch.setitem(runner.JOBS, "boom", runner.JobSpec("boom", N_("数据库备份"), boom,
                                                            {"trigger": "interval", "minutes": 1}, background=True))
    response = admin.post("/jobs/boom/run")
    assert work(app, until_empty=True) == 1
    job = db.session.scalar(select(QueuedJob).order_by(QueuedJob.id.desc()))
    assert job.status == "failed" and job.error == "ValueError: 未知的证书类型：zzz"
    status = admin.get(response.headers["Location"] + "/status", headers=EN).get_json()
    assert status["error"] == "ValueError: Unknown certificate kind: zzz", status
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        refresh()  # the test's app context is shared: forget the locale of the requests before
        assert shown(job)["error"] == "ValueError: 未知的证书类型：zzz"


def test_runs_from_before_the_detail_column_show_their_text(app, admin):
    """A run recorded before `detail` existed: a fixed text is looked up whole, anything else shown as it was."""
    from datetime import datetime, timezone

    from contestapp.jobs.models import JobRun

    now = datetime.now(timezone.utc)
    for text in ("无到期的考评期", "已开启：1/2025-04（考评表 4，自评 1）"):
        db.session.add(JobRun(job="open_periods", holder="old:1", scheduled_for=now, status="ok", message=text))
    db.session.commit()
    page = admin.get("/jobs/", headers=EN).get_data(as_text=True)
    assert "No period due" in page and "已开启：1/2025-04（考评表 4，自评 1）" in page
