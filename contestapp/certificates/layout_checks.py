"""Checks of the values of a JSON document, each error a ``path: message`` string (used by ``layout.py``).

This module imports neither Flask nor SQLAlchemy.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

__all__ = ["Checks"]

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class Checks:
    """Reads values out of mappings, collecting every error (``errors``) rather than stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, path: str, msg: str) -> None:
        self.errors.append(f"{path}: {msg}")

    def num(self, d: Mapping, key: str, path: str, default: Any = None, *, required: bool = False,
            gt: float | None = None, ge: float | None = None, le: float | None = None) -> Any:
        if key not in d or d[key] is None:
            if required:
                self.err(f"{path}.{key}", "required")
            return default
        v = d[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.err(f"{path}.{key}", f"must be a number, got {v!r}")
            return default
        v = float(v)
        if gt is not None and not v > gt:
            self.err(f"{path}.{key}", f"must be > {gt:g}")
        elif ge is not None and v < ge:
            self.err(f"{path}.{key}", f"must be >= {ge:g}")
        elif le is not None and v > le:
            self.err(f"{path}.{key}", f"must be <= {le:g}")
        return v

    def boolean(self, d: Mapping, key: str, path: str, default: bool) -> bool:
        v = d.get(key, default)
        if v is None:
            return default
        if not isinstance(v, bool):
            self.err(f"{path}.{key}", f"must be true or false, got {v!r}")
            return default
        return v

    def text(self, d: Mapping, key: str, path: str, default: Any = None, *, required: bool = False) -> Any:
        if key not in d or d[key] is None:
            if required:
                self.err(f"{path}.{key}", "required")
            return default
        v = d[key]
        if not isinstance(v, str):
            self.err(f"{path}.{key}", f"must be a string, got {v!r}")
            return default
        return v

    def colour(self, d: Mapping, key: str, path: str, default: str | None) -> str | None:
        v = self.text(d, key, path, default)
        if v is not None and not _HEX.match(v):
            self.err(f"{path}.{key}", f"must be a hex colour like #c00000, got {v!r}")
            return default
        return v

    def choice(self, d: Mapping, key: str, path: str, choices: tuple[str, ...], default: str) -> str:
        v = self.text(d, key, path, default)
        if v not in choices:
            self.err(f"{path}.{key}", f"must be one of {', '.join(choices)}, got {v!r}")
            return default
        return v

    def mapping(self, d: Any, path: str) -> Mapping:
        if not isinstance(d, Mapping):
            self.err(path, f"must be an object, got {type(d).__name__}")
            return {}
        return d

    def unknown(self, d: Mapping, allowed: set[str], path: str) -> None:
        for k in d:
            if k not in allowed and not str(k).startswith("_"):  # "_comment" keys are allowed
                self.err(f"{path}.{k}", "unknown key")
