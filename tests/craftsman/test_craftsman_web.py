"""Craftsman pages through HTTP: nominating, uploads refused for type, size and path traversal, who may read a
candidate's materials, deadlines, the office returning a nomination, the public vote and the SMS senders."""
import io
import json
import re
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from contestapp.extensions import db
from tests.conftest import login
from tests.craftsman.craftsman_helpers import PDF, PNG, build_world, nominate, nomination_values


@pytest.fixture
def world(app, make):
    w = build_world(make)
    db.session.commit()
    return w


def _form(i, **over):
    v = nomination_values(i, **over)
    v["front_line"] = "1" if v["front_line"] else "0"
    return {k: ("" if val is None else val) for k, val in v.items()}


def _new_nomination(client, contest, i=0, **over):
    r = client.post(f"/craftsman/unit/calls/{contest.id}/new", data=_form(i, **over))
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return int(re.search(r"/nominations/(\d+)", r.headers["Location"]).group(1))


def _upload(client, nid, name, content, kind="material"):
    return client.post(f"/craftsman/unit/nominations/{nid}/files", data={
        "file": (io.BytesIO(content), name), "kind": kind}, content_type="multipart/form-data",
        follow_redirects=True)


def test_unit_nominates_uploads_and_submits(app, world, client):
    from contestapp.craftsman.models import Nomination, NominationFile

    login(client, "unit0")
    page = client.get("/craftsman/unit").get_data(as_text=True)
    assert "2025年度“城市工匠”评选" in page and "推荐候选人" in page
    nid = _new_nomination(client, world["contest"])
    n = db.session.get(Nomination, nid)
    assert n.status == "draft" and n.birth_date.year == 1990 and n.gender == "F"
    r = client.post(f"/craftsman/unit/nominations/{nid}/submit", follow_redirects=True)
    assert "证明材料（至少一份）" in r.get_data(as_text=True)
    r = _upload(client, nid, "事迹材料.pdf", PDF)
    assert "已上传：事迹材料.pdf" in r.get_data(as_text=True)
    f = db.session.scalar(db.select(NominationFile))
    stored = Path(app.config["UPLOAD_DIR"]) / "craftsman" / str(world["contest"].id) / f.stored_name
    assert stored.read_bytes() == PDF and re.fullmatch(r"[0-9a-f]{32}\.pdf", f.stored_name)
    assert "static" not in str(stored.resolve())
    r = client.post(f"/craftsman/unit/nominations/{nid}/submit", follow_redirects=True)
    assert "推荐表已提交" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Nomination, nid).status == "submitted"
    # submitted: no more edits or uploads
    assert "已提交，不能再上传" in _upload(client, nid, "b.pdf", PDF).get_data(as_text=True)


def test_bad_id_number_is_refused_and_nothing_lost(app, world, client):
    login(client, "unit0")
    bad = _form(1)
    bad["id_number"] = bad["id_number"][:-1] + ("0" if bad["id_number"][-1] != "0" else "1")
    r = client.post(f"/craftsman/unit/calls/{world['contest'].id}/new", data=bad)
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "身份证号校验位错误" in text and "扎根一线二十年" in text


@pytest.mark.parametrize("name, content, message", [
    ("virus.exe", b"MZ\x90\x00", "只接受 PDF、JPG 或 PNG 文件"),
    ("notes.txt", b"hello", "只接受 PDF、JPG 或 PNG 文件"),
    ("fake.pdf", b"<html><script>alert(1)</script>", "文件内容与扩展名不符"),
    ("photo.png", PDF, "文件内容与扩展名不符"),
    ("page.pdf.html", PDF, "只接受 PDF、JPG 或 PNG 文件"),
    ("../../../etc/cron.d/x.pdf", PDF, "不允许"),
    ("..\\..\\win.pdf", PDF, "不允许"),
    ("/etc/passwd.pdf", PDF, "不允许"),
    ("..", PDF, "不允许"),
    ("a\x00.pdf", PDF, "不允许"),
])
def test_bad_uploads_are_refused(app, world, client, name, content, message):
    from contestapp.craftsman.models import NominationFile

    login(client, "unit0")
    nid = _new_nomination(client, world["contest"])
    folder = Path(app.config["UPLOAD_DIR"]) / "craftsman" / str(world["contest"].id)
    before = set(folder.iterdir()) if folder.exists() else set()
    r = _upload(client, nid, name, content)
    assert message in r.get_data(as_text=True), r.get_data(as_text=True)[:3000]
    assert db.session.scalar(db.select(db.func.count(NominationFile.id))) == 0
    assert (set(folder.iterdir()) if folder.exists() else set()) == before


def test_oversized_uploads_are_refused(app, world, client):
    from contestapp.craftsman.models import NominationFile

    login(client, "unit0")
    nid = _new_nomination(client, world["contest"])
    old = app.config.get("CRAFTSMAN_MAX_FILE_MB")
    app.config["CRAFTSMAN_MAX_FILE_MB"] = 1
    try:
        big = PDF + b"0" * (1024 * 1024)
        assert "文件超过 1 MB 的上限" in _upload(client, nid, "big.pdf", big).get_data(as_text=True)
        assert "已上传" in _upload(client, nid, "ok.pdf", PDF + b"0" * 1000).get_data(as_text=True)
    finally:
        app.config.pop("CRAFTSMAN_MAX_FILE_MB") if old is None else app.config.update(CRAFTSMAN_MAX_FILE_MB=old)
    # beyond the request limit the server refuses before reading (413)
    r = client.post(f"/craftsman/unit/nominations/{nid}/files", data={
        "file": (io.BytesIO(b"%PDF-" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1)), "huge.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 413
    assert db.session.scalar(db.select(db.func.count(NominationFile.id))) == 1


def test_materials_are_shown_only_to_those_who_may_see_them(app, world, make):
    from contestapp.craftsman import calls, nominations
    from contestapp.craftsman.models import NominationFile

    call, contest = world["call"], world["contest"]
    n_other = nominate(call, world["units"][9], 1)      # nominated by the last unit (expert6's own unit)
    n = nominate(call, world["units"][0], 0)
    db.session.commit()
    fid = n.files[0].id
    other_fid = n_other.files[0].id
    url = f"/craftsman/files/{fid}"
    anonymous = app.test_client()
    r = anonymous.get(url)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    make.user("stranger", "organiser", make.org("丙市总工会"))
    make.user("outsider", "judge", make.org("外地专家库"))
    make.user("chief", "chief_judge", world["unit_orgs"][0])
    db.session.commit()

    def status(username, file_url=url):
        with app.app_context():  # a fresh `g` per user (the test's own app context would cache the login)
            c = app.test_client()
            login(c, username)
            return c.get(file_url).status_code

    assert status("unit0") == 200
    assert status("unit1") == 404            # another unit
    assert status("office") == 200           # the contest's organiser
    assert status("stranger") == 404         # an organiser elsewhere
    assert status("chief") == 403            # not a role that reads materials
    assert status("expert0") == 404          # an expert, before the candidate is in review
    calls.set_stage(call, "checking", world["organiser"])
    nominations.decide(call, n, "eligible", "", world["organiser"])
    nominations.decide(call, n_other, "eligible", "", world["organiser"])
    db.session.commit()
    assert status("expert0") == 200          # an assigned expert, in review
    assert status("outsider") == 404         # an expert not on this panel
    assert status("expert6", f"/craftsman/files/{other_fid}") == 404  # recused: same unit as the candidate
    assert status("expert6") == 200
    c = app.test_client()
    login(c, "unit0")
    r = c.get(url)
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.data == PDF
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert db.session.get(NominationFile, fid).original_name in r.headers["Content-Disposition"] or \
        "filename*" in r.headers["Content-Disposition"]


def test_deadline_closes_nominations(app, world, client):
    from contestapp.craftsman import errors, nominations

    login(client, "unit0")
    nid = _new_nomination(client, world["contest"])
    _upload(client, nid, "a.pdf", PDF)
    world["call"].deadline = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.session.commit()
    r = client.post(f"/craftsman/unit/nominations/{nid}/submit", follow_redirects=True)
    assert "申报已截止，不能再提交" in r.get_data(as_text=True)
    r = client.get(f"/craftsman/unit/calls/{world['contest'].id}/new", follow_redirects=True)
    assert "申报已截止" in r.get_data(as_text=True)
    with pytest.raises(errors.CraftsmanError, match="申报已截止"):
        nominations.save_nomination(world["call"], world["units"][1], None, nomination_values(2))


def test_office_returns_and_unit_resubmits(app, world):
    from contestapp.craftsman.models import Nomination

    n = nominate(world["call"], world["units"][0], 0, innovations="")
    db.session.commit()
    with app.app_context():  # each user in a fresh app context: `g` caches the signed-in user
        office = app.test_client()
        login(office, "office")
        page = office.get(f"/craftsman/{world['contest'].id}/nominations/{n.id}").get_data(as_text=True)
        assert "年龄" in page and "符合条件" in page
        r = office.post(f"/craftsman/{world['contest'].id}/nominations/{n.id}/decide",
                        data={"decision": "return", "note": ""}, follow_redirects=True)
        assert "请填写退回补充的说明" in r.get_data(as_text=True)
        office.post(f"/craftsman/{world['contest'].id}/nominations/{n.id}/decide",
                    data={"decision": "return", "note": "请补充技术创新成果及专利证书"})
    db.session.expire_all()
    assert db.session.get(Nomination, n.id).status == "returned"
    with app.app_context():
        unit = app.test_client()
        login(unit, "unit0")
        assert "请补充技术创新成果及专利证书" in unit.get("/craftsman/unit").get_data(as_text=True)
        form = _form(0, innovations="发明专利一项：数控夹具")
        unit.post(f"/craftsman/unit/nominations/{n.id}", data=form)
        _upload(unit, n.id, "专利证书.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100)
        unit.post(f"/craftsman/unit/nominations/{n.id}/submit")
    db.session.expire_all()
    n = db.session.get(Nomination, n.id)
    assert n.status == "submitted" and n.innovations == "发明专利一项：数控夹具" and len(n.files) == 2


def test_console_pages_render(app, world):
    from contestapp.craftsman import calls

    nominate(world["call"], world["units"][0], 0)
    db.session.commit()
    c = app.test_client()
    login(c, "office")
    cid = world["contest"].id
    for path in ("", "call", "review", "votes", "naming"):
        r = c.get(f"/craftsman/{cid}/{path}")
        assert r.status_code == 200, (path, r.get_data(as_text=True)[:1000])
    assert "候选人00" in c.get(f"/craftsman/{cid}/").get_data(as_text=True)
    r = c.post(f"/craftsman/{cid}/call", data={
        "title": "江山工匠", "quota": 10, "shortlist_size": 15, "reference_date": "2025-04-30",
        "deadline": "2030-05-01T17:00", "max_age": 50, "min_level": "技师", "employer_types": "国有企业，民营企业",
        "direct_keywords": "省级一等奖", "young_age": 40, "young_share": "0.5", "front_share": "0.8",
        "vote_enabled": "y", "vote_weight": "0.2", "publicity_days": 5})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    call = calls.call_of(world["contest"])
    db.session.refresh(call)
    assert call.eligibility["employer_types"] == ["国有企业", "民营企业"] and call.eligibility["max_age"] == 50
    assert call.deadline == datetime(2030, 5, 1, 9, 0, tzinfo=timezone.utc)
    assert str(call.vote_weight) == "0.2" and [t["code"] for t in call.targets] == ["young", "front"]


class _Gateway(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append((self.headers.get("Authorization"), json.loads(body)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_http_sms_sender_posts_to_the_gateway():
    from contestapp.craftsman.sms import HttpSmsSender, SmsError

    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        HttpSmsSender(f"http://127.0.0.1:{server.server_port}/send", "tok").send("13800000000", "验证码 123456")
        assert _Gateway.received == [("Bearer tok", {"phone": "13800000000", "text": "验证码 123456"})]
    finally:
        server.shutdown()
    with pytest.raises(SmsError):
        HttpSmsSender(f"http://127.0.0.1:{server.server_port}/send", timeout=0.5).send("13800000000", "x")


def test_public_vote_by_phone_code(app, world, caplog):
    from contestapp.craftsman import vote
    from contestapp.craftsman.models import VoteCode
    from contestapp.craftsman.sms import LogSender

    call = world["call"]
    n = nominate(call, world["units"][0], 0)
    n.status, n.shortlisted = "eligible", True
    call.stage = "vote"
    db.session.commit()
    app.extensions["craftsman_sms"] = sender = LogSender()
    c = app.test_client()
    cid = world["contest"].id
    page = c.get(f"/craftsman/vote/{cid}")
    assert page.status_code == 200 and "候选人00" in page.get_data(as_text=True)
    assert "cm_dev" in page.headers.get("Set-Cookie", "")
    refused = c.post(f"/craftsman/vote/{cid}/code", data={"phone": "1391234"})  # back to the vote page, number kept
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/craftsman/vote/{cid}?phone=1391234")
    assert "请输入 11 位手机号码" in c.get(refused.headers["Location"]).get_data(as_text=True)
    with caplog.at_level("INFO", logger="contestapp.sms"):
        c.post(f"/craftsman/vote/{cid}/code", data={"phone": "13912345678"})
    assert "13912345678" in caplog.text
    code = re.search(r"\d{6}", sender.sent[-1][1]).group(0)
    r = c.post(f"/craftsman/vote/{cid}/cast", data={"phone": "13912345678", "code": "000000" if code != "000000"
                                                     else "111111", "nomination_id": n.id}, follow_redirects=True)
    assert "验证码错误" in r.get_data(as_text=True)
    r = c.post(f"/craftsman/vote/{cid}/cast", data={"phone": "13912345678", "code": code, "nomination_id": n.id},
               follow_redirects=True)
    assert "投票成功" in r.get_data(as_text=True)
    assert vote.vote_counts(cid) == {n.id: 1}
    # the same phone cannot vote twice the same day
    c2 = app.test_client()
    vc = db.session.scalar(db.select(VoteCode).order_by(VoteCode.id.desc()))
    vc.created_at -= timedelta(minutes=2)
    db.session.commit()
    c2.post(f"/craftsman/vote/{cid}/code", data={"phone": "13912345678"})
    code = re.search(r"\d{6}", sender.sent[-1][1]).group(0)
    r = c2.post(f"/craftsman/vote/{cid}/cast", data={"phone": "13912345678", "code": code, "nomination_id": n.id},
                follow_redirects=True)
    assert "今天已经投过票" in r.get_data(as_text=True)
    # one device asking for many codes is limited (429)
    codes = [c2.post(f"/craftsman/vote/{cid}/code", data={"phone": f"1380000{k:04d}"}).status_code
             for k in range(7)]
    assert codes[:4] == [302] * 4 and codes[-1] == 429
    # organisers see the vote page; the public photo of a non-shortlisted candidate is not served
    assert c.get(f"/craftsman/vote/{cid}/photo/{n.id}").status_code == 404


def test_a_failed_automatic_check_is_refused_in_the_readers_language(app, world):
    """The eligibility reasons are the domain's (figures and levels in them): an English office reads them in
    English, a Chinese one as before."""
    from contestapp.craftsman import calls
    from contestapp.craftsman.models import Stage

    n = nominate(world["call"], world["units"][0], 0, vocational_level="中级工", years_in_trade=3)
    calls.set_stage(world["call"], Stage.CHECKING, world["organiser"])
    db.session.commit()
    url = f"/craftsman/{world['contest'].id}/nominations/{n.id}/decide"
    with app.app_context():
        office = app.test_client()
        login(office, "office")
        page = office.post(url, data={"decision": "eligible", "note": ""}, headers={"Accept-Language": "en"},
                           follow_redirects=True).get_data(as_text=True)
        assert ("The automatic check failed: 3 years in the trade, fewer than 8; Vocational level Intermediate "
                "worker (level 4), below the required Senior worker (level 3)") in page
        page = office.post(url, data={"decision": "eligible", "note": ""}, follow_redirects=True).get_data(as_text=True)
        assert "自动审查未通过：从事本职业（工种）3 年，不足 8 年；职业技能等级为中级工，低于要求的高级工" in page


def test_an_ineligible_nominations_reasons_are_kept_and_shown_in_the_readers_language(app, world):
    """Ineligible without a note of the office's own: the failed checks' reasons are the note, kept as messages
    beside the Chinese text; the unit's pages and the office's show them in the reader's language, and the office's
    own words as written."""
    from contestapp.craftsman import calls, nominations
    from contestapp.craftsman.models import Nomination, Stage

    n = nominate(world["call"], world["units"][0], 0, vocational_level="中级工", years_in_trade=3)
    typed = nominate(world["call"], world["units"][0], 1, years_in_trade=3)
    calls.set_stage(world["call"], Stage.CHECKING, world["organiser"])
    nominations.decide(world["call"], typed, "ineligible", "从业年限证明与社保记录不符", world["organiser"])
    db.session.commit()
    cid = world["contest"].id
    with app.app_context():
        office = app.test_client()
        login(office, "office")
        office.post(f"/craftsman/{cid}/nominations/{n.id}/decide", data={"decision": "ineligible", "note": ""})
    db.session.expire_all()
    chinese = "从事本职业（工种）3 年，不足 8 年；职业技能等级为中级工，低于要求的高级工"
    english = ("3 years in the trade, fewer than 8; Vocational level Intermediate worker (level 4), below the required "
               "Senior worker (level 3)")
    stored = db.session.get(Nomination, n.id)
    assert stored.status == "ineligible" and stored.office_note == chinese  # the Chinese text, as before
    assert stored.office_note_detail and db.session.get(Nomination, typed.id).office_note_detail is None
    pages = {"office": [f"/craftsman/{cid}/nominations/{n.id}", f"/craftsman/{cid}/"],
             "unit0": ["/craftsman/unit", f"/craftsman/unit/nominations/{n.id}"]}
    for username, urls in pages.items():
        with app.app_context():
            c = app.test_client()
            login(c, username)
            for url in urls:
                page = c.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
                assert english in page or url.endswith(f"/{cid}/"), (url, page[:3000])
                assert "3 years in the trade, fewer than 8" in page and chinese not in page, url
                assert "不足 8 年" not in page, url
                page = c.get(url).get_data(as_text=True)
                assert "从事本职业（工种）3 年，不足 8 年" in page and english not in page, url
            if username == "unit0":  # the office's own words, as written in either language
                assert "从业年限证明与社保记录不符" in c.get("/craftsman/unit", headers={
                    "Accept-Language": "en"}).get_data(as_text=True)
