"""Fixtures: an application per database (SQLite always; PostgreSQL too when CONTESTAPP_TEST_DATABASE_URL is set),
a clean database for every test, and small factories.

Database tests take the `app` (or `db_session`/`client`) fixture and so run once per database.
"""
from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import TestingConfig  # noqa: E402
from contestapp import create_app  # noqa: E402
from contestapp.extensions import db as _db  # noqa: E402

PG_URL = os.environ.get("CONTESTAPP_TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "secret-pass-1"


def database_url(kind: str, tmp_path_factory) -> str:
    if kind == "postgresql":
        return PG_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(params=DATABASES)
def empty_database(request, tmp_path):
    """A URL to an empty database for migration tests: a new SQLite file, or a new PostgreSQL schema (dropped after)."""
    import uuid

    from sqlalchemy import create_engine

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def _app(request, tmp_path_factory):
    os.environ["CONTESTAPP_INSTANCE"] = str(tmp_path_factory.mktemp("instance"))
    app = create_app(TestingConfig(database_url(request.param, tmp_path_factory)))
    app.config["DB_KIND"] = request.param
    _fresh_globals_per_request(app)
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as conn:  # tables other areas' migrations create outside the models
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _fresh_globals_per_request(app) -> None:
    """Tests hold an app context open, and Flask lets the test client's requests share it; without this, `g` (where
    Flask-Login keeps the signed-in user and Flask-Babel the locale) would leak from one request to the next and a
    test could pass without the session cookie doing its job."""
    from flask import g, request_started

    def reset(sender, **extra):
        g.__dict__.clear()

    request_started.connect(reset, app, weak=False)


def _clean(app) -> None:
    tables = [t for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if app.config["DB_KIND"] == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app(_app):
    from contestapp.common import limits

    with _app.app_context():
        limits.reset()  # rate-limit counts (in memory in tests) start afresh like the database
        yield _app
        _db.session.remove()
        _clean(_app)


@pytest.fixture
def db_session(app):
    return _db.session


@pytest.fixture
def client(app):
    return app.test_client()


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Use as `with count_queries() as q: ...; assert q.count <= N`."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(_db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(_db.engine, "before_cursor_execute", counter)

    return counting


# --- factories ---------------------------------------------------------------------------------------------------

@pytest.fixture
def make(app):
    return Factory()


class Factory:
    """Small builders for tests; each flushes so ids exist, and the test commits when it needs to."""

    def org(self, name="测试市总工会", level="city", parent=None):
        from contestapp.auth.models import Organisation

        org = Organisation(name=name, level=level, parent=parent)
        _db.session.add(org)
        _db.session.flush()
        return org

    def user(self, username, role, org=None, unit_name=None, password=PASSWORD):
        """An account in `org`; a test that does not name one gets a unit of the account's own (every account
        belongs to a unit, and accounts share one only when a test says so)."""
        from contestapp.auth.services import create_user

        user = create_user(username, password, role, username, org or self.org(f"{username}的单位", "unit"), unit_name)
        _db.session.flush()
        return user

    def contest(self, org, example="city-skills.json", code=None, **overrides):
        from contestapp.contests.definition import create_contest, read_definition

        path = ROOT / "examples" / example
        data = read_definition(path.read_bytes(), path.name)
        if code:
            data = {**data, "code": code}
        data.update(overrides)
        contest = create_contest(data, org, None)
        _db.session.flush()
        return contest

    def member(self, contest, user, role=None):
        from contestapp.contests.models import ContestMember

        m = ContestMember(contest=contest, user=user, role=role or user.role)
        _db.session.add(m)
        _db.session.flush()
        return m

    def roster(self, contest, count=10, event=None, start=0):
        """Import `count` valid people into `event` (default: the first) through the real roster path."""
        from contestapp.domain.idcard import make_id_number
        from contestapp.entrants.roster import check_rows
        from contestapp.entrants.services import event_lookup, import_roster, registered_ids

        event = event or contest.events[0]
        table = [["姓名", "性别", "身份证号", "单位", "参赛赛项"]]
        for i in range(start, start + count):
            gender = "M" if i % 3 else "F"
            number = make_id_number("330102", date(1980 + i % 20, 1 + i % 12, 1 + i % 28), i % 100, gender)
            if i >= 100:
                number = make_id_number(f"3301{i // 100 % 100:02d}", date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                                        i % 100, gender)
            table.append([f"选手{i:03d}", "男" if gender == "M" else "女", number, f"单位{i % 4}", event.name])
        checked = check_rows(table, event_lookup(contest), registered_ids(contest))
        assert checked.ok, checked.problems[:3]
        import_roster(contest, checked, None)
        _db.session.flush()
        return checked


def login(client, username, password=PASSWORD):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(client):
    return lambda username, password=PASSWORD: login(client, username, password)


# --- real browser ------------------------------------------------------------------------------------------------

def sign_in(page, base, username, password=PASSWORD):
    """Sign in through the login page of the app served at `base` (a real browser page)."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/login" not in page.url, page.inner_text("body")[:500]


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(tmp_path):
    """The app served by a real HTTP server in a thread, on a SQLite file, at a free port on 127.0.0.1.

    Yields (base_url, app). Use `with app.app_context():` to set data up or inspect it.
    """
    import threading

    from werkzeug.serving import make_server

    app = create_app(TestingConfig(f"sqlite:///{tmp_path / 'live.db'}"))
    app.config["WTF_CSRF_ENABLED"] = True  # the browser goes through the real forms
    with app.app_context():
        _db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield p, browser
        browser.close()


def wait_for_js(page, expression: str, timeout: float = 10.0) -> None:
    """Wait until a JavaScript expression is true in the page. The pages' Content-Security-Policy forbids eval, which
    playwright's wait_for_function uses; page.evaluate goes through the DevTools protocol instead. Prefer
    `playwright.sync_api.expect(locator)` assertions where one fits."""
    import time

    end = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > end:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)


AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"


def axe_findings(page) -> list[str]:
    """Critical and serious axe-core violations on the page as it is now, as 'rule: element' lines. The page's
    Content-Security-Policy refuses inline scripts, so axe is evaluated through the DevTools protocol instead of
    page.add_script_tag."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.filter(v => v.impact === "critical" || v.impact === "serious")
            .flatMap(v => v.nodes.map(n => v.id + ": " + n.target.join(" ")));
    }""")


_AUTO_CONFIRM = """
document.addEventListener("DOMContentLoaded", function () {
  var d = document.getElementById("app-confirm");
  if (!d) { return; }
  new MutationObserver(function () {
    if (d.open) { sessionStorage.setItem("confirmed", d.querySelector("#app-confirm-text").textContent); d.querySelector("#app-confirm-ok").click(); }
  }).observe(d, {attributes: true, attributeFilter: ["open"]});
});
"""


def confirm_dialogs(page) -> None:
    """Answer every confirmation dialog of the page with its confirm button, as a person who has read it would
    (static/js/app.js shows them; the last text confirmed stays in sessionStorage "confirmed"). Tests that check a dialog's
    wording click it themselves instead."""
    page.add_init_script(_AUTO_CONFIRM)


@pytest.fixture
def tablet(chromium):
    """A 10-inch tablet (iPad gen 7: 810x1080, touch) in Chinese."""
    p, browser = chromium
    context = browser.new_context(**p.devices["iPad (gen 7)"], locale="zh-CN")
    yield context
    context.close()


class RecordingSender:
    """A text-message sender for tests (app.extensions["craftsman_sms"]): keeps what was sent, reads codes back."""

    def __init__(self):
        self.sent = []

    def send(self, phone, text):
        self.sent.append((phone, text))

    def code_for(self, phone):
        import re

        return re.search(r"\d{6}", [t for p, t in self.sent if p == phone][-1]).group(0)
