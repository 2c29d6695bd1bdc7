"""Shared set-up for benchmark scripts: a fresh app on SQLite (file) or PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def postgres_url() -> str | None:
    """The PostgreSQL URL for benchmarks (scripts/ensure-postgres.sh), or None when none can be reached."""
    env = dict(os.environ, CONTESTAPP_TEST_DB_NAME="contestapp_bench")
    env.pop("CONTESTAPP_TEST_DATABASE_URL", None)
    try:
        out = subprocess.run([str(ROOT / "scripts" / "ensure-postgres.sh")], capture_output=True, text=True,
                             env=env, timeout=300, check=True)
    except (subprocess.SubprocessError, OSError):
        return None
    return out.stdout.strip().splitlines()[-1]


def fresh_app(kind: str):
    """An app with an empty schema on 'sqlite' (temporary file) or 'postgresql'."""
    from config import TestingConfig
    from contestapp import create_app
    from contestapp.extensions import db

    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db" if kind == "sqlite" else postgres_url()
    if url is None:
        return None
    app = create_app(TestingConfig(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app
