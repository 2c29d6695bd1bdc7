"""Contest definition files (JSON or YAML) <-> the database.

The format itself, its validation and its canonical form belong to the pure domain (`domain/definition.py`); this
module only reads files and maps the validated dictionary onto rows. Each level keeps the keys the database needs as
columns and the rest verbatim in its `rules` JSON, so a definition dumps back exactly as it was loaded.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contestapp.audit.service import record
from contestapp.common.db import plain
from contestapp.contests.errors import SetupError
from contestapp.contests.finality import ensure_open
from contestapp.contests.models import Contest, Criterion, Event, Round
from contestapp.contests.signals import messages, template_loaded
from contestapp.domain.definition import DefinitionError, dumps_contest, parse_contest, parse_round
from contestapp.domain.types import ContestSpec, RoundSpec
from contestapp.extensions import db

CONTEST_COLUMNS = ("code", "name", "kind", "year")
EVENT_COLUMNS = ("code", "name", "mode")
ROUND_COLUMNS = ("code", "name", "weight")
CRITERION_COLUMNS = ("code", "name", "kind", "max", "min", "step")


class DefinitionFileError(ValueError):
    """The file cannot be used; `problems` lists (path, message) pairs for the user."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


def read_definition(content: bytes | str, filename: str = "") -> dict[str, Any]:
    """Parse JSON (or YAML for .yml/.yaml files) into a dictionary; refuse anything else with a clear message."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DefinitionFileError([("", "文件须为 UTF-8 编码的 JSON 或 YAML")]) from None
    try:
        if filename.lower().endswith((".yml", ".yaml")):
            data = yaml.safe_load(content)
        else:
            data = json.loads(content)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise DefinitionFileError([("", f"文件格式错误：{exc}")]) from None
    if not isinstance(data, dict):
        raise DefinitionFileError([("", "文件顶层须为一个对象（竞赛定义）")])
    return data


def validate(data: dict[str, Any]) -> ContestSpec:
    try:
        return parse_contest(data)
    except DefinitionError as exc:
        raise DefinitionFileError(list(exc.problems)) from None


def canonical(data: dict[str, Any]) -> str:
    """The canonical text of a definition (what `flask contest dump` writes)."""
    return dumps_contest(validate(data))


def _split(data: dict[str, Any], columns: tuple[str, ...], nested: str | None) -> tuple[dict, dict]:
    cols = {k: data[k] for k in columns if k in data}
    rest = {k: v for k, v in data.items() if k not in columns and k != nested}
    return cols, rest


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def create_contest(data: dict[str, Any], organisation, actor) -> Contest:
    """Create a contest from a definition dictionary (validated as a whole first: nothing is half-created)."""
    spec = validate(data)
    if db.session.scalar(select(Contest.id).where(Contest.code == spec.code)) is not None:
        raise DefinitionFileError([("code", f"竞赛代码 {spec.code} 已存在；请修改代码后再导入")])
    contest = Contest(organisation=organisation)
    apply_definition(contest, data)
    db.session.add(contest)
    db.session.flush()
    record(actor, "contest.create", contest, contest_id=contest.id, summary=f"导入竞赛定义 {contest.name}")
    return contest


def load_template(data: dict[str, Any], organisation, actor, start: date) -> tuple[Contest, list[str]]:
    """Create a contest from a definition used as a template (the console's import, `flask contest load`): the
    areas that date a kind of contest (a merit contest's periods) date it from `start`, the day it is used from.
    Returns the contest and what they did, for the user. An area that refuses to date it (its own error, a Chinese
    message) refuses the import as a `SetupError` with that message."""
    contest = create_contest(data, organisation, actor)
    try:
        return contest, messages(template_loaded.send(contest, start=start, actor=actor))
    except (DefinitionFileError, SetupError):
        raise
    except ValueError as exc:  # the areas above raise their own refusals, which this area cannot name
        raise SetupError(exc.args[0] if exc.args else str(exc)) from exc


def apply_definition(contest: Contest, data: dict[str, Any]) -> None:
    """Replace a contest's structure with the definition (only before any entries exist; the caller checks)."""
    ensure_open(*contest.events)
    cols, rest = _split(data, CONTEST_COLUMNS, "events")
    contest.code, contest.name, contest.kind = cols["code"], cols["name"], cols["kind"]
    contest.year = cols.get("year")
    contest.rules = rest
    if rest.get("date"):
        contest.starts_on = date.fromisoformat(str(rest["date"]))
    contest.events.clear()
    for ei, event_data in enumerate(data.get("events", [])):
        ecols, erest = _split(event_data, EVENT_COLUMNS, "rounds")
        event = Event(code=ecols["code"], name=ecols["name"], mode=ecols.get("mode", "individual"), order=ei,
                      rules=erest)
        for ri, round_data in enumerate(event_data.get("rounds", [])):
            rcols, rrest = _split(round_data, ROUND_COLUMNS, "criteria")
            rnd = Round(code=rcols["code"], name=rcols["name"], weight=_dec(rcols.get("weight", 1)), order=ri,
                        rules=rrest)
            for ci, crit_data in enumerate(round_data.get("criteria", [])):
                ccols, crest = _split(crit_data, CRITERION_COLUMNS, None)
                rnd.criteria.append(Criterion(
                    code=ccols["code"], name=ccols["name"], kind=ccols.get("kind", "judgement"),
                    max=_dec(ccols.get("max", 100)), min=_dec(ccols.get("min", 0)), step=_dec(ccols.get("step")),
                    order=ci, rules=crest))
            event.rounds.append(rnd)
        contest.events.append(event)


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(plain(value))


def definition_of(contest: Contest) -> dict[str, Any]:
    """Reassemble the definition dictionary from the rows (loads every level eagerly: one query each)."""
    db.session.execute(
        select(Event).where(Event.contest_id == contest.id)
        .options(selectinload(Event.rounds).selectinload(Round.criteria))
    ).scalars().all()
    data: dict[str, Any] = {"code": contest.code, "name": contest.name, "kind": contest.kind}
    if contest.year is not None:
        data["year"] = contest.year
    data.update(contest.rules or {})
    events = []
    for event in contest.events:
        e = {"code": event.code, "name": event.name, "mode": event.mode, **(event.rules or {})}
        e["rounds"] = [_round_data(rnd) for rnd in event.rounds]
        events.append(e)
    data["events"] = events
    return data


def _round_data(rnd: Round) -> dict[str, Any]:
    r = {"code": rnd.code, "name": rnd.name, "weight": _num(rnd.weight), **(rnd.rules or {})}
    r["criteria"] = [
        {k: v for k, v in {"code": c.code, "name": c.name, "kind": c.kind, "max": _num(c.max),
                           "min": _num(c.min), "step": _num(c.step), **(c.rules or {})}.items()
         if v is not None}
        for c in rnd.criteria
    ]
    return r


def spec_of(contest: Contest) -> ContestSpec:
    return validate(definition_of(contest))


def round_spec_of(rnd: Round) -> RoundSpec:
    """One round's spec, read and checked alone (its criteria, panel and rules): a sheet's marks are checked
    against it without reading and validating the whole contest (a year of weekly periods is 53 rounds)."""
    try:
        return parse_round(_round_data(rnd))
    except DefinitionError as exc:
        raise DefinitionFileError([(f"{rnd.code}.{p}" if p else rnd.code, m) for p, m in exc.problems]) from None


def problems_of(contest: Contest) -> list[tuple[str, str]]:
    """What is wrong with a contest's definition as it stands (shown on the console, blocks scoring)."""
    try:
        spec_of(contest)
    except DefinitionFileError as exc:
        return exc.problems
    return []
