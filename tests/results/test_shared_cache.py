"""Two app instances on one database share rankings through Redis (CONTESTAPP_CACHE_URL): what one computed the
other serves, and a change made through either is in both at once (the key is the event's version in the
database)."""
import shutil
import socket
import subprocess
import time
from decimal import Decimal as D

import pytest

from contestapp.extensions import db
from tests.results.test_ranking_engine import event  # noqa: F401  (the 40-entry fixture)


@pytest.fixture
def redis_url():
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (scripts/ensure-system.sh all installs it)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def _server(url: str, cache_url: str, monkeypatch):
    from config import TestingConfig
    from contestapp import create_app

    monkeypatch.setenv("CONTESTAPP_CACHE_URL", cache_url)
    return create_app(TestingConfig(url))


def test_two_app_instances_share_rankings_through_redis(app, event, redis_url, monkeypatch):  # noqa: F811
    from contestapp.contests.models import Event
    from contestapp.extensions import cache
    from contestapp.judging.models import ScoreSheet
    from contestapp.results import aggregate, engine

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    event_id = event.id
    first, second = _server(url, redis_url, monkeypatch), _server(url, redis_url, monkeypatch)
    try:
        with first.app_context():
            engine.invalidate()
            computed = engine.ranking(db.session.get(Event, event_id))
            version = aggregate.event_version(event_id)
            db.session.remove()
        with second.app_context():
            shared = engine.shared(event_id)  # what the first instance stored
            assert shared is not None and shared.version == version
            assert [(r.entry, r.rank, r.total) for r in shared.ranked] == [
                (r.entry, r.rank, r.total) for r in computed.ranked]
            sheet = db.session.scalars(db.select(ScoreSheet).order_by(ScoreSheet.id)).first()
            sheet.marks[0].value = D(0)  # a change through the second instance
            db.session.commit()
            db.session.remove()
        with first.app_context():
            assert aggregate.event_version(event_id) != version
            now = engine.ranking(db.session.get(Event, event_id))
            assert [(r.entry, r.rank, r.total) for r in now.ranked] == [
                (r.entry, r.rank, r.total) for r in engine.recompute_from_scratch(db.session.get(Event, event_id))]
            db.session.remove()
    finally:
        for server in (first, second):
            with server.app_context():
                cache.clear()
                db.engine.dispose()
        engine.invalidate()
