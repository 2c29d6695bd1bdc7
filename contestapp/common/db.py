"""Column types and connection settings shared by every model."""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

SCALE = 4
_FACTOR = Decimal(10) ** SCALE


class Fixed(TypeDecorator):
    """A Decimal stored as an integer count of 1/10,000.

    SQLite has no decimal type (NUMERIC columns are stored as binary floats), and ranking on floats breaks genuine
    ties; a scaled integer is exact on SQLite and PostgreSQL alike, sums exactly in SQL, and indexes well.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value) * _FACTOR
        integral = scaled.to_integral_value()
        if integral != scaled:
            raise ValueError(f"{value} has more than {SCALE} decimal places")
        return int(integral)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return plain(Decimal(int(value)).scaleb(-SCALE))

    @staticmethod
    def to_decimal(raw: int | None) -> Decimal | None:
        """Convert a raw aggregated column (e.g. SUM over Fixed) back to Decimal."""
        return None if raw is None else Decimal(int(raw)) / _FACTOR


def plain(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent form (Decimal('100.0000') -> 100, 8.5000 -> 8.5)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use contestapp.common.time.utcnow()")
        return value.astimezone(timezone.utc).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def sqlite_file(url) -> str | None:
    """The file a SQLAlchemy URL opens if it is a SQLite file; None for another database or an in-memory one."""
    database = url.database if url.get_backend_name() == "sqlite" else None
    return database if database and database != ":memory:" and not database.startswith("file:") else None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - exercised by every sqlite test
    # WAL + NORMAL + busy_timeout: measured 5x the throughput and a p99 of 8 ms instead of 1 s (RECIPES.md).
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        path = next((row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"), "")
        if path:
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # see Checkpointer
            cursor.execute(f"PRAGMA journal_size_limit={Checkpointer.WAL_LIMIT}")
            Checkpointer.ensure(path)
        cursor.close()


class Checkpointer:
    """Copies a SQLite file's write-ahead log back into the database from a background thread, one per process and
    file, instead of inside whichever request's commit crosses SQLite's automatic threshold (1,000 pages).

    A mark save dirties some 15 pages, so the automatic checkpoint fell in one request out of ~70 and made it wait
    for the copy and two fsyncs -- and, with one request at a time per worker, every request queued behind it: the
    saves' p99 was 4.5 ms in one thread with the automatic checkpoint and 1.4 ms without (benchmarks/bench_marks.py
    under load: the p99). A PASSIVE checkpoint neither waits for nor blocks readers and writers; the thread runs one
    every tenth of a second (sqlite3 lets go of the GIL meanwhile). Processes that stop (the CLI) leave their log to the
    next one, as SQLite does."""

    INTERVAL = 0.1
    WAL_LIMIT = 64 * 1024 * 1024  # bytes the log file keeps after a checkpoint lets it start again
    _running: dict[tuple[int, str], "threading.Thread"] = {}
    _lock = threading.Lock()

    @classmethod
    def ensure(cls, path: str) -> None:
        key = (os.getpid(), path)  # a forked worker starts its own (threads do not survive a fork)
        with cls._lock:
            thread = cls._running.get(key)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(target=cls._run, args=(path,), name="sqlite-checkpoint", daemon=True)
                cls._running[key] = thread
                thread.start()

    @classmethod
    def _run(cls, path: str) -> None:
        try:
            conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
            while os.path.exists(path):
                time.sleep(cls.INTERVAL)
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:  # the file went away (tests' temporary databases): nothing left to copy
            pass


def insert_ignore(session, table, rows: list[dict], keys: list[str]) -> None:
    """INSERT the rows, skipping those whose `keys` (a unique constraint) are taken: the database decides, so two
    requests creating the same rows at once do not collide (SQLite and PostgreSQL)."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).on_conflict_do_nothing(index_elements=keys), rows)
