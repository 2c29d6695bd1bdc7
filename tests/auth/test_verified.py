"""Session cookies and CSRF tokens verified once per process (contestapp.common.verified) are refused exactly as
before when they are altered, belong to another session, or have expired."""
import re

from contestapp.common import verified

PASSWORD = "secret-pass-1"


def logged_in(app, make, name="vjudge"):
    make.user(name, "judge")
    from contestapp.extensions import db
    db.session.commit()
    c = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', c.get("/login").get_data(as_text=True))
    r = c.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token and token.group(1)})
    assert r.status_code == 302
    return c


def cookie(c):
    return c.get_cookie("session").value


def test_a_remembered_session_cookie_is_a_copy_and_an_altered_one_is_refused(app, make):
    c = logged_in(app, make)
    value = cookie(c)
    assert c.get("/api/v1/assignments").status_code == 200
    r = c.get("/api/v1/assignments")  # from memory this time, by the whole Cookie header
    assert r.status_code == 200 and "Cookie" in r.headers.get("Vary", "") and "Set-Cookie" not in r.headers
    assert any(k[1] == value for k in verified._sessions)
    assert any(len(k) == 3 and value in k[2] for k in verified._sessions)
    c.set_cookie("other", "x")  # another cookie beside it: another header, the same session
    assert c.get("/api/v1/assignments").status_code == 200
    c.delete_cookie("other")
    c.set_cookie("session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert c.get("/api/v1/assignments").status_code == 401  # altered: a new, empty session
    signed = app.session_interface.get_signing_serializer(app).dumps({"_flashes": [["info", "已保存"]]})
    with app.test_request_context(headers={"Cookie": f"session={signed}"}):
        from flask import request

        first = app.session_interface.open_session(app, request)
        first["_flashes"].pop()
        again = app.session_interface.open_session(app, request)
        assert again["_flashes"] == [["info", "已保存"]]  # each request gets its own copy, nested values too


def test_a_remembered_session_expires_with_its_cookie(app, make, monkeypatch):
    c = logged_in(app, make)
    assert c.get("/api/v1/assignments").status_code == 200
    now = verified.time.time()
    lifetime = app.permanent_session_lifetime.total_seconds()
    monkeypatch.setattr(verified.time, "time", lambda: now + lifetime + 60)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: now + lifetime + 60)
    assert c.get("/api/v1/assignments").status_code == 401


def test_a_remembered_csrf_token_only_passes_with_its_own_session(app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        a = logged_in(app, make, "vjudge")
        b = logged_in(app, make, "vjudge2")
        token_a = re.search(r'name="csrf-token" content="([^"]+)"', a.get("/judging/").get_data(as_text=True)).group(1)
        token_b = re.search(r'name="csrf-token" content="([^"]+)"', b.get("/judging/").get_data(as_text=True)).group(1)
        for _ in range(2):  # verified, then remembered
            r = a.post("/api/v1/sheets/999999/submit", json={}, headers={"X-CSRFToken": token_a})
            assert r.status_code == 404  # past the CSRF check: no such sheet
        r = b.post("/api/v1/sheets/999999/submit", json={}, headers={"X-CSRFToken": token_a})
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf"  # a's token, b's session
        r = a.post("/api/v1/sheets/999999/submit", json={}, headers={"X-CSRFToken": token_a[:-3] + "xyz"})
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf"
        r = a.post("/api/v1/sheets/999999/submit", json={})
        assert r.status_code == 400  # no token at all
        r = b.post("/api/v1/sheets/999999/submit", json={}, headers={"X-CSRFToken": token_b})
        assert r.status_code == 404
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_json_requests_token_is_read_from_its_headers_whatever_the_json_media_type(app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        a = logged_in(app, make, "vjudge")
        token = re.search(r'name="csrf-token" content="([^"]+)"', a.get("/judging/").get_data(as_text=True)).group(1)
        for media_type in ("application/json", "Application/JSON; charset=utf-8", "application/merge-patch+json"):
            r = a.post("/api/v1/sheets/999999/submit", data="{}", headers={"Content-Type": media_type,
                                                                           "X-CSRFToken": token})
            assert r.status_code == 404, media_type  # past the CSRF check: no such sheet
            r = a.post("/api/v1/sheets/999999/submit", data="{}", headers={"Content-Type": media_type})
            assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf", media_type
        # a form post takes Flask-WTF's own path: the token in the form, or in the header
        assert a.post("/api/v1/sheets/999999/submit", data={"csrf_token": token}).status_code == 404  # past the check
        assert a.post("/api/v1/sheets/999999/submit", data={}).get_json()["error"]["code"] == "csrf"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_remembered_session_identifier_is_flask_logins_own(app):
    """Session protection compares it with the one stored at login: the same address and User-Agent give the same
    digest, another User-Agent or forwarded address another one."""
    from flask_login.utils import _create_identifier

    seen = set()
    for headers, address in (({"User-Agent": "Tablet/1"}, "10.0.0.5"), ({"User-Agent": "Tablet/2"}, "10.0.0.5"),
                             ({"User-Agent": "Tablet/1"}, "10.0.0.6"),
                             ({"User-Agent": "Tablet/1", "X-Forwarded-For": "1.2.3.4"}, "10.0.0.5"), ({}, "10.0.0.5")):
        for _ in range(2):  # computed, then remembered
            with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": address}):
                assert verified.session_identifier() == _create_identifier()
                ident = verified.session_identifier()
        seen.add(ident)
    assert len(seen) == 5
    assert app.login_manager._session_identifier_generator is verified.session_identifier
