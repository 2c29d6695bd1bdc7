"""Throttling in one place (contestapp/common/limits.py): each limit refuses with 429 and a Chinese message, counts per
what it says (address, account, phone, user), is configurable, cannot be walked around with X-Forwarded-For, and is
shared by every app instance on one Redis."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from contestapp.extensions import db
from tests.conftest import PASSWORD
from tests.craftsman.craftsman_helpers import build_world, nominate
from tests.results.test_shared_cache import redis_url  # noqa: F401  (a private redis-server for the test)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tight(app, monkeypatch):
    """Small limits, so a test reaches them in a few requests."""
    def set_limits(**limits):
        monkeypatch.setitem(app.config, "RATELIMITS", {**app.config.get("RATELIMITS", {}), **limits})
    return set_limits


def test_certificate_lookups_are_limited_per_address_across_lookup_and_link(app, tight):
    tight(cert_lookup="3 per minute")
    c = app.test_client()
    codes = [c.get("/verify/?serial=ZJ-2026-000001&name=张三").status_code for _ in range(2)]
    codes.append(c.get("/verify/ZJ-2026-000002?sig=abc").status_code)  # the verification link shares the budget
    assert 429 not in codes
    refused = c.get("/verify/?serial=ZJ-2026-000003&name=李四")
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "证书查询过于频繁" in text and "分钟后再试" in text and int(refused.headers["Retry-After"]) > 0
    other = app.test_client().get("/verify/?serial=ZJ-2026-000003&name=李四", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code != 429  # another address has its own count


def test_the_limit_message_is_in_english_for_english_readers(app, tight):
    tight(cert_lookup="1 per minute")
    c = app.test_client()
    c.set_cookie("lang", "en")
    c.get("/verify/?serial=X&name=Y")
    text = c.get("/verify/?serial=X&name=Y").get_data(as_text=True)
    assert "Too many certificate look-ups" in text


def test_x_forwarded_for_does_not_walk_around_a_limit_without_a_trusted_proxy(app, tight):
    assert app.config["PROXIES"] == 0
    tight(cert_lookup="2 per minute")
    c = app.test_client()
    codes = [c.get("/verify/?serial=X&name=Y", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
             for i in range(4)]
    assert codes[-1] == 429 and codes.count(429) == 2


def test_behind_one_trusted_proxy_only_the_address_the_proxy_saw_counts(monkeypatch, tmp_path):
    """With CONTESTAPP_PROXIES=1, ProxyFix takes the last X-Forwarded-For hop (the one nginx appends): a client that
    sends its own header still counts as its real address."""
    from config import TestingConfig
    from contestapp import create_app
    from contestapp.common import limits

    cfg = TestingConfig(f"sqlite:///{tmp_path / 'p.db'}")
    cfg.PROXIES = 1
    cfg.RATELIMITS = {"cert_lookup": "2 per minute"}
    proxied = create_app(cfg)
    with proxied.app_context():
        db.create_all()
        limits.reset()
        c = proxied.test_client()
        codes = [c.get("/verify/?serial=X&name=Y",
                       headers={"X-Forwarded-For": f"203.0.113.{i}, 198.51.100.9"}).status_code for i in range(3)]
        assert codes[-1] == 429  # the forged first hops changed nothing
        fresh = c.get("/verify/?serial=X&name=Y", headers={"X-Forwarded-For": "198.51.100.10"})
        assert fresh.status_code != 429  # another client behind the same proxy
        db.session.remove()
        db.engine.dispose()
    limits.reset()


def test_vote_codes_and_votes_are_limited_per_phone_and_per_address(app, make, tight):
    from contestapp.craftsman.sms import LogSender

    world = build_world(make)
    n = nominate(world["call"], world["units"][0], 0)
    n.status, n.shortlisted = "eligible", True
    world["call"].stage = "vote"
    db.session.commit()
    app.extensions["craftsman_sms"] = LogSender()
    cid = world["contest"].id
    tight(vote_code="4 per minute", vote_code_phone="50 per minute", vote_cast="50 per minute",
          vote_cast_phone="3 per 10 minutes")
    c = app.test_client()
    # code guessing for one phone: the fourth try within ten minutes is refused, whatever the code
    tries = [c.post(f"/craftsman/vote/{cid}/cast", data={"phone": "13912345678", "code": f"{i:06d}",
                                                         "nomination_id": n.id}).status_code for i in range(4)]
    assert 429 not in tries[:3] and tries[3] == 429
    assert "投票请求过于频繁" in c.post(f"/craftsman/vote/{cid}/cast", data={
        "phone": "13912345678", "code": "123456", "nomination_id": n.id}).get_data(as_text=True)
    # SMS sends from one address: the fifth within a minute is refused before any SMS is sent
    sent = [app.test_client().post(f"/craftsman/vote/{cid}/code", data={"phone": f"1380000{k:04d}"},
                                   environ_base={"REMOTE_ADDR": "198.51.100.4"}).status_code for k in range(5)]
    assert 429 not in sent[:4] and sent[4] == 429
    tight(vote_code_phone="1 per 10 minutes")
    one = {"phone": "13700000001"}
    assert app.test_client().post(f"/craftsman/vote/{cid}/code", data=one,
                                  environ_base={"REMOTE_ADDR": "198.51.100.5"}).status_code != 429
    again = app.test_client().post(f"/craftsman/vote/{cid}/code", data=one,
                                   environ_base={"REMOTE_ADDR": "198.51.100.6"})  # same phone, another address
    assert again.status_code == 429 and "获取验证码过于频繁" in again.get_data(as_text=True)


def test_exports_are_limited_per_user(app, make, tight, login_as, client):
    org = make.org()
    contest = make.contest(org)
    make.user("org1", "organiser", org)
    make.user("org2", "organiser", org)
    db.session.commit()
    tight(export="2 per minute")
    login_as("org1")
    url = f"/contests/{contest.id}/entrants/export.xlsx"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    refused = client.get(url)
    assert refused.status_code == 429 and "导出过于频繁" in refused.get_data(as_text=True)
    other = app.test_client()
    assert other.post("/login", data={"username": "org2", "password": PASSWORD}).status_code == 302
    assert other.get(url).status_code == 200  # another user's exports are counted apart


def test_production_refuses_a_per_process_limit_storage_unless_named(monkeypatch, tmp_path):
    from config import ProductionConfig
    from contestapp import create_app

    for name in ("CONTESTAPP_RATELIMIT_STORAGE_URI", "CONTESTAPP_REDIS_URL", "CONTESTAPP_CACHE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(RuntimeError, match="CONTESTAPP_REDIS_URL"):
        create_app(ProductionConfig())
    monkeypatch.setenv("CONTESTAPP_REDIS_URL", "redis://127.0.0.1:6379/3")
    assert ProductionConfig().RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/3"
    monkeypatch.setenv("CONTESTAPP_CACHE_URL", "redis://10.0.0.2:6379/0")
    monkeypatch.delenv("CONTESTAPP_REDIS_URL")
    assert ProductionConfig().RATELIMIT_STORAGE_URI == "redis://10.0.0.2:6379/0"  # the cache's Redis serves too


# --- two app instances (two workers or hosts) on one Redis ----------------------------------------------------------

WORKER = r"""
import json, os, sys
sys.path.insert(0, os.environ["ROOT"])
from config import TestingConfig
from contestapp import create_app
app = create_app(TestingConfig(os.environ["DB_URL"]))
client = app.test_client()
codes = [client.post("/login", data={"username": "judge1", "password": p}).status_code
         for p in json.loads(os.environ["PASSWORDS"])]
print(json.dumps(codes))
"""


def _instance(db_url, storage, passwords):
    env = dict(os.environ, ROOT=str(ROOT), DB_URL=db_url, PASSWORDS=json.dumps(passwords),
               CONTESTAPP_RATELIMIT_STORAGE_URI=storage)
    out = subprocess.run([sys.executable, "-c", WORKER], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_failures_counted_by_one_instance_lock_the_account_on_another(app, make, redis_url):  # noqa: F811
    if app.config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:"):
        pytest.skip("needs a database file or server both instances reach")
    make.user("judge1", "judge", make.org())
    db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    storage = re.sub(r"/0$", "/5", redis_url)  # a database of its own on the Redis server
    assert _instance(url, storage, ["wrong-password"] * app.config["LOGIN_MAX_FAILURES"]) == [401] * 5
    assert _instance(url, storage, [PASSWORD]) == [429]  # the second instance refuses on the first one's count
    assert _instance(url, "memory://", [PASSWORD]) == [302]  # (a per-process count would not have)
