"""Mark saves against their floor: the real PUT /api/v1/sheets/<id>/marks beside a stock endpoint doing the same
necessary work (Flask-Login session, Flask-WTF CSRF header check, one SQLAlchemy upsert of a mark, one audit row),
both under the same gunicorn settings on the same database, measured in the same run.

- throughput: wrk, closed loop (`--connections` always busy), each request on a fresh sheet at version 1;
- latency: open loop, `--tablets` simulated tablets each saving its own sheet once every `--period` seconds (a fixed
  arrival rate; a latency counts from when the save was due, so a slow server cannot slow the arrivals down).
Targets (issue 13): throughput >= 0.8x the floor's; p99 <= 50 ms with 200 tablets saving every 2 s.

    python benchmarks/bench_marks.py [--duration 10] [--tablets 200] [--period 2] [--workers 2]
                                     [--db sqlite,postgresql] [--database-url postgresql+psycopg://...]

On each database in turn: SQLite in a fresh file, PostgreSQL in a fresh schema (dropped afterwards).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LUA = r"""
local n = 0
local first, count = tonumber(os.getenv("BENCH_FIRST_SHEET")), tonumber(os.getenv("BENCH_SHEETS"))
local crit, path, key = os.getenv("BENCH_CRITERION"), os.getenv("BENCH_PATH"), os.getenv("BENCH_KEY")
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.headers["X-CSRFToken"] = os.getenv("BENCH_TOKEN")
request = function()
  local id = first + (n % count)
  n = n + 1
  wrk.headers["Idempotency-Key"] = key .. "-" .. n
  local body = '{"version": 1, "marks": [{"criterion_id": ' .. crit .. ', "value": "' .. (n % 20) / 2 .. '"}]}'
  return wrk.format(nil, string.gsub(path, "ID", tostring(id)), nil, body)
end
"""


def _make_floor_app():
    """The floor (gunicorn imports this module as benchmarks.bench_marks:floor_app): stock Flask, Flask-Login,
    Flask-WTF and SQLAlchemy, the same configuration and models as the application, and nothing else."""
    from flask import Flask, abort, jsonify, request
    from flask_login import LoginManager, current_user
    from flask_wtf.csrf import CSRFProtect
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from config import config_from_env
    from contestapp.app import import_models
    from contestapp.audit.models import AuditEntry
    from contestapp.auth.models import User
    from contestapp.common.db import utcnow
    from contestapp.extensions import db
    from contestapp.judging.models import Mark

    app = Flask("floor")
    app.config.from_object(config_from_env())
    import_models()
    db.init_app(app)
    CSRFProtect(app)
    login = LoginManager(app)


    @login.user_loader
    def load(value: str):  # the session names "user id:session token" (auth.sessions): the ORM user, token checked
        user_id, _, token = value.partition(":")
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active and user.session_token == token else None

    entry_offset, round_id = int(os.environ["BENCH_ENTRY_OFFSET"]), int(os.environ["BENCH_ROUND"])
    insert = pg_insert if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else sqlite_insert

    @app.put("/floor/<int:sheet_id>")
    def floor(sheet_id: int):
        if not current_user.is_authenticated:
            abort(401)
        body = request.get_json()
        mark = body["marks"][0]
        stmt = insert(Mark.__table__).values(sheet_id=sheet_id, criterion_id=mark["criterion_id"],
                                             entry_id=sheet_id + entry_offset, round_id=round_id,
                                             value=mark["value"], updated_at=utcnow())
        db.session.execute(stmt.on_conflict_do_update(index_elements=["sheet_id", "criterion_id"],
                                                      set_={"value": stmt.excluded.value}))
        db.session.add(AuditEntry(actor_id=current_user.id, actor_name=current_user.display_name,
                                  action="mark.write", object_type="ScoreSheet", object_id=str(sheet_id),
                                  summary=f"{mark['criterion_id']} → {mark['value']}", data=body))
        db.session.commit()
        return jsonify(version=body["version"] + 1)

    return app


floor_app = _make_floor_app() if os.environ.get("BENCH_FLOOR") else None


def setup(db_url: str, sheets: int) -> tuple[int, int, int, int]:
    """One judge, one round of 10 criteria, `sheets` entries each with the judge's sheet.
    Returns (first sheet id, criterion id, entry id - sheet id, round id)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from benchmarks.load_tablets import definition
    from config import TestingConfig
    from contestapp import create_app
    from contestapp.auth.models import Organisation
    from contestapp.auth.services import create_user
    from contestapp.common.db import utcnow
    from contestapp.contests.definition import create_contest
    from contestapp.contests.models import ContestMember
    from contestapp.entrants.models import Entrant, Entry
    from contestapp.extensions import db
    from contestapp.judging.models import Assignment, ScoreSheet

    app = create_app(TestingConfig(db_url))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        org = Organisation(name="基准测试总工会", level="city")
        db.session.add(org)
        db.session.flush()
        contest = create_contest(definition(10), org, None)
        event, rnd = contest.events[0], contest.events[0].rounds[0]
        judge = create_user("benchjudge", "bench-password-1", "judge", "基准裁判", org)
        db.session.flush()
        db.session.add(ContestMember(contest_id=contest.id, user_id=judge.id, role="judge"))
        db.session.add(Assignment(contest_id=contest.id, judge_id=judge.id, round_id=rnd.id))
        entrants = db.session.execute(insert(Entrant).returning(Entrant.id), [
            {"contest_id": contest.id, "kind": "person", "name": f"选手{i}"} for i in range(sheets)]).scalars().all()
        entries = db.session.execute(insert(Entry).returning(Entry.id), [
            {"event_id": event.id, "entrant_id": e, "number": str(i), "code": str(100000 + i * 7),
             "workstation": i + 1, "status": "active"} for i, e in enumerate(entrants)]).scalars().all()
        db.session.execute(insert(ScoreSheet), [
            {"entry_id": e, "round_id": rnd.id, "judge_id": judge.id, "status": "draft", "version": 1,
             "source": "tablet", "updated_at": utcnow()} for e in entries])
        db.session.commit()
        first = db.session.scalar(select(ScoreSheet.id).order_by(ScoreSheet.id).limit(1))
        first_entry = db.session.scalar(select(ScoreSheet.entry_id).where(ScoreSheet.id == first))
        result = first, rnd.criteria[0].id, first_entry - first, rnd.id
        db.engine.dispose()
    return result


def start(app_ref: str, env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b",
                             f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning", app_ref],
                            cwd=ROOT, env=env)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("gunicorn did not start")


def login(port: int) -> tuple[str, str]:
    import http.client

    def req(method, path, body=None, cookie=""):
        c = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Cookie": cookie, **({"Content-Type": "application/x-www-form-urlencoded"} if body else {})}
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        cookie = next((v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie"
                       and v.startswith("session=")), cookie)
        return r.status, data, cookie

    _, page, cookie = req("GET", "/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
    status, _, cookie = req("POST", "/login", f"csrf_token={token}&username=benchjudge&password=bench-password-1",
                            cookie)
    assert status == 302, status
    _, page, cookie = req("GET", "/judging/", cookie=cookie)
    return cookie, re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()


def wrk(port: int, env: dict, duration: int, connections: int, script: Path) -> dict:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, env=env, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "errors": int(errors.group(1)) if errors else 0, "requests": int(re.search(r"(\d+) requests in", out)[1])}


async def open_loop(port: int, path: str, sheets: list[int], crit: int, period: float, duration: float,
                    cookie: str, token: str) -> dict:
    """Each tablet saves its own sheet once every `period` s from a random phase; latency from the due time."""
    loop = asyncio.get_running_loop()
    start, latencies, errors = loop.time() + 0.5, [], []

    async def tablet(n: int, sheet: int) -> None:
        due, version, k = start + random.random() * period, 1, 0
        while due < start + duration:
            await asyncio.sleep(max(0.0, due - loop.time()))
            body = json.dumps({"version": version, "marks": [{"criterion_id": crit, "value": str(k % 10)}]}).encode()
            head = (f"PUT {path.replace('ID', str(sheet))} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Content-Type: application/json\r\nCookie: {cookie}\r\nX-CSRFToken: {token}\r\n"
                    f"Idempotency-Key: t{n}-{k}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(head.encode() + body)
            answer = await reader.read()
            writer.close()
            latencies.append(loop.time() - due)
            if answer.startswith(b"HTTP/1.1 200"):
                version = json.loads(answer.split(b"\r\n\r\n", 1)[1])["version"]
            else:
                errors.append(answer[:200])
            due, k = due + period, k + 1

    await asyncio.gather(*(tablet(n, s) for n, s in enumerate(sheets)))
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {"p50": pick(0.5), "p99": pick(0.99), "n": len(latencies), "errors": len(errors),
            "first_error": errors[0] if errors else None}


PG_URL = os.environ.get("CONTESTAPP_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1/ca_bench")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=int, default=10, help="seconds of each measurement")
    p.add_argument("--connections", type=int, default=50, help="wrk connections (throughput)")
    p.add_argument("--tablets", type=int, default=200)
    p.add_argument("--period", type=float, default=2.0, help="seconds between one tablet's saves")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--sheets", type=int, default=20000, help="fresh sheets for the throughput run")
    p.add_argument("--db", default="sqlite,postgresql", help="which databases, in turn")
    p.add_argument("--database-url", default=None,
                   help=f"the PostgreSQL server to use (default {PG_URL}; a fresh schema in it)")
    args = p.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return 2
    for kind in args.db.split(","):
        if kind == "postgresql":
            url = args.database_url or PG_URL
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", url.rsplit("/", 1)[1]],
                           capture_output=True)
        else:
            url = None
        measure(url, args)
    return 0


def measure(database_url: str | None, args) -> None:
    from benchmarks.load_tablets import fresh_database

    workdir = Path(tempfile.mkdtemp(prefix="bench-marks-"))
    db_url, drop = fresh_database(database_url, workdir)
    first, crit, offset, round_id = setup(db_url, args.sheets + 2 * args.tablets)
    script = workdir / "put.lua"
    script.write_text(LUA)
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "bench", "CONTESTAPP_ENV": "production",
           "CONTESTAPP_SECURE_COOKIES": "0",
           # throttle counts per worker, chosen explicitly (production refuses it by default): marks are measured here
           "CONTESTAPP_RATELIMIT_STORAGE_URI": os.environ.get("CONTESTAPP_RATELIMIT_STORAGE_URI", "memory://"), "CONTESTAPP_INSTANCE": str(workdir / "instance"),
           "BENCH_ENTRY_OFFSET": str(offset), "BENCH_ROUND": str(round_id)}
    database = "PostgreSQL" if db_url.startswith("postgresql") else "SQLite (WAL)"
    print(f"{database}; gunicorn {args.workers} sync workers for both; wrk {args.connections} connections "
          f"{args.duration}s; open loop {args.tablets} tablets x 1 save / {args.period:g}s", flush=True)
    real_proc, real_port = start("wsgi:app", env, args.workers)
    floor_proc, floor_port = start("benchmarks.bench_marks:floor_app", {**env, "BENCH_FLOOR": "1"}, args.workers)
    figures = {}
    try:
        cookie, token = login(real_port)  # the floor reads the same signed session (same secret and user)
        tablets = first + args.sheets
        for name, port, path, sheets in (
                ("floor", floor_port, "/floor/ID", range(tablets, tablets + args.tablets)),
                ("PUT marks", real_port, "/api/v1/sheets/ID/marks",
                 range(tablets + args.tablets, tablets + 2 * args.tablets))):
            wenv = {**env, "BENCH_FIRST_SHEET": str(first), "BENCH_SHEETS": str(args.sheets),
                    "BENCH_CRITERION": str(crit), "BENCH_PATH": path, "BENCH_COOKIE": cookie,
                    "BENCH_TOKEN": token, "BENCH_KEY": name[0]}
            closed = wrk(port, wenv, args.duration, args.connections, script)
            opened = asyncio.run(open_loop(port, path, list(sheets), crit, args.period, args.duration, cookie,
                                           token))
            figures[name] = (closed, opened)
            print(f"{name:<10} {closed['rps']:7.0f} req/s (closed loop, non-2xx {closed['errors']})   open loop: "
                  f"p50 {opened['p50']:6.1f} ms  p99 {opened['p99']:6.1f} ms  ({opened['n']} saves, "
                  f"errors {opened['errors']})", flush=True)
            if opened["first_error"]:
                print("  first error:", opened["first_error"])
            if closed["requests"] > args.sheets:
                print(f"  (wrk sent {closed['requests']} requests to {args.sheets} sheets: raise --sheets)")
    finally:
        for proc in (real_proc, floor_proc):
            proc.terminate()
            proc.wait(10)
        drop()
    (fc, fo), (rc, ro) = figures["floor"], figures["PUT marks"]
    ratio = rc["rps"] / fc["rps"]
    ok = ratio >= 0.8 and ro["p99"] <= 50 and not (rc["errors"] or ro["errors"])
    print(f"PUT marks / floor: throughput {ratio:.2f}x (target >= 0.8x); open-loop p99 {ro['p99']:.1f} ms vs floor "
          f"{fo['p99']:.1f} ms (target <= 50 ms): {'OK' if ok else 'BELOW TARGET'}  (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    sys.exit(main())
