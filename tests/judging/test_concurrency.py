"""The tablet load script at CI size: gunicorn on 127.0.0.1, tablets with lost answers, retries and duplicate
requests; every mark present exactly once and equal to the last value sent (SQLite, and PostgreSQL when
CONTESTAPP_TEST_DATABASE_URL is set)."""
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parent.parent.parent
TARGETS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.mark.slow
@pytest.mark.parametrize("database", TARGETS)
def test_tablets_marking_at_once_lose_and_duplicate_nothing(database):
    args = [sys.executable, str(ROOT / "benchmarks" / "load_tablets.py"), "--tablets", "12", "--entries", "5",
            "--criteria", "10", "--concurrency", "12", "--seed", "7"]
    if database == "postgresql":
        args += ["--database-url", PG_URL]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "each present exactly once and equal to the last value sent" in result.stdout
