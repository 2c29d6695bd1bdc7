"""Column types and connection settings shared by every model."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, bindparam, event, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - exercised by every sqlite test
    """SQLite, the zero-set-up default: write-ahead log, NORMAL sync, a busy timeout so that concurrent writers wait
    their turn instead of failing, and foreign keys (RECIPES.md). Other databases are left alone."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def insert_ignore(session, table, rows: list[dict], keys: list[str]) -> None:
    """INSERT the rows, skipping those whose `keys` (a unique constraint) are taken: the database decides, so two
    requests creating the same rows at once do not collide (SQLite and PostgreSQL)."""
    if not rows:
        return
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(table).on_conflict_do_nothing(index_elements=keys), rows)


def insert_rows(session, table, rows: list[dict]) -> None:
    """INSERT many rows with the same keys. On PostgreSQL in one statement whatever their number (one array
    parameter per column, `unnest`ed): the statement's triggers run once, not once per row as they would for the
    driver's executemany; elsewhere through executemany (SQLite has no statement triggers). Column defaults are
    evaluated once for the statement (one `created_at` for an import): not for per-row unique defaults."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    names = list(rows[0])
    arrays = [bindparam(f"rows_{name}", [row[name] for row in rows], type_=ARRAY(table.c[name].type))
              for name in names]
    values = func.unnest(*arrays).table_valued(*names).render_derived()
    session.execute(table.insert().from_select(names, select(*(values.c[name] for name in names))))
