"""Two scheduler processes started at once produce each bulletin once (SQLite file and PostgreSQL).

Two real OS processes, each with its own app and connection pool, wait at a barrier and then run the whole job
round (as a scheduler's catch-up pass does) against the same database, at the same frozen time.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from contestapp.extensions import db
from tests.merit.merit_helpers import UNITS, at, merit, score  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]

WORKER = r"""
import json, os, sys, time
from datetime import datetime
sys.path.insert(0, os.getcwd())
from config import TestingConfig
from contestapp import create_app
app = create_app(TestingConfig(os.environ["URL"]))
with app.app_context():
    from contestapp.merit import jobs as tasks
    from contestapp.jobs.runner import run_job
    from contestapp.extensions import db
    db.session.execute(db.text("SELECT 1"))          # connect before the barrier
    go = os.environ["GO"]
    while not os.path.exists(go):
        time.sleep(0.001)
    now = datetime.fromisoformat(os.environ["NOW"])
    out = []
    for name in ("close_periods", "open_periods", "bulletins", "bulletins"):
        run = run_job(name, now, holder=os.environ["HOLDER"])
        out.append([name, run.status, run.message[:300] if run.message else ""])
    print(json.dumps(out, ensure_ascii=False))
"""


def test_two_scheduler_processes_produce_each_bulletin_once(app, merit, tmp_path):
    from contestapp.audit.models import AuditEntry
    from contestapp.merit.models import Bulletin, Period
    from contestapp.merit.periods import periods_of

    contest, judges = merit["contest"], merit["judges"]
    april, may, june = periods_of(contest)
    from contestapp.merit import jobs as tasks

    tasks.open_periods(at(2025, 4, 1))
    score(april, judges, {UNITS[1]: {"safety": ("1", "安全帽未佩戴", "")}})
    tasks.open_periods(at(2025, 5, 2))
    score(may, judges, {UNITS[0]: {"quality": ("2", "钢筋保护层不足", "")}})
    tasks.open_periods(at(2025, 6, 2))
    score(june, judges, {UNITS[2]: {"veto_mass": ("1", "6月20日发生农民工群体性讨薪事件", "")}})
    db.session.commit()
    assert db.session.scalar(select(func.count(Bulletin.id))) == 0

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    go = tmp_path / "go"
    env = {**os.environ, "URL": url, "GO": str(go), "NOW": at(2025, 7, 7).isoformat(),
           "CONTESTAPP_INSTANCE": app.config["INSTANCE_PATH"]}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env={**env, "HOLDER": f"scheduler-{i}"},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in (1, 2)]
    time.sleep(2.5)  # both processes are up and connected, spinning on the barrier
    go.write_text("go")
    outputs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-3000:]
        outputs.append(json.loads(out.strip().splitlines()[-1]))

    db.session.expire_all()
    statuses = [status for out in outputs for _, status, _ in out]
    assert "error" not in statuses, outputs
    bulletins = db.session.scalars(select(Bulletin)).all()
    assert sorted(b.period_id for b in bulletins) == sorted([april.id, may.id, june.id]), outputs
    for b in bulletins:
        assert Path(b.path).is_file() and b.size > 1000
    made = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "merit.bulletin"))
    assert made == 3  # each bulletin produced once, by whichever process won the lease
    assert {p.status for p in db.session.scalars(select(Period))} == {"published"}
    published = [m for out in outputs for name, _, m in out if name == "bulletins" and m.startswith("已通报")]
    assert sum(m.count("/") for m in published) == 3, outputs  # across both processes, three bulletins in all
    producers = {b.created_by for b in bulletins}
    assert len(producers) >= 1 and all(x.startswith("job:") for x in producers)
