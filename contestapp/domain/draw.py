"""Lot drawing (抽签): workstation numbers and secret codes (加密号), reproducible from a recorded seed.

The entries are sorted first, so the draw depends only on the seed and the set of entries, not on the order a
database returns them. Codes are drawn without replacement from a space at least 20 times the number of entries,
so they reveal neither the order of registration nor the unit; the second level (二次加密) uses letter-digit codes
so the two levels can never be confused.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from typing import Iterable, Optional

from .messages import N_, Message

_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they read as 1 and 0


@dataclass(frozen=True)
class Lot:
    entry: str
    workstation: int
    code: str  # 一次加密号
    code2: Optional[str] = None  # 二次加密号


@dataclass(frozen=True)
class Draw:
    seed: int
    lots: tuple[Lot, ...]  # in workstation order

    def lot(self, entry: str) -> Optional[Lot]:
        return next((lot for lot in self.lots if lot.entry == entry), None)


def new_seed() -> int:
    """A fresh seed to record with the draw (from the OS's secure source)."""
    return secrets.randbits(63)


def _digits(n: int) -> int:
    digits = 3
    while 10 ** digits - 10 ** (digits - 1) < 20 * n:
        digits += 1
    return digits


def _numeric_codes(rng: random.Random, n: int) -> list[str]:
    d = _digits(n)
    return [str(v) for v in rng.sample(range(10 ** (d - 1), 10 ** d), n)]  # no leading zero: Excel keeps it


def _letter_codes(rng: random.Random, n: int) -> list[str]:
    d = _digits(max(1, n // len(_LETTERS) + 1))
    space = len(_LETTERS) * 10 ** d
    return [f"{_LETTERS[v // 10 ** d]}{v % 10 ** d:0{d}d}" for v in rng.sample(range(space), n)]


def draw_lots(entries: Iterable[str], seed: int, levels: int = 1, workstations: Optional[int] = None) -> Draw:
    """Shuffle workstation numbers 1..N (N = workstations, default the number of entries) and give each entry a
    unique code per level (1 or 2). The same seed and entries always give the same draw."""
    names = sorted(set(entries))
    if levels not in (1, 2):
        raise ValueError("levels must be 1 or 2")
    n = len(names)
    if workstations is None:
        workstations = n
    if workstations < n:
        raise ValueError(Message(N_("工位数 %(stations)s 少于参赛人数 %(n)s"), stations=workstations, n=n))
    rng = random.Random(seed)
    stations = rng.sample(range(1, workstations + 1), n)
    codes = _numeric_codes(rng, n)
    codes2: list[Optional[str]] = list(_letter_codes(rng, n)) if levels == 2 else [None] * n
    lots = (Lot(e, s, c, c2) for e, s, c, c2 in zip(names, stations, codes, codes2))
    return Draw(seed, tuple(sorted(lots, key=lambda lot: lot.workstation)))
