"""Configuration classes, read from the environment when instantiated (a `.env` file is allowed).

Nothing happens at import time: `create_app` instantiates one of these classes, so a test or a CLI command can set
environment variables first.
"""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment."""

    DEBUG = False
    TESTING = False

    def __init__(self) -> None:
        instance = Path(os.environ.get("CONTESTAPP_INSTANCE", BASE_DIR / "instance"))
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = os.environ.get("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'contestapp.db'}"
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.BABEL_DEFAULT_LOCALE = "zh_CN"
        self.BABEL_DEFAULT_TIMEZONE = os.environ.get("CONTESTAPP_TIMEZONE", "Asia/Shanghai")
        self.LANGUAGES = ("zh_CN", "en")
        self.WTF_CSRF_TIME_LIMIT = None  # a judge's form may stay open all day on a tablet
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        # Login throttling (contestapp/auth/throttle.py), over the last LOGIN_WINDOW_SECONDS: this many failures lock
        # one account (login card) only; a much higher count from one address locks that address (tablets at a
        # venue share one Wi-Fi address: one judge's typos must not lock the others out).
        self.LOGIN_MAX_FAILURES = int(os.environ.get("CONTESTAPP_LOGIN_MAX_FAILURES", "5"))
        self.LOGIN_MAX_ADDRESS_FAILURES = int(os.environ.get("CONTESTAPP_LOGIN_MAX_ADDRESS_FAILURES", "100"))
        self.LOGIN_WINDOW_SECONDS = int(os.environ.get("CONTESTAPP_LOGIN_WINDOW_SECONDS", "900"))
        self.MAX_CONTENT_LENGTH = int(os.environ.get("CONTESTAPP_MAX_UPLOAD_MB", "20")) * 1024 * 1024
        # Uploaded tables (rosters, paper marks, merit participants): read by contestapp.common.uploads within these.
        self.UPLOAD_MAX_ROWS = int(os.environ.get("CONTESTAPP_UPLOAD_MAX_ROWS", "200000"))
        self.UPLOAD_MAX_COLUMNS = int(os.environ.get("CONTESTAPP_UPLOAD_MAX_COLUMNS", "64"))
        self.UPLOAD_MAX_CELL_CHARS = int(os.environ.get("CONTESTAPP_UPLOAD_MAX_CELL_CHARS", "2000"))
        self.UPLOAD_MAX_UNZIPPED_BYTES = int(os.environ.get("CONTESTAPP_UPLOAD_MAX_UNZIPPED_MB", "200")) * 1024 * 1024
        self.UPLOAD_MAX_SECONDS = float(os.environ.get("CONTESTAPP_UPLOAD_MAX_SECONDS", "20"))
        self.CERT_FONT = os.environ.get("CONTESTAPP_CERT_FONT")  # path[:subfont index] of a TrueType CJK font
        self.UPLOAD_DIR = os.environ.get("CONTESTAPP_UPLOAD_DIR", str(instance / "uploads"))
        self.BACKUP_DIR = os.environ.get("CONTESTAPP_BACKUP_DIR", str(instance / "backups"))
        self.PUBLIC_BASE_URL = os.environ.get("CONTESTAPP_PUBLIC_URL", "")
        self.ENTRANTS_PER_PAGE = 50
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (nginx: 1). 0 = none, so a
        # client cannot forge its address in the audit log or around rate limits.
        self.PROXIES = int(os.environ.get("CONTESTAPP_PROXIES", "0"))
        self.__dict__.update(cache_settings(os.environ.get("CONTESTAPP_CACHE_URL", ""), instance))
        # Remember-me cookies (ended with every session of the user when their session token changes).
        self.REMEMBER_COOKIE_DURATION = int(os.environ.get("CONTESTAPP_REMEMBER_DAYS", "14")) * 86400
        # Rate limits (contestapp/common/limits.py): a storage every worker and host shares; the limits themselves.
        self.RATELIMIT_STORAGE_URI = ratelimit_storage()
        self.RATELIMITS = {name: os.environ[f"CONTESTAPP_RATELIMIT_{name.upper()}"]
                           for name in ("cert_lookup", "vote_code", "vote_code_phone", "vote_cast",
                                        "vote_cast_phone", "export")
                           if os.environ.get(f"CONTESTAPP_RATELIMIT_{name.upper()}")}


def ratelimit_storage() -> str:
    """CONTESTAPP_RATELIMIT_STORAGE_URI, else CONTESTAPP_REDIS_URL, else a redis:// CONTESTAPP_CACHE_URL, else
    memory:// (per process: production refuses it unless it is named explicitly)."""
    cache_url = os.environ.get("CONTESTAPP_CACHE_URL", "")
    return (os.environ.get("CONTESTAPP_RATELIMIT_STORAGE_URI") or os.environ.get("CONTESTAPP_REDIS_URL")
            or (cache_url if cache_url.startswith(("redis://", "rediss://", "unix://")) else "") or "memory://")


def cache_settings(url: str, instance: Path) -> dict:
    """Flask-Caching settings for CONTESTAPP_CACHE_URL: redis://host:port/db (every host of a deployment shares
    it), file:///path, or nothing: a directory under the instance folder, shared by the workers of one machine.
    Cached rankings are keyed by versions kept in the database, so any of these only ever serves current data."""
    common = {"CACHE_KEY_PREFIX": "contestapp:", "CACHE_DEFAULT_TIMEOUT": 6 * 3600}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {**common, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url}
    if url == "simple":  # one process only (tests, a single-worker server)
        return {**common, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    folder = url[len("file://"):] if url.startswith("file://") else str(instance / "cache")
    return {**common, "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": folder, "CACHE_THRESHOLD": 2000}


class DevelopmentConfig(Config):
    DEBUG = True

    def __init__(self) -> None:
        super().__init__()
        # A development key is fine on a laptop; production refuses to start without one.
        self.SECRET_KEY = self.SECRET_KEY or "dev-only-not-secret"


class TestingConfig(Config):
    TESTING = True
    __test__ = False  # not a pytest test class

    def __init__(self, database_url: str | None = None) -> None:
        super().__init__()
        self.SECRET_KEY = "test-secret-key"
        self.SQLALCHEMY_DATABASE_URI = database_url or "sqlite://"
        self.WTF_CSRF_ENABLED = False
        self.LOGIN_MAX_FAILURES = 5
        if not os.environ.get("CONTESTAPP_CACHE_URL"):
            self.__dict__.update(cache_settings("simple", Path(self.INSTANCE_PATH)))
        self.RATELIMIT_STORAGE_URI = os.environ.get("CONTESTAPP_RATELIMIT_STORAGE_URI") or "memory://"


class ProductionConfig(Config):
    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in the environment for production (生产环境必须设置 SECRET_KEY)")
        self.SESSION_COOKIE_SECURE = _bool("CONTESTAPP_SECURE_COOKIES", True)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        # Redirect plain HTTP to HTTPS in the app (usually nginx does it; HSTS is sent on TLS requests either way).
        self.FORCE_HTTPS = _bool("CONTESTAPP_FORCE_HTTPS", False)
        # Every worker and host must count the same sign-in failures: memory:// only when named explicitly.
        self.RATELIMIT_REQUIRE_SHARED = not os.environ.get("CONTESTAPP_RATELIMIT_STORAGE_URI")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> Config:
    name = os.environ.get("CONTESTAPP_ENV", "development").lower()
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"CONTESTAPP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
