"""The migrations build the whole schema on SQLite and PostgreSQL, and agree with the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from config import TestingConfig
from contestapp import create_app
from contestapp.extensions import db


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
