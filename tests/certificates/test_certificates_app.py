"""Certificates through the app: issuing with serials, batches (one PDF, a ZIP of single PDFs) in a background job,
the console, the layout editor's live preview, overlay calibration, public verification and revocation.

Every PDF the app hands out is checked with poppler (pdffonts: CJK font embedded and subset, nothing else;
pdftotext: the Chinese names) and pages are looked at as rendered images (pdftoppm)."""
import io
from decimal import Decimal
import os
import re
import threading
import zipfile

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from contestapp.audit.models import AuditEntry
from contestapp.certificates import batches, cli, issuing, printing, serials, verification
from contestapp.certificates.fonts import MissingGlyphError
from contestapp.certificates.issuing import CertificateRequest
from contestapp.certificates.models import Certificate, CertificateBatch, SerialCounter
from contestapp.jobs.models import QueuedJob
from contestapp.jobs.queue import shown, work
from contestapp.entrants.models import Entrant
from contestapp.extensions import db
from tests.certificates.test_render import Gray, assert_fonts_embedded, pdfpages, pdftotext

NAMES = ["李晓堃", "赵喆", "王昇", "陈赟", "刘玥", "张三"]
LONG_UNIT = "中国铁建股份有限公司第十一工程局集团第五工程有限公司杭州湾跨海大桥南岸连接线项目经理部第三工区"


@pytest.fixture
def world(app, make):
    org = make.org()
    organiser = make.user("org1", "organiser", org)
    contest = make.contest(org)
    make.roster(contest, 6)
    db.session.commit()
    entrants = db.session.scalars(select(Entrant).where(Entrant.contest_id == contest.id).order_by(Entrant.id)).all()
    return {"contest": contest, "organiser": organiser, "entrants": entrants, "event": contest.events[0]}


def award_requests(world, names=NAMES, unit=None):
    awards = ["一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "三等奖"]
    out = []
    for i, (person, name) in enumerate(zip(world["entrants"], names)):
        out.append(CertificateRequest(holder=name, award=awards[i], kind="award", id_number=person.id_number,
                                      entrant_id=person.id, event_code=world["event"].code,
                                      unit=unit or f"杭州市第{i + 1}建设工程有限公司", rank=i + 1))
    return out


def run_jobs():
    """What the jobs process does (`flask jobs work`), here in this process with its own session: run every job
    queued. The web requests below only queue (tests/jobs/test_queue.py runs a real worker process)."""
    from flask import current_app

    return work(current_app._get_current_object(), until_empty=True)


def issued(world, **kw):
    result = issuing.issue(world["contest"], award_requests(world, **kw), actor=world["organiser"])
    db.session.commit()
    return result


def audit_count(action):
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


# --- serials ---------------------------------------------------------------------------------------------------------

def test_issuing_allocates_serials_by_pattern_and_issuing_again_reuses_them(world):
    first = issued(world)
    serials = [c.serial for c in first.certificates]
    assert first.new == 6 and serials == [f"2025-electrician-{i:04d}" for i in range(1, 7)]
    assert first.certificates[0].id_masked.startswith("3301") and "*" in first.certificates[0].id_masked
    assert audit_count("certificate.issue") == 6
    again = issued(world)
    assert again.new == 0 and again.existing == 6
    assert [c.serial for c in again.certificates] == serials
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 6
    # a new name for the same person and award keeps the serial; the change is logged
    changed = award_requests(world)
    changed[0] = CertificateRequest(**{**changed[0].__dict__, "holder": "李晓堃（更正）"})
    result = issuing.issue(world["contest"], changed, actor=world["organiser"])
    db.session.commit()
    assert result.certificates[0].serial == serials[0] and result.certificates[0].holder == "李晓堃（更正）"
    assert audit_count("certificate.update") == 1


def test_serial_pattern_is_checked_and_never_reuses_a_number(world):
    assert serials.check_pattern("{year}-{event}-{seq:04d}") == []
    assert serials.check_pattern("{year}-{event}") and serials.check_pattern("{name}-{seq}")
    assert serials.check_pattern("证书{seq}")  # not URL-safe
    setup = serials.setup_of(world["contest"])
    setup.serial_pattern = "HZ{year}{kind}{seq:05d}"
    first = issued(world)
    assert first.certificates[0].serial == "HZ2025A00001"
    issuing.revoke(first.certificates[5], "获奖资格取消", world["organiser"])
    db.session.commit()
    extra = CertificateRequest(holder="新增", award="优胜奖", kind="award", entrant_id=None, id_number=None,
                               event_code="welder")
    again = issuing.issue(world["contest"], [extra], actor=None)
    assert again.certificates[0].serial == "HZ2025A00007"  # the revoked number 6 is never handed out again


def test_concurrent_issuers_never_get_the_same_number(app, world):
    contest_id = world["contest"].id
    got, errors = [], []

    def worker():
        with app.app_context():
            try:
                for _ in range(8):
                    got.extend(serials.allocate_numbers(contest_id, "race-#", 2))
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(got) == list(range(1, 65))
    assert db.session.scalar(select(SerialCounter.last).where(SerialCounter.scope == "race-#")) == 64


def test_missing_glyph_stops_issuing_with_the_persons_name_and_nothing_is_issued(world):
    names = ["李四", "张𠮷", "王五", "赵六", "钱七", "孙八"]
    with pytest.raises(MissingGlyphError) as exc:
        issuing.issue(world["contest"], award_requests(world, names=names), actor=world["organiser"])
    db.session.rollback()
    assert "张𠮷" in str(exc.value) and "「𠮷」" in str(exc.value)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    assert db.session.scalar(select(func.count()).select_from(SerialCounter)) == 0


# --- batches ---------------------------------------------------------------------------------------------------------

def test_console_batch_runs_in_the_background_one_pdf_in_award_order_and_a_zip(world, client, login_as):
    issued(world, unit=LONG_UNIT)
    login_as("org1")
    cid = world["contest"].id
    response = client.post(f"/contests/{cid}/certificates/issue",
                           data={"source": "issued", "kind": "award", "mode": "full", "event": ""})
    assert response.status_code == 302
    batch_id = int(re.search(r"/batches/(\d+)", response.headers["Location"]).group(1))
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "证书批次" in page.get_data(as_text=True)
    run_jobs()
    status = client.get(f"/contests/{cid}/certificates/batches/{batch_id}/status").get_json()
    assert status["status"] == "done", status
    assert status["done"] == status["total"] == 12 and status["finished"] and status["percent"] == 100

    pdf = client.get(f"/contests/{cid}/certificates/batches/{batch_id}/download/pdf").data
    assert_fonts_embedded(pdf)
    assert pdfpages(pdf) == 6
    for page_no, name in enumerate(NAMES, 1):  # award order
        assert name in pdftotext(pdf, page=page_no)
    text = pdftotext(pdf, page=1).replace(" ", "")
    assert "2025-electrician-0001" in text and "一等奖" in text and LONG_UNIT in text

    # look at page 1: the long unit shrinks into its box (x 40 mm .. 257 mm), the QR code is there, inside the page
    gray = Gray(pdf, 1)
    unit_ink = gray.ink_bbox((35, 84, 278, 93))  # inside the frame
    assert unit_ink and gray.mm(39) <= unit_ink[0] and unit_ink[2] <= gray.mm(258)
    qr = gray.ink_bbox((29, 138, 55, 164))
    assert qr and qr[2] - qr[0] > gray.mm(20)

    data = client.get(f"/contests/{cid}/certificates/batches/{batch_id}/download/zip").data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert names == [f"2025-electrician-{i:04d}_{n}.pdf" for i, n in enumerate(NAMES, 1)]
        for member, name in zip(names, NAMES):
            one = zf.read(member)
            assert_fonts_embedded(one)
            assert pdfpages(one) == 1 and name in pdftotext(one)

    # printing again is a reprint: counted and in the audit log
    certs = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert all(c.printed_at is not None and c.reprints == 0 for c in certs)
    client.post(f"/contests/{cid}/certificates/issue", data={"source": "issued", "kind": "award", "mode": "full"})
    second = db.session.scalar(select(func.max(CertificateBatch.id)))
    run_jobs()
    db.session.expire_all()
    assert db.session.get(CertificateBatch, second).reprinted == 6
    assert all(c.reprints == 1 for c in db.session.scalars(select(Certificate)))
    assert audit_count("certificate.reprint") == 6

    listing = client.get(f"/contests/{cid}/certificates/?q=赵喆").get_data(as_text=True)
    assert "2025-electrician-0002" in listing and "2025-electrician-0001" not in listing


def test_a_missing_glyph_fails_the_batch_in_chinese_and_issues_nothing(world, client, login_as, monkeypatch):
    names = ["李四", "王五", "张𠮷", "赵六", "钱七", "孙八"]
    monkeypatch.setattr(batches, "requests_from", lambda *a, **k: award_requests(world, names=names))
    login_as("org1")
    cid = world["contest"].id
    response = client.post(f"/contests/{cid}/certificates/issue", data={"source": "awards", "kind": "award"})
    batch_id = int(re.search(r"/batches/(\d+)", response.headers["Location"]).group(1))
    run_jobs()
    status = client.get(f"/contests/{cid}/certificates/batches/{batch_id}/status").get_json()
    assert status["status"] == "failed" and status["finished"]
    assert status["error"].startswith("证书无法生成：张𠮷 的姓名中「𠮷」在字体中不存在")
    assert "张𠮷" in client.get(f"/contests/{cid}/certificates/batches/{batch_id}").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    assert client.get(f"/contests/{cid}/certificates/batches/{batch_id}/download/pdf").status_code == 404


def _cli_batch(output: str) -> CertificateBatch:
    batch_id = int(re.search(r"批次 #(\d+)", output).group(1))
    db.session.expire_all()
    return db.session.get(CertificateBatch, batch_id)


def test_cli_issue_queues_the_batch_for_the_jobs_process_and_says_how_to_follow_it(app, world, tmp_path):
    issued(world)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "issue", world["contest"].code, "--source", "issued",
                                 "--event", "electrician"])
    assert result.exit_code == 0, result.output
    batch = _cli_batch(result.output)
    job = db.session.get(QueuedJob, batch.job_id)
    assert job.status == "queued" and job.kind == batches.JOB_KIND and f"任务 #{job.id}" in result.output
    assert f"flask certificates batch {batch.id} --wait" in result.output and "flask jobs work" in result.output
    assert batch.status == "queued" and batch.pdf_name is None  # nothing rendered by the command itself
    shown = runner.invoke(args=["certificates", "batch", str(batch.id)])
    assert shown.exit_code == 0 and "排队中" in shown.output

    assert run_jobs() == 1  # the jobs process (one batch path: the same job as the console's)
    copied = runner.invoke(args=["certificates", "batch", str(batch.id), "-o", str(tmp_path)])
    assert copied.exit_code == 0, copied.output
    assert "完成：6 张（新发 0，重印 0）" in copied.output
    pdf = next(tmp_path.glob("*.pdf")).read_bytes()
    assert_fonts_embedded(pdf)
    assert pdfpages(pdf) == 6 and "陈赟" in pdftotext(pdf)

    no_wait = runner.invoke(args=["certificates", "issue", world["contest"].code, "-o", str(tmp_path)])
    assert no_wait.exit_code != 0 and "--wait" in no_wait.output
    bad = runner.invoke(args=["certificates", "issue", world["contest"].code, "--event", "nope"])
    assert bad.exit_code != 0 and "没有赛项" in bad.output
    refused = runner.invoke(args=["certificates", "issue", world["contest"].code, "--source", "issued",
                                  "--mode", "overlay", "--printer", "没校准的"])
    assert refused.exit_code != 0 and "批次 #" not in refused.output
    assert db.session.scalar(select(func.count()).select_from(QueuedJob)) == 1  # nothing queued by the refusals


def test_cli_issue_wait_shows_progress_while_a_jobs_process_works_the_batch(app, world, tmp_path, monkeypatch):
    """No jobs process at first: the command says so; one starts (here: between two polls) and does the batch."""
    issued(world)
    polls = []

    def sleep(seconds):
        polls.append(seconds)
        if len(polls) == 2:
            work(app, until_empty=True)  # a jobs process started while the command waits

    monkeypatch.setattr(cli, "WORKER_GRACE", 0)
    monkeypatch.setattr(cli.time, "sleep", sleep)
    result = app.test_cli_runner().invoke(args=["certificates", "issue", world["contest"].code, "--source",
                                                "issued", "--wait", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "仍在排队" in result.output and "--here" in result.output  # the hint, once
    assert "由本命令在本进程中生成" not in result.output  # worked by the jobs process, not by the command
    assert "完成：6 张（新发 0，重印 0）" in result.output and len(list(tmp_path.glob("*.zip"))) == 1
    assert _cli_batch(result.output).status == "done"


def test_cli_issue_here_works_the_batch_in_its_own_process_when_no_jobs_process_takes_it(app, world, tmp_path,
                                                                                         monkeypatch):
    issued(world)
    monkeypatch.setattr(cli, "WORKER_GRACE", 0.05)
    monkeypatch.setattr(cli, "POLL_SECONDS", 0.01)
    result = app.test_cli_runner().invoke(args=["certificates", "issue", world["contest"].code, "--source",
                                                "issued", "--event", "electrician", "--here", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "由本命令在本进程中生成（--here）" in result.output
    assert "生成合并 PDF" in result.output and "完成：6 张（新发 0，重印 0）" in result.output
    batch = _cli_batch(result.output)
    job = db.session.get(QueuedJob, batch.job_id)
    assert job.status == "done" and job.attempts == 1 and job.holder.endswith(f":{os.getpid()}")
    assert pdfpages(next(tmp_path.glob("*.pdf")).read_bytes()) == 6

    # a failed batch: the command ends in error with the batch's reason
    monkeypatch.setattr(batches, "requests_from", lambda *a, **k: award_requests(world, names=["张𠮷"] * 6))
    failed = app.test_cli_runner().invoke(args=["certificates", "issue", world["contest"].code, "--here"])
    assert failed.exit_code != 0 and "生成失败" in failed.output and "张𠮷" in failed.output


# --- verification and revocation -----------------------------------------------------------------------------------

def test_verify_reports_valid_forged_altered_unknown_and_revoked(world, client, login_as):
    cert = issued(world).certificates[1]
    url = verification.verify_url(cert.serial).replace("http://localhost", "")
    ok = client.get(url)
    body = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "证书有效" in body
    assert "赵喆" in body and cert.id_masked in body and "二等奖" in body and world["contest"].name in body
    assert world["entrants"][1].id_number not in body  # never the full ID number

    forged = client.get(f"/verify/{cert.serial}?sig=0123456789abcdef")
    assert forged.status_code == 400 and "签名不符" in forged.get_data(as_text=True)
    assert "赵喆" not in forged.get_data(as_text=True)
    altered = client.get(url.replace(cert.serial, "2025-electrician-0003"))  # another serial, same signature
    assert altered.status_code == 400 and "篡改或伪造" in altered.get_data(as_text=True)
    assert client.get(f"/verify/{cert.serial}").status_code == 400  # no signature at all
    unknown = verification.verify_url("2025-electrician-0999").replace("http://localhost", "")
    assert client.get(unknown).status_code == 404 and "查无此证书" in client.get(unknown).get_data(as_text=True)

    login_as("org1")
    cid = world["contest"].id
    client.post(f"/contests/{cid}/certificates/{cert.id}/revoke", data={"reason": "  "})
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).status == "valid"  # a reason is required
    client.post(f"/contests/{cid}/certificates/{cert.id}/revoke", data={"reason": "冒名顶替，取消获奖资格"})
    revoked = client.get(url)
    text = revoked.get_data(as_text=True)
    assert revoked.status_code == 200 and "证书已撤销" in text and "不再有效" in text
    db.session.expire_all()
    c = db.session.get(Certificate, cert.id)
    assert c.status == "revoked" and c.revoke_reason == "冒名顶替，取消获奖资格"
    assert c.revoked_at.astimezone(serials.ZONE).strftime("%Y-%m-%d") in text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.revoke"))
    assert entry.data["reason"] == "冒名顶替，取消获奖资格" and entry.actor_id == world["organiser"].id
    # a revoked certificate is not printed again, and issuing again leaves it revoked
    assert client.post(f"/contests/{cid}/certificates/{cert.id}/print").status_code == 302
    again = issuing.issue(world["contest"], award_requests(world), actor=None)
    assert [r.serial for r in again.revoked] == [cert.serial] and len(again.certificates) == 5

    manual = client.get("/verify/", query_string={"serial": cert.serial, "name": "赵喆"})
    assert manual.status_code == 200 and "证书已撤销" in manual.get_data(as_text=True)
    assert client.get("/verify/", query_string={"serial": cert.serial, "name": "别人"}).status_code == 404


def test_qr_code_of_a_printed_certificate_links_to_the_signed_verify_page(world, client, login_as, app):
    app.config["PUBLIC_BASE_URL"] = "https://zs.example.org/"
    try:
        cert = issued(world).certificates[0]
        login_as("org1")
        pdf = client.post(f"/contests/{world['contest'].id}/certificates/{cert.id}/print").data
        assert_fonts_embedded(pdf)
        assert "李晓堃" in pdftotext(pdf)
        rec = printing.certificate_data(cert, world["contest"], serials.setup_of(world["contest"]))
        assert rec.verify_url == f"https://zs.example.org/verify/{cert.serial}?sig={verification.sign_serial(cert.serial)}"
        assert len(verification.sign_serial(cert.serial)) == 16
        db.session.expire_all()
        assert db.session.get(Certificate, cert.id).printed_at is not None
    finally:
        app.config["PUBLIC_BASE_URL"] = ""


# --- layouts, preview, overlay -----------------------------------------------------------------------------------------

def test_layout_editor_validates_by_path_and_previews_with_the_printing_code(world, client, login_as):
    login_as("org1")
    base = f"/contests/{world['contest'].id}/certificates/layouts/award"
    page = client.get(base)
    assert page.status_code == 200 and "荣誉证书" in page.get_data(as_text=True)

    png = client.get(base + "/preview")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    import json

    document = printing.layout_document(world["contest"], "award")
    bad = json.loads(json.dumps(document))
    bad["fields"][1]["x"] = "forty"
    bad["qr"]["size"] = 5
    response = client.post(base + "/preview", data={"document": json.dumps(bad, ensure_ascii=False)})
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert any(e.startswith("fields[1].x:") for e in errors) and any(e.startswith("qr.size:") for e in errors)
    assert client.post(base + "/preview", data={"document": "{broken"}).get_json()["errors"][0].startswith("JSON 第 1 行")

    edited = json.loads(json.dumps(document))
    edited["fields"][0]["text"] = "获奖证书"
    text = json.dumps(edited, ensure_ascii=False)
    live = client.post(base + "/preview", data={"document": text})
    assert live.status_code == 200 and live.data.startswith(b"\x89PNG")
    pdf = client.post(base + "/preview?format=pdf", data={"document": text}).data
    assert_fonts_embedded(pdf)
    assert "获奖证书" in pdftotext(pdf).replace(" ", "") and "张三" in pdftotext(pdf)

    refused = client.post(base, data={"document": json.dumps(bad)})
    assert refused.status_code == 400 and "fields[1].x" in refused.get_data(as_text=True)
    assert client.post(base, data={"document": text}).status_code == 302
    cert = issued(world).certificates[0]
    printed = client.post(f"/contests/{world['contest'].id}/certificates/{cert.id}/print").data
    assert "获奖证书" in pdftotext(printed).replace(" ", "")  # the saved layout is the one printed
    assert client.post(base + "/reset").status_code == 302
    assert printing.layout_for(world["contest"], "award").fields[0].template == "荣誉证书"
    assert audit_count("certificate.layout") == 2


def test_overlay_printing_moves_every_field_by_the_printers_calibration(world, client, login_as):
    login_as("org1")
    cid = world["contest"].id
    cert = issued(world).certificates[0]
    response = client.post(f"/contests/{cid}/certificates/layouts/award/printers",
                           data={"printer": "礼堂 HP M706", "dx": "5", "dy": "3.5"})
    assert response.status_code == 302
    assert printing.printer_offset(world["contest"], "award", "礼堂 HP M706") == (5.0, 3.5)

    plain = client.post(f"/contests/{cid}/certificates/{cert.id}/print", data={"mode": "overlay"}).data
    moved = client.post(f"/contests/{cid}/certificates/{cert.id}/print",
                        data={"mode": "overlay", "printer": "礼堂 HP M706"}).data
    for pdf in (plain, moved):
        assert_fonts_embedded(pdf)
        text = pdftotext(pdf).replace(" ", "")
        assert "李晓堃" in text and "荣誉证书" not in text  # overlay: only what is not pre-printed
    a, b = Gray(plain), Gray(moved)
    assert a.ink_bbox((0, 0, 30, 30)) is None  # no frame on pre-printed stock
    for region in [(35, 70, 200, 83), (25, 135, 60, 168)]:  # the name line, the QR code
        box_a = a.ink_bbox(region)
        box_b = b.ink_bbox((region[0], region[1], region[2] + 6, region[3] + 5))
        assert abs((box_b[0] - box_a[0]) - a.mm(5)) <= 1.5, (region, box_a, box_b)
        assert abs((box_b[1] - box_a[1]) - a.mm(3.5)) <= 1.5, (region, box_a, box_b)
    assert db.session.scalar(select(Certificate.reprints).where(Certificate.id == cert.id)) == 1

    calib = client.get(f"/contests/{cid}/certificates/layouts/award/calibration.pdf",
                       query_string={"printer": "礼堂 HP M706"})
    assert calib.status_code == 200
    assert_fonts_embedded(calib.data)
    assert "dx=5 mm" in pdftotext(calib.data) and "校准" in pdftotext(calib.data)
    unknown = client.post(f"/contests/{cid}/certificates/issue",
                          data={"source": "issued", "kind": "award", "mode": "overlay", "printer": "没校准的"})
    assert unknown.status_code == 302 and "/batches/" not in unknown.headers["Location"]


def test_refusals_are_flashed_in_the_readers_language_and_lead_back_where_they_did(world, client, login_as):
    login_as("org1")
    cid = world["contest"].id
    cert = issued(world).certificates[0]
    console, editor = f"/contests/{cid}/certificates/", f"/contests/{cid}/certificates/layouts/award"
    listing = f"http://localhost{console}?q=%E8%B5%B5"

    def refused(url, back, message, method="post", **kw):
        response = getattr(client, method)(url, **kw)
        assert response.status_code == 302 and response.headers["Location"] == back, response.headers
        page = client.get(back.partition("#")[0]).get_data(as_text=True)
        assert message in page, page[:2000]

    # issuing: back to the console, whatever page the form was on
    refused(f"{console}issue", console, "未知的名单来源：nope", data={"source": "nope", "kind": "award"},
            headers={"Referer": f"http://localhost{editor}"})
    refused(f"{console}issue", console, "打印机「没校准的」还没有校准",
            data={"source": "issued", "kind": "award", "mode": "overlay", "printer": "没校准的"})
    assert db.session.scalar(select(func.count()).select_from(QueuedJob)) == 0
    # revoking and printing one: back to the page the form was on, else the console
    refused(f"{console}{cert.id}/revoke", listing, "撤销证书必须填写原因", data={"reason": " "},
            headers={"Referer": listing})
    refused(f"{console}{cert.id}/revoke", console, "撤销证书必须填写原因", data={"reason": ""})
    client.post(f"{console}{cert.id}/revoke", data={"reason": "冒名顶替"})
    refused(f"{console}{cert.id}/print", listing, f"证书 {cert.serial} 已撤销，不能打印",
            headers={"Referer": listing})
    # the printers' calibration: back to the layout editor
    refused(f"{editor}/printers", f"{editor}#printers", "偏移量须为数字（毫米，可带小数）",
            data={"printer": "HP", "dx": "五"})
    refused(f"{editor}/printers", f"{editor}#printers", "请填写打印机名称", data={"printer": " ", "dx": "1"})
    refused(f"{editor}/calibration.pdf", editor, "打印机「HP」还没有校准", method="get",
            query_string={"printer": "HP"})
    english = client.post(f"{editor}/printers", data={"printer": "HP", "dx": "x"}, headers={"Accept-Language": "en"})
    assert "Offsets must be numbers" in client.get(english.headers["Location"],
                                                   headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert client.post(f"{editor}/printers", data={"printer": "HP", "dx": "1.5"}).headers["Location"] \
        == f"{editor}#printers"
    assert printing.printer_offset(world["contest"], "award", "HP") == (1.5, 0.0)


def test_console_pages_and_the_certificates_tab(world, client, login_as):
    login_as("org1")
    cid = world["contest"].id
    issued(world)
    page = client.get(f"/contests/{cid}/certificates/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2025-electrician-0001" in html and "发放并生成 PDF" in html
    assert f'href="/contests/{cid}/certificates/"' in client.get(f"/contests/{cid}").get_data(as_text=True)
    assert client.post(f"/contests/{cid}/certificates/settings", data={"serial_pattern": "{year}"}).status_code == 302
    assert serials.setup_of(world["contest"]).serial_pattern == "{year}-{event}-{seq:04d}"
    client.post(f"/contests/{cid}/certificates/settings",
                data={"serial_pattern": "ZS{year}-{seq:03d}", "issuer": "某某市总工会  某某市人社局", "date_text": ""})
    db.session.expire_all()
    assert serials.setup_of(world["contest"]).serial_pattern == "ZS{year}-{seq:03d}"
    assert client.get(f"/contests/{cid}/certificates/layouts/nope").status_code == 404


def test_chinese_dates():
    from datetime import date

    assert printing.chinese_date(date(2025, 5, 1)) == "二〇二五年五月一日"
    assert printing.chinese_date(date(2026, 12, 31)) == "二〇二六年十二月三十一日"
    assert printing.chinese_date(date(2025, 10, 20)) == "二〇二五年十月二十日"


# --- sources: the award list, craftsman naming, merit honours ----------------------------------------------------------

def _final_snapshot(world, grants, version=1):
    from contestapp.awards.models import AwardGrant
    from contestapp.results.models import ResultSnapshot

    event = world["event"]
    snap = ResultSnapshot(event_id=event.id, kind="final", version=version, status="effective",
                          number=f"{world['contest'].code}/{event.code}/F{version}", data={"ranking": []})
    db.session.add(snap)
    db.session.flush()
    for person, kind, name, rank in grants:
        entry = person.entries[0]
        db.session.add(AwardGrant(snapshot_id=snap.id, event_id=event.id, entry_id=entry.id, kind=kind, name=name,
                                  rank=rank))
    db.session.commit()
    return snap


def test_issue_from_the_official_award_list_in_award_order(world, client, login_as):
    people = world["entrants"]
    _final_snapshot(world, [(people[2], "award", "二等奖", 2), (people[0], "award", "一等奖", 1),
                            (people[0], "title", "市技术能手", 1), (people[4], "award", "三等奖", 3)])
    login_as("org1")
    cid = world["contest"].id
    response = client.post(f"/contests/{cid}/certificates/issue", data={"source": "awards", "kind": "award"})
    batch_id = int(re.search(r"/batches/(\d+)", response.headers["Location"]).group(1))
    run_jobs()
    assert client.get(f"/contests/{cid}/certificates/batches/{batch_id}/status").get_json()["status"] == "done"
    certs = db.session.scalars(select(Certificate).where(Certificate.kind == "award")
                               .order_by(Certificate.serial)).all()
    assert [(c.holder, c.award, c.entrant_id) for c in certs] == [
        (people[0].name, "一等奖", people[0].id), (people[2].name, "二等奖", people[2].id),
        (people[4].name, "三等奖", people[4].id)]
    assert certs[0].id_masked == people[0].masked_id_number and certs[0].unit == people[0].unit_name
    pdf = client.get(f"/contests/{cid}/certificates/batches/{batch_id}/download/pdf").data
    assert_fonts_embedded(pdf)
    assert [people[i].name in pdftotext(pdf, page=p) for p, i in ((1, 0), (2, 2), (3, 4))] == [True] * 3

    titles = issuing.issue(world["contest"], issuing.requests_from(world["contest"], "awards", "title"), actor=None)
    assert [(c.holder, c.award, c.kind) for c in titles.certificates] == [(people[0].name, "市技术能手", "title")]
    # the official list of a later correction: the same people keep their serials
    _final_snapshot(world, [(people[0], "award", "一等奖", 1), (people[2], "award", "二等奖", 2)], version=2)
    again = issuing.issue(world["contest"], issuing.requests_from(world["contest"], "awards", "award"), actor=None)
    assert [c.serial for c in again.certificates] == [certs[0].serial, certs[1].serial] and again.new == 0


def test_issue_from_craftsman_naming_keeps_the_serials_given_at_naming(app, make, client):
    from contestapp.craftsman.models import CraftsmanTitle
    from tests.craftsman.craftsman_helpers import build_world, nominate

    w = build_world(make, units=2, experts=5, vote=False)
    noms = [nominate(w["call"], w["units"][k % 2], k) for k in range(2)]
    for k, n in enumerate(noms, 1):
        db.session.add(CraftsmanTitle(contest_id=w["contest"].id, nomination_id=n.id, serial=f"GJ2025001{k:03d}",
                                      holder=n.name, unit=n.employer, title="江山工匠"))
    db.session.commit()
    result = issuing.issue(w["contest"], issuing.requests_from(w["contest"], "craftsman", "craftsman"), actor=None)
    db.session.commit()
    assert [(c.serial, c.holder, c.award, c.kind) for c in result.certificates] == [
        ("GJ2025001001", "候选人00", "江山工匠", "craftsman"), ("GJ2025001002", "候选人01", "江山工匠", "craftsman")]
    assert result.certificates[0].id_masked == noms[0].masked_id_number
    # the craftsman area prints these very certificates, so its QR links verify
    from contestapp.craftsman.naming import certificate_records

    assert [r.verify_url for r in certificate_records(w["contest"])] == [
        verification.verify_url("GJ2025001001"), verification.verify_url("GJ2025001002")]
    body = client.get(verification.verify_url("GJ2025001001").replace("http://localhost", "")).get_data(as_text=True)
    assert "证书有效" in body and "江山工匠" in body
    pdf = printing.reprint_one(result.certificates[1], "full", None, None)
    assert_fonts_embedded(pdf)
    assert "候选人01" in pdftotext(pdf) and "江山工匠" in pdftotext(pdf)


def test_issue_from_merit_honours_skips_pending_ones(world):
    from contestapp.merit.models import Honour, HonourRule

    rule = HonourRule(contest_id=world["contest"].id, event_id=world["event"].id, code="advanced", label="先进集体",
                      quota=2)
    db.session.add(rule)
    db.session.flush()
    people = world["entrants"]
    for rank, (person, pending) in enumerate([(people[1], False), (people[3], False), (people[5], True)], 1):
        db.session.add(Honour(contest_id=world["contest"].id, rule_id=rule.id, entry_id=person.entries[0].id,
                              year=2025, label="先进集体", entrant_name=person.name, unit_name=person.unit_name,
                              rank=rank, score=Decimal("95.5"), pending=pending))
    db.session.commit()
    result = issuing.issue(world["contest"], issuing.requests_from(world["contest"], "merit", "honour"), actor=None)
    assert [(c.holder, c.award, c.kind) for c in result.certificates] == [
        (people[1].name, "先进集体", "honour"), (people[3].name, "先进集体", "honour")]
    assert result.certificates[0].serial == "2025-electrician-0001"


def _queued_batch(world, client, login_as) -> int:
    issued(world)
    login_as("org1")
    response = client.post(f"/contests/{world['contest'].id}/certificates/issue",
                           data={"source": "issued", "kind": "award", "mode": "full"})
    return int(re.search(r"/batches/(\d+)", response.headers["Location"]).group(1))


def _status(world, client, batch_id) -> dict:
    return client.get(f"/contests/{world['contest'].id}/certificates/batches/{batch_id}/status").get_json()


def _worker_dies(holder: str) -> None:
    """A jobs process claims the next job and dies: its lease runs out without a word."""
    from datetime import datetime, timedelta, timezone

    from contestapp.jobs.queue import claim

    job = claim(holder)
    assert job is not None
    job.lease_until = datetime.now(timezone.utc) - timedelta(seconds=1)
    db.session.commit()


def test_the_web_request_only_queues_a_batch_and_a_worker_that_died_is_replaced(app, world, client, login_as):
    batch_id = _queued_batch(world, client, login_as)
    status = _status(world, client, batch_id)
    assert status["status"] == "queued" and not status["finished"] and status["phase"] == "排队中，等待任务进程"
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 6  # issued before, nothing printed
    assert all(c.printed_at is None for c in db.session.scalars(select(Certificate)))

    _worker_dies("another-host:4242")
    assert not _status(world, client, batch_id)["finished"]
    assert run_jobs() == 1  # the next worker takes it over once the lease has run out
    status = _status(world, client, batch_id)
    assert status["status"] == "done" and status["percent"] == 100 and status["zip"], status
    job = db.session.get(QueuedJob, db.session.get(CertificateBatch, batch_id).job_id)
    db.session.refresh(job)
    assert job.status == "done" and job.attempts == 2
    batch = db.session.get(CertificateBatch, batch_id)
    counts = (batch.total // 2, batch.issued, batch.reprinted)
    assert job.message == "批次 %s：%s 张（新发 %s，重印 %s）" % (batch_id, *counts)  # the outcome in Chinese, as before
    with app.test_request_context(), force_locale("en"):
        english = shown(job)["message"]
    assert english == "Batch %s: %s certificates (%s newly issued, %s reprinted)" % (batch_id, *counts)


def test_a_batch_whose_worker_dies_every_time_fails_with_a_message(world, client, login_as):
    batch_id = _queued_batch(world, client, login_as)
    for n in range(3):
        _worker_dies(f"another-host:{n}")
    assert run_jobs() == 0  # given up, not run a fourth time
    status = _status(world, client, batch_id)
    assert status["status"] == "failed" and status["finished"]
    assert "任务进程在运行中中断了 3 次" in status["error"]
    page = client.get(f"/contests/{world['contest'].id}/certificates/batches/{batch_id}").get_data(as_text=True)
    assert "任务进程在运行中中断了 3 次" in page and "失败" in page
    english = client.get(f"/contests/{world['contest'].id}/certificates/batches/{batch_id}",
                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The jobs process was interrupted 3 times while running this job" in english and "中断了" not in english
    listing = client.get(f"/contests/{world['contest'].id}/certificates/",
                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The jobs process was interrupted 3 times" in listing
