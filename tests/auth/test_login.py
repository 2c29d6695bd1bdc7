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
    assert response.status_code == 401
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
