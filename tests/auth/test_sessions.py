"""Sessions that end (contestapp/auth/sessions.py): logout, a new password (own or set by an administrator),
deactivation and a role change end every session of the user at once, copies of the cookie and remember-me cookies
included; "log out everywhere" ends the others and keeps this one; a login card keeps its own revocation."""
from datetime import timedelta

from sqlalchemy import select

from contestapp.auth.models import User
from contestapp.extensions import db
from tests.conftest import PASSWORD
from tests.judging.conftest import Fresh, jw, signed_in  # noqa: F401  (jw: the judging fixture)


def cookie(client, name="session"):
    c = (client.client if isinstance(client, Fresh) else client).get_cookie(name)
    return c.value if c else None


def replay(app, value, name="session"):
    """A new browser holding only a copy of the cookie."""
    thief = Fresh(app)
    thief.client.set_cookie(name, value)
    return thief


def admin_saves(app, admin, user, **changes):
    """The administrator's account form for `user`, with `changes`."""
    data = {"username": user.username, "display_name": user.display_name, "role": user.role,
            "organisation_id": user.organisation_id, "unit_name": user.unit_name or "", "phone": "", "email": "",
            "password": "", "active": "y" if user.active else ""}
    data.update(changes)
    if not data["active"]:
        del data["active"]
    response = admin.post(f"/users/{user.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]


def test_a_copied_cookie_replayed_after_logout_is_sent_to_the_login_page(app, make):
    make.user("org1", "organiser", make.org())
    db.session.commit()
    browser = signed_in(app, "org1")
    stolen = cookie(browser)
    assert replay(app, stolen).get("/contests/").status_code == 200  # the copy works while the session lives
    assert browser.post("/logout").status_code == 302
    again = replay(app, stolen).get("/contests/")
    assert again.status_code == 302 and "/login" in again.headers["Location"]


def test_an_administrator_setting_a_judges_password_ends_the_judges_api_session(app, jw):  # noqa: F811
    tablet = signed_in(app, "judge3")
    assert tablet.get("/api/v1/assignments").status_code == 200
    stolen = cookie(tablet)
    make_admin = User(username="boss", display_name="管理员", role="admin", organisation_id=jw["j3"].organisation_id)
    make_admin.set_password(PASSWORD)
    db.session.add(make_admin)
    db.session.commit()
    admin_saves(app, signed_in(app, "boss"), jw["j3"], password="a-new-password-9")
    for client in (tablet, replay(app, stolen)):
        response = client.get("/api/v1/assignments")
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthenticated"
        put = client.put("/api/v1/sheets/1/marks", json={"version": 1, "marks": []})
        assert put.status_code in (400, 401)  # (no CSRF token in tests: CSRF is off) never a write
        assert put.status_code == 401
    assert signed_in(app, "judge3", "a-new-password-9").get("/api/v1/assignments").status_code == 200


def test_deactivation_ends_the_session_at_once(app, make):
    org = make.org()
    make.user("org1", "organiser", org)
    make.user("boss", "admin", org)
    db.session.commit()
    browser = signed_in(app, "org1")
    assert browser.get("/contests/").status_code == 200
    user = db.session.scalar(select(User).where(User.username == "org1"))
    admin_saves(app, signed_in(app, "boss"), user, active="")
    response = browser.get("/contests/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_role_change_ends_the_session(app, make):
    org = make.org()
    make.user("chief", "chief_judge", org)
    make.user("boss", "admin", org)
    db.session.commit()
    browser = signed_in(app, "chief")
    assert browser.get("/contests/").status_code == 200
    user = db.session.scalar(select(User).where(User.username == "chief"))
    admin_saves(app, signed_in(app, "boss"), user, role="judge")
    response = browser.get("/contests/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_saving_an_account_without_changes_keeps_its_sessions(app, make):
    org = make.org()
    make.user("org1", "organiser", org)
    make.user("boss", "admin", org)
    db.session.commit()
    browser = signed_in(app, "org1")
    user = db.session.scalar(select(User).where(User.username == "org1"))
    admin_saves(app, signed_in(app, "boss"), user, display_name="新名字")
    assert browser.get("/contests/").status_code == 200


def test_remember_me_cookies_end_with_the_sessions(app, make):
    make.user("org1", "organiser", make.org())
    db.session.commit()
    browser = Fresh(app)
    assert browser.post("/login", data={"username": "org1", "password": PASSWORD, "remember": "y"}).status_code == 302
    remembered = cookie(browser, "remember_token")
    assert remembered
    assert replay(app, remembered, "remember_token").get("/contests/").status_code == 200  # browser reopened
    browser.post("/logout")
    response = replay(app, remembered, "remember_token").get("/contests/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_log_out_everywhere_ends_the_other_devices_and_keeps_this_one(app, make):
    make.user("org1", "organiser", make.org())
    db.session.commit()
    laptop, phone = signed_in(app, "org1"), signed_in(app, "org1")
    page = laptop.get("/account").get_data(as_text=True)
    assert "退出其他所有设备上的登录" in page and "修改密码" in page
    response = laptop.post("/account/sessions/end")
    assert response.status_code == 302
    assert "其他设备上的登录已全部退出" in laptop.get("/account").get_data(as_text=True)
    assert laptop.get("/contests/").status_code == 200
    assert phone.get("/contests/").status_code == 302


def test_changing_ones_own_password_ends_the_other_sessions(app, make):
    make.user("org1", "organiser", make.org())
    db.session.commit()
    laptop, phone = signed_in(app, "org1"), signed_in(app, "org1")
    wrong = laptop.post("/account", data={"current": "not-it", "new": "brand-new-pass", "confirm": "brand-new-pass"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    mismatch = laptop.post("/account", data={"current": PASSWORD, "new": "brand-new-pass", "confirm": "other-pass"})
    assert mismatch.status_code == 400 and "两次输入的新密码不一致" in mismatch.get_data(as_text=True)
    assert phone.get("/contests/").status_code == 200  # nothing changed yet
    ok = laptop.post("/account", data={"current": PASSWORD, "new": "brand-new-pass", "confirm": "brand-new-pass"})
    assert ok.status_code == 302
    assert laptop.get("/contests/").status_code == 200
    assert phone.get("/contests/").status_code == 302
    assert signed_in(app, "org1", "brand-new-pass").get("/contests/").status_code == 200


def test_a_card_session_ends_with_its_card_and_with_the_judges_sessions(app, jw):  # noqa: F811
    from contestapp.judging.cards import issue_card, revoke_card
    from contestapp.judging.common import local_today

    today = local_today()
    card = issue_card(jw["contest"], jw["j1"], jw["organiser"], today, today + timedelta(days=1))
    db.session.commit()
    tablet = Fresh(app)
    assert tablet.post("/judging/card", data={"code": card.code, "pin": card.pin}).status_code == 302
    assert tablet.get("/api/v1/assignments").status_code == 200
    revoke_card(db.session.get(type(card), card.id), jw["organiser"])  # the card's own revocation
    db.session.commit()
    assert tablet.get("/api/v1/assignments").status_code == 401

    card = issue_card(jw["contest"], jw["j1"], jw["organiser"], today, today + timedelta(days=1))
    db.session.commit()
    tablet = Fresh(app)
    assert tablet.post("/judging/card", data={"code": card.code, "pin": card.pin}).status_code == 302
    signed_in(app, "judge1").post("/logout")  # the judge signs out elsewhere: every session of the judge ends
    assert tablet.get("/api/v1/assignments").status_code == 401


def test_a_session_from_before_session_tokens_signs_nobody_in(app, make):
    """Cookies made before the upgrade hold the bare id: they no longer sign in (one new login), never a 500."""
    user = make.user("org1", "organiser", make.org())
    db.session.commit()
    browser = Fresh(app)
    with browser.client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True
    assert browser.get("/contests/").status_code == 302
    assert browser.get("/api/v1/assignments").status_code == 401
