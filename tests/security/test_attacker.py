"""Issue 14 walked as an attacker would, through HTTP only, on SQLite and PostgreSQL (the `app` fixture runs every
test on both when CONTESTAPP_TEST_DATABASE_URL is set): copied cookies, removed members, crafted files, headers,
throttles. The details of each rule have their own tests (tests/auth/test_sessions.py, tests/security/test_limits.py,
test_upload_limits.py, test_export_formulas.py, test_headers.py); this module checks the doors are shut."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from contestapp.contests.models import ContestMember
from contestapp.extensions import db
from tests.conftest import PASSWORD
from tests.judging.conftest import Fresh, jw, signed_in  # noqa: F401
from tests.merit.merit_helpers import merit  # noqa: F401
from tests.security.test_upload_limits import HUGE, with_sheet


def _steal(app, browser, name="session"):
    thief = Fresh(app)
    thief.client.set_cookie(name, browser.client.get_cookie(name).value)
    return thief


# --- 1. sessions that end -------------------------------------------------------------------------------------------

def test_a_stolen_cookie_dies_with_logout_on_pages_and_api(app, jw):  # noqa: F811
    organiser, judge = signed_in(app, "org1"), signed_in(app, "judge3")
    stolen_page, stolen_api = _steal(app, organiser), _steal(app, judge)
    assert stolen_page.get("/contests/").status_code == 200
    assert stolen_api.get("/api/v1/assignments").status_code == 200
    organiser.post("/logout")
    judge.post("/logout")
    assert stolen_page.get("/contests/").status_code == 302
    assert stolen_api.get("/api/v1/assignments").status_code == 401
    sheets = signed_in(app, "judge1").get("/api/v1/assignments").get_json()["rounds"][0]["sheets"]
    write = stolen_api.put(f"/api/v1/sheets/{sheets[0]['id']}/marks", json={"version": 1, "marks": []})
    assert write.status_code == 401


def test_a_cookie_signed_with_another_key_or_edited_signs_nobody_in(app, jw):  # noqa: F811
    browser = signed_in(app, "org1")
    value = browser.client.get_cookie("session").value
    forged = Fresh(app)
    forged.client.set_cookie("session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert forged.get("/contests/").status_code == 302


def test_an_administrators_password_reset_throws_out_the_attacker(app, jw):  # noqa: F811
    from contestapp.auth.models import User

    tablet = signed_in(app, "judge3")
    stolen = _steal(app, tablet)
    boss = User(username="boss", display_name="管理员", role="admin", organisation_id=jw["j3"].organisation_id)
    boss.set_password(PASSWORD)
    db.session.add(boss)
    db.session.commit()
    j3 = jw["j3"]
    r = signed_in(app, "boss").post(f"/users/{j3.id}/edit", data={
        "username": j3.username, "display_name": j3.display_name, "role": "judge", "organisation_id": j3.organisation_id,
        "unit_name": "", "phone": "", "email": "", "password": "reset-by-admin-1", "active": "y"})
    assert r.status_code == 302
    assert stolen.get("/api/v1/assignments").status_code == 401
    assert tablet.get("/api/v1/assignments").status_code == 401


# --- 2. access follows membership -----------------------------------------------------------------------------------

def _remove(app, contest, user, by="org1"):
    member = db.session.scalar(select(ContestMember).where(ContestMember.contest_id == contest.id,
                                                           ContestMember.user_id == user.id))
    r = signed_in(app, by).post(f"/contests/{contest.id}/members/{member.id}/delete")
    assert r.status_code == 302


def test_a_removed_chief_judge_is_refused_at_once_in_an_open_session(app, jw):  # noqa: F811
    contest = jw["contest"]
    chief = signed_in(app, "chief1")
    assert chief.get(f"/contests/{contest.id}").status_code == 200
    assert contest.name in chief.get("/contests/").get_data(as_text=True)
    _remove(app, contest, jw["chief"])
    assert chief.get(f"/contests/{contest.id}").status_code == 403
    assert contest.name not in chief.get("/contests/").get_data(as_text=True)
    assert chief.get(f"/contests/{contest.id}/judging/").status_code in (403, 404)


def test_a_removed_unit_account_loses_its_merit_contest_at_once(app, merit):  # noqa: F811
    contest = merit["contest"]
    account = signed_in(app, "unit_a")
    assert account.get(f"/contests/{contest.id}/merit/self").status_code == 200
    _remove(app, contest, merit["unit_user"], by="organiser1")
    assert account.get(f"/contests/{contest.id}/merit/self").status_code == 403


def test_a_removed_judge_can_no_longer_read_or_mark_its_sheets(app, jw):  # noqa: F811
    from tests.judging.conftest import marks_for

    judge = signed_in(app, "judge1")
    sid = judge.get("/api/v1/assignments").get_json()["rounds"][0]["sheets"][0]["id"]
    sheet = judge.get(f"/api/v1/sheets/{sid}").get_json()
    _remove(app, jw["contest"], jw["j1"])
    assert judge.get("/api/v1/assignments").get_json()["rounds"] == []
    assert judge.get(f"/api/v1/sheets/{sid}").status_code in (403, 404)
    r = judge.put(f"/api/v1/sheets/{sid}/marks", json={"version": sheet["version"], "marks": marks_for(sheet)[:1]},
                  headers={"Idempotency-Key": "after-removal"})
    assert r.status_code in (403, 404)


# --- 3. files that cannot attack ------------------------------------------------------------------------------------

def test_a_crafted_workbook_is_refused_with_a_chinese_message_and_exports_carry_no_formula(app, jw, client, login_as):  # noqa: F811
    contest = jw["contest"]
    login_as("org1")
    r = client.post(f"/contests/{contest.id}/entrants/import",
                    data={"file": (io.BytesIO(with_sheet(HUGE)), "roster.xlsx")}, content_type="multipart/form-data",
                    follow_redirects=True)
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "flash-error" in text and "超过上限" in text  # the limit is named
    export = client.get(f"/contests/{contest.id}/entrants/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


# --- 5. headers -----------------------------------------------------------------------------------------------------

def test_pages_forbid_framing_inline_script_and_leaking_referrers(client):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp or "frame-ancestors 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[-1].split(";", 1)[0]
    assert r.headers["Referrer-Policy"] and r.headers["X-Content-Type-Options"] == "nosniff"


# --- 4. throttles ---------------------------------------------------------------------------------------------------

def test_guessing_a_password_locks_the_account_and_a_forged_address_does_not_help(app, jw):  # noqa: F811
    attacker = app.test_client()
    for i in range(app.config["LOGIN_MAX_FAILURES"]):
        r = attacker.post("/login", data={"username": "judge1", "password": f"guess-{i}"},
                          headers={"X-Forwarded-For": f"203.0.113.{i}"})
        assert r.status_code == 401
    locked = attacker.post("/login", data={"username": "judge1", "password": PASSWORD},
                           headers={"X-Forwarded-For": "198.51.100.1"})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.get_data(as_text=True)
    assert app.test_client().post("/login", data={"username": "judge2", "password": PASSWORD}).status_code == 302


def test_hammering_certificate_lookup_is_refused_with_429(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMITS", {"cert_lookup": "5 per minute"})
    c = app.test_client()
    codes = [c.get(f"/verify/?serial=ZJ-2026-{i:06d}&name=张三").status_code for i in range(6)]
    assert codes[-1] == 429 and 429 not in codes[:5]
