"""contestapp: labour contests, skills contests and craftsman titles, from set-up to award ceremony.

The application factory is `contestapp.app.create_app`, also reachable as `contestapp.create_app`. Importing the
package itself loads no framework, so that `contestapp.domain` (pure rules) imports without Flask or SQLAlchemy.
"""
from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":  # loaded on first use (PEP 562): the factory imports Flask and every area
        from contestapp.app import create_app

        return create_app
    raise AttributeError(f"module 'contestapp' has no attribute {name!r}")
