"""Demo: the merit contest (to be built)."""
from __future__ import annotations

from contestapp.demo.common import World


def build(world: World) -> list[tuple[str, str, str]]:
    return []
