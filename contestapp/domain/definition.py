"""The contest definition file (JSON; YAML is parsed by the caller into the same dict). See docs/contest-format.md.

Keys are the spec dataclasses' field names; one generic reader and one generic writer follow the type hints, so a
new field needs no parser code. Canonical form (what `dumps_contest` writes): fields in declaration order with the
nested lists (events, rounds, criteria) last, fields equal to their default left out, decimals as strings without
trailing zeros ("0.3", "100"), dates as "YYYY-MM-DD", 2-space indent, UTF-8 text, a final newline.
"""
from __future__ import annotations

import json
from dataclasses import MISSING, fields, is_dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, Literal, Mapping, Union, get_args, get_origin, get_type_hints

from .numbers import NumberError, read_decimal, read_int
from .types import ContestSpec, Problem, RoundSpec, SpecError

FORMAT = "contestapp.contest/1"
_LAST = ("events", "rounds", "criteria")  # long nested lists go after the scalar fields
_FAIL = object()


class _Partial:
    """A list some of whose items failed: the readable ones, for the parent's own checks."""

    def __init__(self, items: tuple) -> None:
        self.items = items


def _head(path: str) -> str:
    """The first field name of a relative path: 'criteria[2].max' -> 'criteria'."""
    return path.split(".")[0].split("[")[0]


class DefinitionError(SpecError):
    """The definition file is invalid; `problems` lists every `(path, message)`, e.g.
    ('events[1].rounds[0].criteria[3].max', 'must be > min / 须大于最低分')."""


def _join(path: str, key: str) -> str:
    if not path:
        return key
    return f"{path}{key}" if key.startswith("[") else f"{path}.{key}"


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> object:
        self.problems.append((path, message))
        return _FAIL

    def build(self, cls: type, data: Any, path: str) -> Any:
        """Read one spec. A field that fails to read is replaced by its default, or a list by its readable
        items, so the spec's own checks on its other fields still run and report."""
        if not isinstance(data, Mapping):
            return self.fail(path, "must be an object / 须为对象")
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                self.fail(_join(path, str(key)), "unknown field / 未知字段")
        kwargs: dict[str, Any] = {}
        failed: set[str] = set()
        complete = True  # every required field has a value, so the spec can be built
        for f in fields(cls):
            if f.name not in data:
                if f.default is MISSING:
                    self.fail(_join(path, f.name), "is required / 必填")
                    complete = False
                continue
            value = self.value(_hints(cls)[f.name], data[f.name], _join(path, f.name))
            if isinstance(value, _Partial):
                failed.add(f.name)
                value = value.items
            if value is _FAIL:
                failed.add(f.name)
                complete = complete and f.default is not MISSING
                continue
            kwargs[f.name] = value
        if complete:
            try:
                spec = cls(**kwargs)
            except SpecError as e:
                for p, m in e.problems:
                    if _head(p) not in failed:  # checks on a salvaged field would mislead
                        self.fail(_join(path, p) if p else path, m)
                return _FAIL
            if not failed and all(k in known for k in data):
                return spec
        return _FAIL

    def value(self, tp: Any, v: Any, path: str) -> Any:
        origin, args = get_origin(tp), get_args(tp)
        if origin is Union:  # Optional[X]
            if v is None:
                return None
            return self.value(next(a for a in args if a is not type(None)), v, path)
        if origin is tuple:
            if not isinstance(v, (list, tuple)):
                return self.fail(path, "must be a list / 须为列表")
            items = [self.value(args[0], x, f"{path}[{i}]") for i, x in enumerate(v)]
            good = tuple(x for x in items if x is not _FAIL)
            return good if len(good) == len(items) else _Partial(good)
        if origin is Literal or tp is str:
            return v if isinstance(v, str) else self.fail(path, "must be a string / 须为文本")
        if tp is Decimal:
            return self.decimal(v, path)
        if tp is bool:
            return v if isinstance(v, bool) else self.fail(path, "must be true or false / 须为 true 或 false")
        if tp is int:
            try:
                return read_int(v)
            except NumberError as exc:
                return self.fail(path, f"{exc.english} / {exc}")
        if tp is date:
            return self.date(v, path)
        if is_dataclass(tp):
            return self.build(tp, v, path)
        raise TypeError(f"no reader for {tp!r}")  # a programming error, not a file error

    def decimal(self, v: Any, path: str) -> Any:
        """A plain decimal within what the database keeps (contestapp.domain.numbers): "1e-30", "1e1000000" or
        "0.00001" are refused here, by path, rather than failing later in arithmetic or at the insert."""
        try:
            return read_decimal(v)
        except NumberError as exc:
            return self.fail(path, f"{exc.english} / {exc}")

    def date(self, v: Any, path: str) -> Any:
        if isinstance(v, date):  # YAML gives dates already parsed
            return v
        if isinstance(v, str):
            try:
                return date.fromisoformat(v)
            except ValueError:
                pass
        return self.fail(path, "must be a date YYYY-MM-DD / 须为日期 YYYY-MM-DD")


def parse_contest(data: Mapping[str, Any]) -> ContestSpec:
    """Build and validate a contest from a loaded definition; raises DefinitionError with every problem."""
    reader = _Reader()
    if isinstance(data, Mapping) and "format" in data:
        if data["format"] != FORMAT:
            reader.fail("format", f"must be {FORMAT!r} / 不支持的格式版本")
        data = {k: v for k, v in data.items() if k != "format"}
    spec = reader.build(ContestSpec, data, "")
    if reader.problems:
        raise DefinitionError(reader.problems)
    return spec


def parse_round(data: Mapping[str, Any]) -> RoundSpec:
    """Build and validate one round (its criteria and rules) without the rest of its contest: what a sheet needs
    to check marks against. Raises DefinitionError with every problem."""
    reader = _Reader()
    spec = reader.build(RoundSpec, data, "")
    if reader.problems:
        raise DefinitionError(reader.problems)
    return spec


def loads_contest(text: str) -> ContestSpec:
    """Parse a JSON definition file's text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise DefinitionError([("", f"not valid JSON: {e} / JSON 格式错误")]) from None
    return parse_contest(data)


def canonical_decimal(d: Decimal) -> str:
    """"30.00" -> "30", "0.30" -> "0.3", 1E+2 -> "100"."""
    text = format(d.normalize(), "f")
    return "0" if text == "-0" else text


def _dump(obj: Any) -> Any:
    if is_dataclass(obj):
        out: dict[str, Any] = {}
        for f in sorted(fields(obj), key=lambda f: f.name in _LAST):
            value = getattr(obj, f.name)
            if f.default is not MISSING and value == f.default:
                continue
            out[f.name] = _dump(value)
        return out
    if isinstance(obj, Decimal):
        return canonical_decimal(obj)
    if isinstance(obj, tuple):
        return [_dump(x) for x in obj]
    if isinstance(obj, date):
        return obj.isoformat()
    return obj


def dump_contest(spec: ContestSpec) -> dict[str, Any]:
    """The canonical dict of a contest (JSON-ready: strings for decimals and dates)."""
    return {"format": FORMAT, **_dump(spec)}


def dumps_contest(spec: ContestSpec) -> str:
    """The canonical file text: dumps_contest(loads_contest(text)) == text for a canonical file."""
    return json.dumps(dump_contest(spec), ensure_ascii=False, indent=2) + "\n"
