"""Journeys: each contest kind driven through the pages in a real browser, from a fresh database holding only what
`flask demo` creates, on SQLite and (with CONTESTAPP_TEST_DATABASE_URL) PostgreSQL.

Fixtures:
- `site`: the demo served by a real HTTP server (threads) on a fresh database; `site.base`, `site.app`,
  `site.login(page, username)`; `with site.db(): ...` to read the database when a test must (assert what users see).
- `clock`: moves the server's clock (time-machine; the server runs in this process), e.g.
  `clock.move_to(datetime(...))` or `clock.shift(days=6)`; it keeps ticking from there.
- `desktop`, `tablet` (tests/conftest.py), `phone`: browser contexts in Chinese.
"""
from __future__ import annotations

import contextlib
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import create_engine, text

from config import TestingConfig
from contestapp import create_app
from contestapp.extensions import db
from tests.conftest import DATABASES, PG_URL

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "demo12345"


class Site:
    def __init__(self, base: str, app):
        self.base, self.app = base, app

    def url(self, path: str) -> str:
        return self.base + path

    @contextlib.contextmanager
    def db(self):
        with self.app.app_context():
            yield db.session
            db.session.remove()

    def login(self, page, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto(self.url("/login"))
        page.fill("#username", username)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert "/login" not in page.url, page.inner_text("body")[:500]

    def logout(self, page) -> None:
        with page.expect_navigation():
            page.click("form[action$='/logout'] button")


class Clock:
    """The server's clock, moved by time-machine (process-wide: the server thread sees it). Ticks from where set."""

    def __init__(self):
        self._traveller = None
        self.now = datetime.now(timezone.utc)

    def move_to(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("aware datetimes only")
        self.stop()
        self._traveller = time_machine.travel(when, tick=True)
        self._traveller.start()
        self.now = when

    def shift(self, **delta) -> None:
        self.move_to(datetime.now(timezone.utc) + timedelta(**delta))

    def stop(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None


@pytest.fixture
def clock():
    c = Clock()
    yield c
    c.stop()


@contextlib.contextmanager
def _fresh_database(kind: str, tmp_path):
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'journey.db'}"
        return
    schema = f"journey_{uuid.uuid4().hex[:8]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture(params=DATABASES)
def site(request, tmp_path, monkeypatch):
    """The demo on a fresh database, served at a free port on 127.0.0.1 (CSRF on, as in production)."""
    from werkzeug.serving import make_server

    from contestapp.demo import create_demo
    from contestapp.jobs.queue import work

    monkeypatch.setenv("CONTESTAPP_INSTANCE", str(tmp_path / "instance"))
    with _fresh_database(request.param, tmp_path) as url:
        app = create_app(TestingConfig(url))
        app.config["WTF_CSRF_ENABLED"] = True
        app.config["DB_KIND"] = request.param
        with app.app_context():
            db.create_all()
            create_demo()
            db.session.commit()
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        stop = threading.Event()  # the jobs process beside the server, as `make run` has it (certificate batches...)
        worker = threading.Thread(target=work, args=(app, stop), kwargs={"poll": 0.2}, daemon=True)
        worker.start()
        try:
            yield Site(f"http://127.0.0.1:{server.server_port}", app)
        finally:
            stop.set()
            worker.join(60)
            server.shutdown()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def desktop(chromium):
    """An organiser's desktop browser (1440x900) in Chinese."""
    p, browser = chromium
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    yield context
    context.close()


@pytest.fixture
def phone(chromium):
    """A worker's phone (iPhone 13: 390x844, touch) in Chinese."""
    p, browser = chromium
    context = browser.new_context(**p.devices["iPhone 13"], locale="zh-CN")
    yield context
    context.close()
