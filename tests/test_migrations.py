"""The migrations build the whole schema on SQLite and PostgreSQL, and agree with the models."""
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from config import TestingConfig
from contestapp import create_app
from contestapp.extensions import db
from tests.conftest import PG_URL

TARGETS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=TARGETS)
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def test_migrations_build_the_schema_the_models_describe(empty_database):
    app = create_app(TestingConfig(empty_database))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "include_object": lambda o, n, t, r, c: n != "apscheduler_jobs"})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], differences
        db.engine.dispose()


def test_migrations_downgrade_and_upgrade_again(empty_database):
    app = create_app(TestingConfig(empty_database))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM contests")).scalar() == 0
        db.engine.dispose()
