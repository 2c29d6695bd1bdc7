"""The WSGI entry point: `gunicorn wsgi:app`. The only module-level application."""
from dotenv import load_dotenv

load_dotenv()

from contestapp import create_app  # noqa: E402  (the environment must be loaded first)

app = create_app()
