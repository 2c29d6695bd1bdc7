"""Concurrency check: many judge tablets marking at once, with retries and duplicate requests.

Starts the app under gunicorn on 127.0.0.1 with a fresh database (SQLite file, or a fresh schema of a PostgreSQL
database), builds one event with N criteria, lets T judges (one per tablet) log in with their login cards and mark
E entries each through the real JSON API (CSRF token, Idempotency-Key, version), and meanwhile
  - resends some requests after their answer (a retry: must be answered from the first write),
  - drops some connections before reading the answer and sends the request again (lost answer),
  - sends some requests twice at the same moment on two connections (duplicate submission),
  - overwrites earlier marks and submits most sheets (some submissions duplicated too).
Afterwards every mark must be present exactly once and equal the last value its judge sent; no 5xx answers.

    python benchmarks/load_tablets.py                       # 200 tablets x 30 entries x 10 criteria, SQLite
    python benchmarks/load_tablets.py --database-url postgresql+psycopg://postgres@127.0.0.1/ca_judging
    python benchmarks/load_tablets.py --tablets 10 --entries 5   # the size CI runs (tests/judging/test_concurrency.py)
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the server's SECRET_KEY, also used at set-up: judge-card PINs are derived from it, so both must agree
SECRET_KEY = "load-test"
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database(url: str | None, workdir: Path) -> tuple[str, callable]:
    """A database URL with nothing in it, and how to drop it afterwards (a SQLite file goes with its folder)."""
    if not url:
        return f"sqlite:///{workdir / 'load.db'}", lambda: shutil.rmtree(workdir, ignore_errors=True)
    from sqlalchemy import create_engine, text

    schema = f"load_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"

    def drop():
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)

    return f"{url}{sep}options=-csearch_path%3D{schema}", drop


def definition(criteria: int) -> dict:
    kinds = []
    for i in range(criteria):
        if i % 5 == 3:
            kinds.append({"code": f"d{i}", "name": f"扣分项{i}", "kind": "deduction", "max": "10", "deduction_per": "1"})
        elif i % 5 == 4:
            kinds.append({"code": f"q{i}", "name": f"评级{i}", "kind": "measurement", "max": "10",
                          "choices": [{"label": "优", "value": "10"}, {"label": "良", "value": "6"},
                                      {"label": "差", "value": "0"}]})
        else:
            kinds.append({"code": f"c{i}", "name": f"评分项{i}", "kind": "judgement", "max": "10", "step": "0.5"})
    return {"format": "contestapp.contest/1", "code": f"load-{uuid.uuid4().hex[:6]}", "name": "平板并发测试",
            "kind": "skills", "year": 2025, "date": "2025-05-20",
            "events": [{"code": "e1", "name": "电工", "rounds": [
                {"code": "practical", "name": "实际操作", "weight": "1",
                 "panel": {"aggregate": "mean", "min_judges": 1}, "criteria": kinds}]}]}


def setup(db_url: str, tablets: int, entries: int, criteria: int) -> list[tuple[str, str]]:
    """Schema by migrations, then the contest, judges, draw, assignments and login cards. Returns (code, pin)s."""
    from datetime import date

    os.environ["DATABASE_URL"] = db_url
    from config import TestingConfig
    from contestapp import create_app
    from contestapp.extensions import db

    config = TestingConfig(db_url)
    config.SECRET_KEY = SECRET_KEY
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade
        from sqlalchemy import insert

        from contestapp.auth.models import Organisation, User
        from contestapp.contests.definition import create_contest
        from contestapp.entrants.models import Entrant, Entry
        from contestapp.judging.assignments import ensure_member, ensure_sheets
        from contestapp.judging.cards import issue_card
        from contestapp.judging.common import local_today
        from contestapp.judging.draws import draw_event
        from contestapp.judging.models import Assignment

        upgrade(directory=str(ROOT / "migrations"))
        org = Organisation(name="并发测试总工会", level="city")
        db.session.add(org)
        db.session.flush()
        contest = create_contest(definition(criteria), org, None)
        event = contest.events[0]
        rows = db.session.execute(insert(Entrant).returning(Entrant.id), [
            {"contest_id": contest.id, "kind": "person", "name": f"选手{i:04d}"} for i in range(entries)]).scalars().all()
        db.session.execute(insert(Entry), [{"event_id": event.id, "entrant_id": eid, "number": f"{i + 1:04d}",
                                            "status": "active"} for i, eid in enumerate(rows)])
        draw_event(event, None, seed=2025)
        hashed = User(username="x", display_name="x", role="judge")
        hashed.set_password("load-test-password")
        judges = db.session.execute(insert(User).returning(User.id), [
            {"username": f"tablet{i:03d}", "display_name": f"裁判{i:03d}", "role": "judge",
             "password_hash": hashed.password_hash, "active": True} for i in range(tablets)]).scalars().all()
        rnd = event.rounds[0]
        today = local_today()
        cards = []
        for jid in judges:
            judge = db.session.get(User, jid)
            ensure_member(contest, judge)
            db.session.add(Assignment(contest_id=contest.id, judge_id=jid, round_id=rnd.id))
            card = issue_card(contest, judge, None, today, today)
            cards.append((card.code, card.pin))
        db.session.flush()
        ensure_sheets(rnd)
        db.session.commit()
        db.engine.dispose()
    return cards


class Tablet:
    """One judge's tablet: its own keep-alive connection, session cookie and CSRF token."""

    def __init__(self, port: int, stats: "Stats"):
        self.port, self.stats = port, stats
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""
        self.token = ""

    def request(self, method: str, path: str, body=None, headers=None, conn=None, read=True):
        conn = conn or self.conn
        h = {"Cookie": self.cookie, "Accept": "application/json", "X-Device-Id": "load"}
        h.update(headers or {})
        data = None
        if isinstance(body, dict):
            data, h["Content-Type"] = json.dumps(body), "application/json"
        elif isinstance(body, str):
            data, h["Content-Type"] = body, "application/x-www-form-urlencoded"
        started = time.perf_counter()
        for attempt in range(5):
            try:
                conn.request(method, path, body=data, headers=h)
                if not read:  # a lost answer: the request went out, the tablet never hears back
                    conn.close()
                    return None, None
                resp = conn.getresponse()
                payload = resp.read()
                break
            except (ConnectionError, http.client.HTTPException, TimeoutError):
                conn.close()
                time.sleep(0.05 * (attempt + 1))
        else:
            raise RuntimeError(f"{method} {path}: no answer after 5 attempts")
        self.stats.add(resp.status, time.perf_counter() - started)
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie" and v.startswith("session="):
                self.cookie = v.split(";")[0]
        return resp.status, payload

    def login(self, code: str, pin: str) -> None:
        status, page = self.request("GET", "/judging/card")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
        status, _ = self.request("POST", "/judging/card", f"csrf_token={token}&code={code}&pin={pin}")
        assert status == 302, status
        status, page = self.request("GET", "/judging/")
        self.token = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()

    def write(self, method: str, path: str, body: dict, key: str, rng: random.Random):
        """Send one write like a tablet on bad Wi-Fi: maybe lose the first answer, maybe send it twice at once,
        maybe retry after the answer. Returns the (status, json) the tablet finally acts on."""
        headers = {"X-CSRFToken": self.token, "Idempotency-Key": key}
        roll = rng.random()
        if roll < 0.10:  # lost answer, then the retry
            self.request(method, path, body, headers, conn=http.client.HTTPConnection("127.0.0.1", self.port),
                         read=False)
            self.stats.lost += 1
        elif roll < 0.20:  # the same request twice at the same moment
            other = Tablet(self.port, self.stats)
            other.cookie, other.token = self.cookie, self.token
            results = []
            t = threading.Thread(target=lambda: results.append(other.request(method, path, body, headers)))
            t.start()
            status, payload = self.request(method, path, body, headers)
            t.join()
            other.conn.close()
            self.stats.duplicates += 1
            self._check_same(status, payload, *results[0])
            return status, json.loads(payload)
        status, payload = self.request(method, path, body, headers)
        if rng.random() < 0.10:  # a retry after a good answer must get the same answer
            again = self.request(method, path, body, headers)
            self.stats.retries += 1
            self._check_same(status, payload, *again)
        return status, json.loads(payload)

    def _check_same(self, s1, p1, s2, p2):
        a, b = json.loads(p1), json.loads(p2)
        for d in (a, b):
            d.pop("replayed", None)
        if (s1, a.get("version"), a.get("marks")) != (s2, b.get("version"), b.get("marks")):
            self.stats.mismatch.append((s1, s2, a, b))


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.status: Counter = Counter()
        self.lost = self.duplicates = self.retries = 0
        self.mismatch: list = []

    def add(self, status: int, seconds: float):
        with self.lock:
            self.latencies.append(seconds)
            self.status[status] += 1


def run_tablet(port: int, card: tuple[str, str], seed: int, stats: Stats, expected: dict, submitted: dict) -> None:
    rng = random.Random(seed)
    tab = Tablet(port, stats)
    tab.login(*card)
    status, payload = tab.request("GET", "/api/v1/assignments")
    assert status == 200, payload[:200]
    data = json.loads(payload)
    criteria = data["rounds"][0]["criteria"]
    for sheet in data["rounds"][0]["sheets"]:
        version = sheet["version"]
        for step in range(rng.randint(2, 4)):  # a few saves per sheet, each a random subset, overwriting earlier
            chosen = criteria if step == 0 else rng.sample(criteria, rng.randint(1, len(criteria)))
            marks = [{"criterion_id": c["id"], "value": value_for(c, rng)} for c in chosen]
            status, body = tab.write("PUT", f"/api/v1/sheets/{sheet['id']}/marks", {"version": version, "marks": marks},
                                     str(uuid.uuid4()), rng)
            if status != 200:
                raise AssertionError(f"PUT answered {status}: {body}")
            version = body["version"]
            for m in marks:
                expected[(sheet["id"], m["criterion_id"])] = m["value"]
        if rng.random() < 0.8:
            status, body = tab.write("POST", f"/api/v1/sheets/{sheet['id']}/submit",
                                     {"version": version, "confirm": True}, str(uuid.uuid4()), rng)
            if status != 200:
                raise AssertionError(f"submit answered {status}: {body}")
            submitted[sheet["id"]] = True
    tab.conn.close()


def value_for(c: dict, rng: random.Random) -> str:
    if c["choices"]:
        return rng.choice(c["choices"])["value"]
    if c["kind"] == "deduction":
        return str(rng.randint(0, 4))
    return str(rng.randint(0, 20) / 2).replace(".0", "")


def verify(db_url: str, expected: dict, submitted: dict) -> list[str]:
    from decimal import Decimal

    from sqlalchemy import func, select

    from config import TestingConfig
    from contestapp import create_app
    from contestapp.extensions import db
    from contestapp.judging.models import Mark, MarkWrite, ScoreSheet

    problems = []
    app = create_app(TestingConfig(db_url))
    with app.app_context():
        rows = db.session.execute(select(Mark.sheet_id, Mark.criterion_id, Mark.value)).all()
        seen = Counter((s, c) for s, c, _ in rows)
        dupes = [k for k, n in seen.items() if n != 1]
        if dupes:
            problems.append(f"{len(dupes)} marks present more than once")
        actual = {(s, c): v for s, c, v in rows}
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        wrong = [k for k, v in expected.items() if k in actual and actual[k] != Decimal(v)]
        for label, items in (("missing", missing), ("unexpected", extra), ("not the last value sent", wrong)):
            if items:
                problems.append(f"{len(items)} marks {label}, e.g. {items[:3]}")
        states = dict(db.session.execute(select(ScoreSheet.id, ScoreSheet.status)).all())
        unsigned = [s for s in submitted if states.get(s) != "submitted"]
        if unsigned:
            problems.append(f"{len(unsigned)} submitted sheets not signed")
        from contestapp.audit.models import AuditEntry
        from contestapp.contests.models import Criterion

        codes = dict(db.session.execute(select(Criterion.id, Criterion.code)).all())
        audited: dict = {}
        for data, in db.session.execute(select(AuditEntry.data).where(AuditEntry.action == "mark.write")
                                        .order_by(AuditEntry.id)):
            for change in data["changes"]:
                audited[(data["sheet_id"], change["criterion"])] = change["new"]
        unaudited = [k for k, v in actual.items() if audited.get((k[0], codes[k[1]])) != format(v, "f")]
        if unaudited:
            problems.append(f"{len(unaudited)} marks whose last audited value is not the mark, e.g. {unaudited[:3]}")
        keys = db.session.scalar(select(func.count(MarkWrite.id)))
        distinct = db.session.scalar(select(func.count(func.distinct(MarkWrite.key))))
        if keys != distinct:
            problems.append("an idempotency key was stored twice")
        db.engine.dispose()
    return problems


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL"))
    p.add_argument("--tablets", type=int, default=200)
    p.add_argument("--entries", type=int, default=30)
    p.add_argument("--criteria", type=int, default=10)
    p.add_argument("--concurrency", type=int, default=50, help="tablets sending at the same moment")
    p.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="load-tablets-"))
    db_url, drop = fresh_database(args.database_url, workdir)
    kind = "PostgreSQL" if db_url.startswith("postgresql") else "SQLite"
    t0 = time.perf_counter()
    cards = setup(db_url, args.tablets, args.entries, args.criteria)
    print(f"set-up: {args.tablets} judges x {args.entries} entries x {args.criteria} criteria on {kind} "
          f"in {time.perf_counter() - t0:.1f}s")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": SECRET_KEY, "CONTESTAPP_ENV": "production",
           "CONTESTAPP_SECURE_COOKIES": "0",
           # throttle counts per worker, chosen explicitly (production refuses it by default): marks are measured here
           "CONTESTAPP_RATELIMIT_STORAGE_URI": os.environ.get("CONTESTAPP_RATELIMIT_STORAGE_URI", "memory://"), "CONTESTAPP_INSTANCE": str(workdir / "instance"),
           "CONTESTAPP_LOGIN_MAX_FAILURES": "1000"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(args.workers), "-b",
                               f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning", "wsgi:app"],
                              cwd=ROOT, env=env)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        stats, expected, submitted = Stats(), {}, {}
        started = time.perf_counter()
        failures = []
        with ThreadPoolExecutor(args.concurrency) as pool:
            futures = [pool.submit(run_tablet, port, card, args.seed * 100003 + i, stats, expected, submitted)
                       for i, card in enumerate(cards)]
            for f in futures:
                try:
                    f.result()
                except Exception as exc:  # noqa: BLE001 - reported below
                    failures.append(repr(exc))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    lat = sorted(stats.latencies)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else 0  # noqa: E731
    print(f"{len(lat)} requests in {elapsed:.1f}s = {len(lat) / elapsed:.0f} req/s; "
          f"p50 {pct(.5):.1f} ms, p99 {pct(.99):.1f} ms; statuses {dict(stats.status)}")
    print(f"lost answers resent {stats.lost}, duplicates sent at once {stats.duplicates}, retries {stats.retries}")
    problems = failures[:5] + verify(db_url, expected, submitted)
    if stats.mismatch:
        problems.append(f"{len(stats.mismatch)} retries answered differently, e.g. {stats.mismatch[0]}")
    if any(code >= 500 for code in stats.status):
        problems.append("server errors (5xx)")
    drop()
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        return 1
    print(f"OK: {len(expected)} marks, each present exactly once and equal to the last value sent; "
          f"{len(submitted)} sheets signed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
