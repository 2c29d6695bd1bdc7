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


def _triggers(conn) -> dict[str, str]:
    """Trigger name -> what it does: on SQLite its CREATE statement, on PostgreSQL its definition and its function's
    body."""
    if conn.dialect.name == "sqlite":
        return dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all())
    return {name: f"{definition}; {body}" for name, definition, body in conn.execute(text(
        "SELECT t.tgname, pg_get_triggerdef(t.oid), p.prosrc FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"))}


def test_migrations_create_the_triggers_the_models_create(empty_database):
    """The triggers that keep rankings' inputs current (and the criteria version) exist after the migrations just
    as after create_all, and do the same, word for word."""
    app = create_app(TestingConfig(empty_database))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            migrated = _triggers(conn)
        downgrade(revision="base")
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        with db.engine.connect() as conn:
            created = _triggers(conn)
        db.drop_all()
        db.engine.dispose()
    assert migrated.keys() == created.keys() and {"results_marks_insert", "results_marks"} & created.keys()
    assert {name: sql for name, sql in migrated.items() if created[name] != sql} == {}
