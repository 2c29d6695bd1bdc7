"""The certificate console in a real browser on a tablet: edit a layout and watch the live preview follow (errors
shown by path), then issue a batch and watch its progress bar go from queued to done as a jobs process (`flask jobs
work`, started beside the server as in production) renders it."""
import re
import signal
import subprocess

import pytest
from playwright.sync_api import expect

from contestapp.extensions import db
from tests.conftest import PASSWORD, Factory, wait_for_js
from tests.jobs.test_queue import FLASK, ROOT, _worker_env

pytestmark = pytest.mark.browser


def test_layout_live_preview_and_batch_progress_on_a_tablet(live_server, tablet):
    base, app = live_server
    with app.app_context():
        from contestapp.certificates.issuing import CertificateRequest, issue
        from contestapp.entrants.models import Entrant

        make = Factory()
        org = make.org()
        make.user("org1", "organiser", org)
        contest = make.contest(org)
        make.roster(contest, 3)
        people = db.session.scalars(db.select(Entrant).order_by(Entrant.id)).all()
        issue(contest, [CertificateRequest(holder=n, award="一等奖", entrant_id=p.id, event_code="electrician")
                                 for p, n in zip(people, ["李晓堃", "赵喆", "王昇"])])
        db.session.commit()
        cid = contest.id
    page = tablet.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "org1")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.tap("button[type=submit]")

    page.goto(f"{base}/contests/{cid}/certificates/layouts/award")
    wait_for_js(page, "document.getElementById('preview').naturalWidth > 0")
    first = page.eval_on_selector("#preview", "i => i.naturalWidth")
    assert first > 600  # A4 landscape at 60 dpi
    text = page.input_value("#document")
    page.fill("#document", text.replace('"min_size": 14', '"min_size": "small"', 1))
    page.wait_for_selector("#layout-errors:not([hidden])")
    assert "fields[1].min_size" in page.inner_text("#layout-errors")
    page.fill("#document", text.replace("荣誉证书", "获奖证书", 1))
    expect(page.locator("#preview")).to_have_attribute("src", re.compile("^blob:"))
    assert page.is_hidden("#layout-errors")

    page.goto(f"{base}/contests/{cid}/certificates/")
    page.select_option("#source", "issued")
    with page.expect_navigation():
        page.tap("text=发放并生成 PDF")
    assert "排队中" in page.inner_text("#batch-status") and "等待任务进程" in page.inner_text("#batch-phase")
    assert page.eval_on_selector("#batch-progress", "p => p.value") == 0
    assert page.is_hidden("#batch-downloads") and page.is_hidden("text=下载合并 PDF（打印用）")
    worker = subprocess.Popen([str(FLASK), "jobs", "work", "--poll", "0.2"], cwd=ROOT, env=_worker_env(app),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page.wait_for_selector("#batch-downloads:not([hidden])", timeout=120000)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    assert page.eval_on_selector("#batch-progress", "p => p.value") == 100
    assert "已完成" in page.inner_text("#batch-status")
    assert page.inner_text("#batch-count").replace(" ", "") == "6/6"
