"""Login, logout, rate limiting, CSRF and safe redirects."""
from contestapp.auth.models import User
from contestapp.extensions import db
from tests.conftest import PASSWORD


def test_password_is_hashed_and_login_works(client, make):
    org = make.org()
    user = make.user("organiser1", "organiser", org)
    db.session.commit()
    assert PASSWORD not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    response = client.post("/login", data={"username": "organiser1", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/contests/")
    assert client.get("/contests/").status_code == 200


def test_wrong_password_is_refused_in_chinese(client, make):
    make.user("judge1", "judge", make.org())
    db.session.commit()
    response = client.post("/login", data={"username": "judge1", "password": "wrong-password"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_login_is_rate_limited_per_account(client, make, app):
    make.user("judge1", "judge", make.org())
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"username": "judge1", "password": "wrong-password"})
    response = client.post("/login", data={"username": "judge1", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client, make):
    user = make.user("gone", "organiser", make.org())
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"username": "gone", "password": PASSWORD})
    assert response.status_code == 401 and "停用" in response.get_data(as_text=True)


def test_next_parameter_only_follows_local_paths(client, make):
    make.user("org1", "organiser", make.org())
    db.session.commit()
    response = client.post("/login?next=https://evil.example/x", data={"username": "org1", "password": PASSWORD})
    assert response.headers["Location"].endswith("/contests/")


def test_logout_needs_post(client, make, login_as):
    make.user("org1", "organiser", make.org())
    db.session.commit()
    login_as("org1")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/contests/").status_code == 302


def test_forms_require_a_csrf_token(app, make):
    make.user("org1", "organiser", make.org())
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/login", data={"username": "org1", "password": PASSWORD})
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_users_create_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "boss", "--role", "admin", "--org", "杭州市总工会",
                                 "--password", "longpassword1"])
    assert result.exit_code == 0, result.output
    boss = db.session.scalar(db.select(User).where(User.username == "boss"))
    assert boss.role == "admin" and boss.organisation.name == "杭州市总工会"  # the first one: created as the top
    short = runner.invoke(args=["users", "create", "boss2", "--role", "admin", "--org", "杭州市总工会",
                                "--password", "short"])
    assert short.exit_code != 0 and "至少 8 位" in short.output


def test_users_create_command_needs_the_unit_named(app, make):
    """No account quietly lands in the top organisation: --org is required and must name an existing one."""
    city = make.org("杭州市总工会", "city")
    make.org("杭州汽轮机股份有限公司", "unit", city)
    db.session.commit()
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["users", "create", "expert1", "--role", "judge", "--password", "longpassword1"])
    assert missing.exit_code != 0 and "--org" in missing.output
    unknown = runner.invoke(args=["users", "create", "expert1", "--role", "judge", "--org", "杭州汽轮机",
                                  "--password", "longpassword1"])
    assert unknown.exit_code != 0 and "找不到组织 杭州汽轮机" in unknown.output
    assert "杭州汽轮机股份有限公司" in unknown.output  # the names to choose from
    ok = runner.invoke(args=["users", "create", "expert1", "--role", "judge", "--org", "杭州汽轮机股份有限公司",
                             "--unit", "浙江大学", "--password", "longpassword1"])
    assert ok.exit_code == 0, ok.output
    expert = db.session.scalar(db.select(User).where(User.username == "expert1"))
    assert (expert.organisation.name, expert.unit_name) == ("杭州汽轮机股份有限公司", "浙江大学")


def test_each_role_lands_on_its_own_home(app, make):
    org = make.org()
    for name, role in [("j", "judge"), ("u", "unit"), ("o", "organiser"), ("c", "chief_judge")]:
        make.user(name, role, org)
    db.session.commit()
    homes = {}
    for name in ("j", "u", "o", "c"):
        client = app.test_client()
        response = client.post("/login", data={"username": name, "password": PASSWORD})
        homes[name] = response.headers["Location"]
        assert client.get(homes[name]).status_code == 200, (name, homes[name])
    assert homes["o"].endswith("/contests/") and homes["c"].endswith("/contests/")
    assert homes["j"] != homes["o"] and homes["u"] != homes["o"]


# --- throttling: per account, and a much higher ceiling per address (contestapp/auth/throttle.py) -------------------

VENUE = {"REMOTE_ADDR": "10.8.0.23"}  # every tablet at the venue behind one Wi-Fi address


def _post_login(client, username, password, environ=VENUE):
    return client.post("/login", data={"username": username, "password": password}, environ_base=environ)


def test_one_judges_typos_lock_only_that_judge_not_the_others_on_the_same_wifi(client, make, app):
    org = make.org()
    for name in ("judge1", "judge2", "judge3"):
        make.user(name, "judge", org)
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _post_login(client, "judge1", "wrong-password").status_code == 401
    locked = _post_login(client, "judge1", PASSWORD)
    assert locked.status_code == 429
    text = locked.get_data(as_text=True)
    assert "该账号登录失败次数过多" in text and "15 分钟后再试" in text and "其他账号不受影响" in text
    for name in ("judge2", "judge3"):  # same address, other accounts: not affected
        other = app.test_client()
        assert _post_login(other, name, PASSWORD).status_code == 302, name


def test_an_account_stays_locked_from_another_address(client, make, app):
    make.user("judge1", "judge", make.org())
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _post_login(client, "judge1", "wrong-password")
    assert _post_login(client, "judge1", PASSWORD, {"REMOTE_ADDR": "192.0.2.9"}).status_code == 429


def test_an_address_has_its_own_much_higher_ceiling(client, make, app, monkeypatch):
    make.user("judge9", "judge", make.org())
    db.session.commit()
    monkeypatch.setitem(app.config, "LOGIN_MAX_ADDRESS_FAILURES", 12)
    assert app.config["LOGIN_MAX_ADDRESS_FAILURES"] > app.config["LOGIN_MAX_FAILURES"]
    for i in range(12):  # guessing across many accounts from one address, a few tries each
        _post_login(client, f"guess{i % 4}", "wrong-password")
    refused = _post_login(client, "judge9", PASSWORD)
    assert refused.status_code == 429 and "本网络地址登录失败次数过多" in refused.get_data(as_text=True)
    elsewhere = app.test_client()
    assert _post_login(elsewhere, "judge9", PASSWORD, {"REMOTE_ADDR": "192.0.2.9"}).status_code == 302


def test_failures_are_counted_in_the_shared_limit_storage_for_every_worker(client, make, app):
    """Another worker's (or host's) failures are counts in the rate limiter's shared storage: this worker refuses on
    them too (tests/security/test_limits.py runs two app instances on one Redis)."""
    from contestapp.auth import throttle

    make.user("judge1", "judge", make.org())
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        throttle.failed("judge1", "10.0.0.5")
    assert _post_login(client, "judge1", PASSWORD).status_code == 429


def test_the_lock_message_is_in_english_for_english_readers(client, make, app):
    make.user("judge1", "judge", make.org())
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _post_login(client, "judge1", "wrong-password")
    client.set_cookie("lang", "en")
    text = _post_login(client, "judge1", PASSWORD).get_data(as_text=True)
    assert "Too many failed sign-ins for this account" in text and "15 minutes" in text


def test_a_success_clears_the_accounts_failures(client, make, app):
    make.user("judge1", "judge", make.org())
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        _post_login(client, "judge1", "wrong-password")
    assert _post_login(client, "judge1", PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        _post_login(client, "judge1", "wrong-password")
    assert _post_login(client, "judge1", PASSWORD).status_code == 302


def test_an_administrator_unlocks_a_locked_account_from_the_command_line(client, make, app):
    make.user("judge1", "judge", make.org())
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _post_login(client, "judge1", "wrong-password")
    assert _post_login(client, "judge1", PASSWORD).status_code == 429
    result = app.test_cli_runner().invoke(args=["users", "unlock", "judge1"])
    assert result.exit_code == 0 and "已解除 judge1 的登录锁定" in result.output
    assert _post_login(client, "judge1", PASSWORD).status_code == 302
