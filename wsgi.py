"""The WSGI entry point: `gunicorn wsgi:app`. The only module-level application."""
import gc

from dotenv import load_dotenv

load_dotenv()

from contestapp import create_app  # noqa: E402  (the environment must be loaded first)

app = create_app()
# What start-up built (the app, SQLAlchemy's metadata and compiled statements, templates: ~150,000 objects) lives as
# long as the worker: kept out of the collector's full passes, which would otherwise scan it all again and again.
gc.collect()
gc.freeze()
