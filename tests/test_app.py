"""Application set-up: configuration, error pages, health, SQLite settings."""
import pytest
from sqlalchemy import text

from config import ProductionConfig
from contestapp.extensions import db


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig()


def test_production_accepts_secret_and_database_from_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    cfg = ProductionConfig()
    assert cfg.SECRET_KEY == "x" * 32
    assert cfg.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@h/db"
    assert cfg.SESSION_COOKIE_SECURE is True


def test_default_database_is_sqlite_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CONTESTAPP_INSTANCE", str(tmp_path))
    from config import DevelopmentConfig

    assert DevelopmentConfig().SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'contestapp.db'}"


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path):
    from config import TestingConfig
    from contestapp import create_app

    app = create_app(TestingConfig(f"sqlite:///{tmp_path / 'p.db'}"))
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10000
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        db.session.remove()
        db.engine.dispose()


def test_error_pages_are_chinese(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "页面不存在" in body and 'lang="zh-CN"' in body


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json


def test_english_is_the_second_locale(client):
    body = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="en"' in body and "Sign in" in body


def test_chinese_is_the_default_locale(client):
    body = client.get("/", headers={"Accept-Language": "fr, de"}).get_data(as_text=True)
    assert 'lang="zh-CN"' in body and "登录" in body


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_client_addresses_come_from_the_proxy_only_when_configured(monkeypatch, tmp_path):
    from config import TestingConfig
    from contestapp import create_app
    from flask import request

    for proxies, expected in ((0, "127.0.0.1"), (1, "203.0.113.9")):
        cfg = TestingConfig(f"sqlite:///{tmp_path / f'{proxies}.db'}")
        cfg.PROXIES = proxies
        app = create_app(cfg)
        seen = []
        app.before_request(lambda: seen.append(request.remote_addr))
        app.test_client().get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"},
                              environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert seen == [expected]
