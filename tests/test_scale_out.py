"""Scale-out (issue 13 item 6): two app servers, separate processes, on one PostgreSQL database and one Redis.

A judge scores through server A; the organiser's ranking and the public big screen served by server B show it at
once. Five wrong passwords for one account counted by A lock that account on B too (and only that account: a
colleague at the same address still signs in). No truth lives in one process.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest

from config import TestingConfig
from contestapp import create_app
from contestapp.extensions import db
from tests.conftest import PG_URL, ROOT
from tests.journeys.conftest import DEMO_PASSWORD, _fresh_database
from tests.results.test_shared_cache import redis_url  # noqa: F401  (a private redis-server for the test)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set CONTESTAPP_TEST_DATABASE_URL (make test does)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One person's cookies, used against either server (cookies belong to the host, not the port)."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, url: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(url, timeout=30) as r:
                return r.status, r.geturl(), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, url, e.read().decode()

    def send(self, url: str, method: str, body=None, headers=None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with self.opener.open(request, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def login(self, base: str, username: str, password: str = DEMO_PASSWORD) -> str:
        """Signs in through the form; returns the page it lands on (the login page again when refused)."""
        _s, _u, page = self.get(base + "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urlencode({"csrf_token": token, "username": username, "password": password}).encode()
        try:
            with self.opener.open(base + "/login", data=form, timeout=30) as r:
                return r.geturl()
        except urllib.error.HTTPError as e:
            return f"{base}/login?status={e.code}"

    def csrf(self, base: str) -> str:
        _s, _u, page = self.get(base + "/contests/")
        return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


@pytest.fixture
def servers(tmp_path, redis_url):  # noqa: F811
    """The demo on a fresh PostgreSQL schema, served by two `flask run` processes sharing the database and Redis."""
    with _fresh_database("postgresql", tmp_path) as url:
        app = create_app(TestingConfig(url))
        with app.app_context():
            db.create_all()
            from contestapp.contests.models import Event
            from contestapp.demo import create_demo
            from contestapp.results.services import state_of

            create_demo()
            event = db.session.scalar(db.select(Event).where(Event.name == "焊工"))
            state_of(event).board_enabled = True  # the organiser's setting for the ceremony wall
            event_id, contest_id = event.id, event.contest_id
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        env = {**os.environ, "DATABASE_URL": url, "CONTESTAPP_CACHE_URL": redis_url, "CONTESTAPP_ENV": "development",
               "SECRET_KEY": "scale-out-test-secret", "CONTESTAPP_INSTANCE": str(tmp_path / "instance"),
               "FLASK_APP": "wsgi", "FLASK_DEBUG": "0"}
        procs, bases = [], []
        try:
            for name in ("a", "b"):
                port = _free_port()
                log = (tmp_path / f"server-{name}.log").open("w")
                procs.append(subprocess.Popen([sys.executable, "-m", "flask", "run", "--port", str(port)], cwd=ROOT,
                                              env=env, stdout=log, stderr=subprocess.STDOUT))
                bases.append(f"http://127.0.0.1:{port}")
            for base in bases:  # a start-up wait, not a timing assertion
                end = time.monotonic() + 90
                while True:
                    try:
                        if urllib.request.urlopen(base + "/healthz", timeout=2).status == 200:
                            break
                    except OSError:
                        pass
                    assert time.monotonic() < end, (tmp_path / "server-a.log").read_text()[-2000:]
                    time.sleep(0.3)
            yield {"a": bases[0], "b": bases[1], "event_id": event_id, "contest_id": contest_id}
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=20)


def _ranked(page: str) -> int:
    return int(re.search(r"已排名\s*(?:<[^>]+>\s*)*(\d+)", page).group(1))


def test_a_mark_saved_through_one_server_is_in_the_ranking_and_big_screen_of_the_other(servers):
    a, b = servers["a"], servers["b"]
    results = f"/contests/{servers['contest_id']}/results/events/{servers['event_id']}"
    organiser = Browser()
    assert "/login" not in organiser.login(b, "organiser")
    status, _url, page = organiser.get(b + results)
    assert status == 200
    before = _ranked(page)
    status, _url, board_before = Browser().get(f"{b}/board/{servers['event_id']}/data.json")
    assert status == 200

    judge = Browser()
    assert "/login" not in judge.login(a, "judge6")
    csrf = {"X-CSRFToken": judge.csrf(a)}
    status, data = judge.send(a + "/api/v1/assignments", "GET")
    assert status == 200
    theory = next(r for r in data["rounds"] if r["event"] == "焊工" and r["round"] == "理论知识")
    open_sheet = next(s for s in theory["sheets"] if s["status"] == "not_started")
    status, sheet = judge.send(f"{a}/api/v1/sheets/{open_sheet['id']}", "GET")
    assert status == 200
    marks = [{"criterion_id": c["id"], "value": str(c.get("max") or c.get("step") or "1")} for c in sheet["criteria"]]
    status, saved = judge.send(f"{a}/api/v1/sheets/{open_sheet['id']}/marks", "PUT",
                               {"version": sheet["version"], "marks": marks}, {**csrf, "Idempotency-Key": "scale-1"})
    assert status == 200, saved
    status, done = judge.send(f"{a}/api/v1/sheets/{open_sheet['id']}/submit", "POST",
                              {"version": saved["version"], "confirm": True}, csrf)
    assert status == 200, done

    # at once, on the other server: the entry is ranked, and the big screen's data has moved on
    status, _url, page = organiser.get(b + results)
    assert _ranked(page) == before + 1
    status, _url, board_after = Browser().get(f"{b}/board/{servers['event_id']}/data.json")
    assert status == 200 and json.loads(board_after) != json.loads(board_before)


def test_a_login_throttle_counted_on_one_server_applies_on_the_other(servers):
    a, b = servers["a"], servers["b"]
    typist = Browser()
    for _ in range(5):
        assert "/login" in typist.login(a, "judge5", "wrong-password")
    refused = Browser()
    assert "/login" in refused.login(b, "judge5")  # the right password, on the other server: still locked
    colleague = Browser()
    assert "/login" not in colleague.login(b, "judge4")  # one person's typos do not lock the venue out
