"""`flask demo`: every kind of contest, alive on the day it runs.

`create_demo` builds the shared accounts and organisations (`common`), then one contest per kind, each in its own
module: the city skills contest (`skills`), a key-project merit contest (`merit`), a craftsman selection (`craftsman`)
and a 1+X points assessment (`points`). Every date is relative to `today`, so the demo is usable whenever it runs.
"""
from __future__ import annotations

from datetime import date

from contestapp.demo import craftsman, merit, points, skills
from contestapp.demo.common import PASSWORD, World, base_world
from contestapp.demo.skills import DEMO_CODE, _assigned_codes

__all__ = ["PASSWORD", "DEMO_CODE", "create_demo", "_assigned_codes"]


def create_demo(reset: bool = False, today: date | None = None) -> list[tuple[str, str, str]]:
    """Build the demo (once; `reset` rebuilds the skills contest) and return (who, login, secret) lines to print."""
    world: World = base_world(today)
    lines = skills.build(world, reset=reset)
    for kind in (merit, craftsman, points):
        lines += kind.build(world)
    return lines
