"""Mark submission under load: the real PUT /api/v1/sheets/<id>/marks against a bare Flask endpoint doing one INSERT
into the same database, both under the same gunicorn settings, driven by wrk (50 connections). Prints the figures
side by side; target: at least 50% of the bare throughput and p99 under 50 ms on SQLite.

The real endpoint does everything a tablet's save does: session and CSRF check, ownership/assignment/recusal check,
mark validation (CriterionSpec.check_mark), the idempotency key, the version check the database arbitrates, the
upsert, the audit entry and the stored answer. Each request writes to its own sheet at version 1 so no request is
refused as stale (a tablet saves one sheet at a time; 50 tablets at once are 50 sheets).

    python benchmarks/bench_marks.py [--duration 10] [--connections 50] [--workers 2] [--threads 1] [--rounds 3]
                                     [--database-url postgresql+psycopg://postgres@127.0.0.1/DB]

Both servers run with the same gunicorn settings and the same database (same engine options and pragmas); the two
are measured alternately, each after a 1-second warm-up, and every PUT round writes to fresh sheets. The machine is
shared, so the figures are noisy: compare the ratio within a round, and look at the median and the best.
"""
from __future__ import annotations

import argparse
import os
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
local first = tonumber(os.getenv("BENCH_FIRST_SHEET"))
local count = tonumber(os.getenv("BENCH_SHEETS"))
local crit = os.getenv("BENCH_CRITERION")
local path = os.getenv("BENCH_PATH")
local key = os.getenv("BENCH_KEY")
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


# --- the bare endpoint (gunicorn imports this module as benchmarks.bench_marks:bare_app) ---------------------------

def _make_bare_app():
    from flask import Flask, jsonify, request
    from sqlalchemy import create_engine, text

    import contestapp.common.db  # noqa: F401  same connection pragmas (WAL, synchronous=NORMAL, busy_timeout)

    app = Flask("bare")
    url = os.environ.get("DATABASE_URL", "sqlite://")
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))  # the app's engine options

    @app.put("/bare/<int:sheet_id>")
    def bare(sheet_id: int):
        body = request.get_json()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_bare (sheet_id, value) VALUES (:s, :v)"),
                         {"s": sheet_id, "v": str(body["marks"][0]["value"])})
        return jsonify(ok=True)

    return app


bare_app = _make_bare_app() if os.environ.get("BENCH_BARE") else None


# --- set-up -------------------------------------------------------------------------------------------------------

def setup(db_url: str, sheets: int) -> tuple[int, int]:
    """One judge, one round of 10 criteria, `sheets` entries each with the judge's sheet. Returns (first sheet id,
    criterion id)."""
    from sqlalchemy import insert, select, text

    from config import TestingConfig
    from contestapp import create_app
    from contestapp.extensions import db

    app = create_app(TestingConfig(db_url))
    with app.app_context():
        from flask_migrate import upgrade

        from contestapp.auth.models import Organisation
        from contestapp.auth.services import create_user
        from contestapp.contests.definition import create_contest
        from contestapp.contests.models import ContestMember
        from contestapp.entrants.models import Entrant, Entry
        from contestapp.judging.models import Assignment, ScoreSheet
        from benchmarks.load_tablets import definition

        upgrade(directory=str(ROOT / "migrations"))
        org = Organisation(name="基准测试总工会", level="city")
        db.session.add(org)
        db.session.flush()
        contest = create_contest(definition(10), org, None)
        event = contest.events[0]
        rnd = event.rounds[0]
        judge = create_user("benchjudge", "bench-password-1", "judge", "基准裁判", org)
        db.session.flush()
        db.session.add(ContestMember(contest_id=contest.id, user_id=judge.id, role="judge"))
        db.session.add(Assignment(contest_id=contest.id, judge_id=judge.id, round_id=rnd.id))
        entrants = db.session.execute(insert(Entrant).returning(Entrant.id), [
            {"contest_id": contest.id, "kind": "person", "name": f"选手{i}"} for i in range(sheets)]).scalars().all()
        entries = db.session.execute(insert(Entry).returning(Entry.id), [
            {"event_id": event.id, "entrant_id": e, "number": str(i), "code": str(100000 + i * 7), "workstation": i + 1,
             "status": "active"} for i, e in enumerate(entrants)]).scalars().all()
        from contestapp.common.db import utcnow

        db.session.execute(insert(ScoreSheet), [
            {"entry_id": e, "round_id": rnd.id, "judge_id": judge.id, "status": "draft", "version": 1,
             "source": "tablet", "updated_at": utcnow()} for e in entries])
        db.session.execute(text("CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, sheet_id INTEGER, value VARCHAR(20))"
                                if db.engine.dialect.name == "sqlite" else
                                "CREATE TABLE bench_bare (id SERIAL PRIMARY KEY, sheet_id INTEGER, value VARCHAR(20))"))
        db.session.commit()
        first = db.session.scalar(select(ScoreSheet.id).order_by(ScoreSheet.id).limit(1))
        crit = rnd.criteria[0].id
        db.engine.dispose()
    return first, crit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app_ref: str, env: dict, workers: int, threads: int = 1) -> tuple[subprocess.Popen, int]:
    port = free_port()
    kind = ["-k", "gthread", "--threads", str(threads)] if threads > 1 else []
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), *kind, "-b",
                             f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning", app_ref],
                            cwd=ROOT, env=env)
    for _ in range(200):
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
        headers = {"Cookie": cookie}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
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
    token = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
    return cookie, token


def wrk(url: str, env: dict, duration: int, connections: int, script: Path) -> dict:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p50_ms = float(p50.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": p50_ms, "p99": p99_ms, "errors": int(errors.group(1)) if errors else 0,
            "requests": total, "raw": out}


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="gthread workers with this many threads (default: sync)")
    p.add_argument("--rounds", type=int, default=3, help="bare and PUT measured alternately this many times")
    p.add_argument("--sheets-per-round", type=int, default=20000, help="fresh sheets for each PUT round")
    p.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = p.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-marks-"))
    from benchmarks.load_tablets import fresh_database

    db_url, drop = fresh_database(args.database_url, workdir)
    per_round = args.sheets_per_round
    warm = 2000  # sheets for each PUT server's 1-second warm-up
    sheets = args.rounds * (per_round + warm)
    t0 = time.perf_counter()
    first, crit = setup(db_url, sheets)
    workers = (f"{args.workers} gthread workers x {args.threads} threads" if args.threads > 1
               else f"{args.workers} sync workers")
    database = "PostgreSQL" if db_url.startswith("postgresql") else "SQLite (WAL, synchronous=NORMAL)"
    print(f"set-up: {sheets} sheets in {time.perf_counter() - t0:.1f}s; both servers: gunicorn {workers}, "
          f"{database}, same engine options and pragmas; wrk {args.connections} connections, {args.duration}s, "
          f"{args.rounds} rounds (bare, then PUT)", flush=True)
    script = workdir / "put.lua"
    script.write_text(LUA)
    base_env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "bench", "CONTESTAPP_ENV": "production",
                "CONTESTAPP_SECURE_COOKIES": "0", "CONTESTAPP_INSTANCE": str(workdir / "instance")}
    rounds: list[tuple[dict, dict]] = []
    next_sheet = first
    try:
        for i in range(args.rounds):
            proc, port = start("benchmarks.bench_marks:bare_app", {**base_env, "BENCH_BARE": "1"}, args.workers,
                               args.threads)
            try:
                env = {**base_env, "BENCH_FIRST_SHEET": str(first), "BENCH_SHEETS": str(per_round),
                       "BENCH_CRITERION": str(crit), "BENCH_PATH": "/bare/ID", "BENCH_COOKIE": "", "BENCH_TOKEN": "",
                       "BENCH_KEY": f"r{i}"}
                wrk(f"http://127.0.0.1:{port}", env, 1, args.connections, script)  # warm-up
                bare = wrk(f"http://127.0.0.1:{port}", env, args.duration, args.connections, script)
            finally:
                proc.terminate()
                proc.wait(10)
            proc, port = start("wsgi:app", base_env, args.workers, args.threads)
            try:
                cookie, token = login(port)
                env = {**base_env, "BENCH_FIRST_SHEET": str(next_sheet), "BENCH_SHEETS": str(warm),
                       "BENCH_CRITERION": str(crit), "BENCH_PATH": "/api/v1/sheets/ID/marks", "BENCH_COOKIE": cookie,
                       "BENCH_TOKEN": token, "BENCH_KEY": f"w{i}"}
                wrk(f"http://127.0.0.1:{port}", env, 1, args.connections, script)  # warm-up on its own sheets
                env.update(BENCH_FIRST_SHEET=str(next_sheet + warm), BENCH_SHEETS=str(per_round), BENCH_KEY=f"r{i}")
                real = wrk(f"http://127.0.0.1:{port}", env, args.duration, args.connections, script)
                next_sheet += warm + per_round
            finally:
                proc.terminate()
                proc.wait(10)
            rounds.append((bare, real))
            print(f"round {i + 1}: bare {bare['rps']:.0f} req/s p99 {bare['p99']:.1f} ms | PUT marks {real['rps']:.0f} "
                  f"req/s p99 {real['p99']:.1f} ms ({real['rps'] / bare['rps']:.0%}); "
                  f"non-2xx {bare['errors']}/{real['errors']}", flush=True)
            if real["requests"] > per_round:
                print(f"  (PUT sent {real['requests']} requests to {per_round} sheets: raise --sheets-per-round)")
    finally:
        drop()  # the SQLite file goes with its folder
    ratios = [real["rps"] / bare["rps"] for bare, real in rounds if bare["rps"]]
    print()
    print(f"{'':<12}{'req/s best':>12}{'req/s median':>14}{'p50 ms med':>12}{'p99 ms best':>13}{'p99 ms med':>12}"
          f"{'non-2xx':>9}")
    for name, k in (("bare INSERT", 0), ("PUT marks", 1)):
        runs = [r[k] for r in rounds]
        print(f"{name:<12}{max(r['rps'] for r in runs):>12.0f}{median([r['rps'] for r in runs]):>14.0f}"
              f"{median([r['p50'] for r in runs]):>12.2f}{min(r['p99'] for r in runs):>13.2f}"
              f"{median([r['p99'] for r in runs]):>12.2f}{sum(r['errors'] for r in runs):>9}")
    reals = [r[1] for r in rounds]
    ratio, p99 = median(ratios), median([r["p99"] for r in reals])
    errors = sum(r["errors"] for r in reals)
    ok = ratio >= 0.5 and p99 < 50 and errors == 0
    print(f"PUT marks / bare (same round): median {ratio:.0%}, best {max(ratios):.0%} (target >= 50%); "
          f"PUT p99 median {p99:.1f} ms, best {min(r['p99'] for r in reals):.1f} ms (target < 50 ms): "
          f"{'OK' if ok else 'BELOW TARGET'}")
    print(f"(with {args.connections} connections always busy, the mean latency is {args.connections} / throughput "
          f"(Little's law): a p99 under 50 ms needs roughly {args.connections / 0.03:.0f}+ req/s; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores while measuring)")
    for bare, real in rounds:
        if real["errors"]:
            print(real["raw"])
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
