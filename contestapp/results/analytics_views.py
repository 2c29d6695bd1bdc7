"""The chief judge's and organiser's judge-consistency analytics during the contest (评分一致性分析), with the score
distribution and the marking progress of an event.

The figures are `domain.analytics` over the submitted marks as the panel rule treated them (the explanations'
engine, `results.inputs`). The page renders its tables from the same dict that `data.json` serves and that
static/js/charts.js draws. Entrants appear by their drawn code; until the event is decrypted a unit appears as an
alias (单位A, 单位B, ...) so that a flag says "this judge's marks track one unit" without naming it. Judges appear by
name: this page is only for the organiser and the chief judge, who assigned them.
"""
from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from decimal import Decimal
from typing import Any, Optional

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from contestapp.auth.models import User
from contestapp.auth.permissions import CHIEF_JUDGE, ORGANISER, contest_access, get_or_404
from contestapp.common.nav import Tab, add_tab
from contestapp.contests.definition import DefinitionFileError
from contestapp.contests.models import Contest, Event
from contestapp.domain import ScoringError
from contestapp.domain.analytics import judge_consistency, observe, z_scores
from contestapp.extensions import db
from contestapp.results import engine, services
from contestapp.results.aggregate import entries as entry_infos
from contestapp.results.board import sheet_counts

bp = Blueprint("analytics", __name__, url_prefix="/contests/<int:contest_id>/analytics")
ROLES = (ORGANISER, CHIEF_JUDGE)
ANALYSED_KINDS = ("judgement", "measurement")  # marks on a points scale; counts, bonuses, times and vetoes are not

add_tab(Tab("analytics", "评分分析", "analytics.index", ROLES, order=32))


def _num(value: Optional[Decimal]) -> Optional[float]:
    return None if value is None else float(value)


def _unit_aliases(event: Event, units: set[str]) -> dict[str, str]:
    """Unit name -> 单位A, 单位B, ... in an order that does not follow the names (nor the roster)."""
    def key(name: str) -> str:
        return hashlib.blake2b(f"{event.id}:{name}".encode(), digest_size=8).hexdigest()

    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return {name: _("单位%(letter)s", letter=letters[i % 26] + (str(i // 26) if i >= 26 else ""))
            for i, name in enumerate(sorted(units, key=key))}


def _observations(event: Event):
    """Every (entry, criterion) with two or more judges' marks, as the panel rule treated them."""
    spec = engine.event_spec(event)
    infos = entry_infos(event.id)[0]
    out = []
    for entry_id, result in engine.explain_all(event, spec).items():
        info = infos.get(entry_id)
        if isinstance(result, str) or info is None or not result.rounds:
            continue  # not scored yet, or a team whose members were scored
        for rr in result.rounds:
            rspec = spec.round(rr.round)
            crits = {c.code: c for c in rspec.criteria}
            for cr in rr.criteria:
                cs = crits.get(cr.code)
                if cs is None or cs.kind not in ANALYSED_KINDS:
                    continue
                rule = cs.panel_for(rspec.panel)
                drop_low = rule.drop_low if rule.aggregate == "trimmed" else 0
                o = observe(cr, info.label, info.unit or None, cs.max - cs.min, drop_low)
                if o is not None:
                    out.append(o)
    return out, infos


def _histogram(totals: list[Decimal]) -> dict[str, Any]:
    """Totals in at most 12 bins of a round width (1, 2, 5, 10, 20, ... points)."""
    if not totals:
        return {"bins": [], "counts": []}
    low, high = math.floor(min(totals)), math.ceil(max(totals))
    width = next((w for w in (1, 2, 5, 10, 20, 50, 100, 200, 500) if (high - low) / w <= 12), 1000)
    bins, counts = [], []
    edge = low - low % width
    while edge <= high:
        bins.append(f"{edge}–{edge + width}")
        counts.append(sum(1 for t in totals if edge <= t < edge + width))
        edge += width
    return {"bins": bins, "counts": counts}


def analytics_data(event: Event, z: bool = False) -> dict[str, Any]:
    """What the analytics page shows and data.json serves."""
    decrypted = services.is_decrypted(event)
    observations, infos = _observations(event)
    report = judge_consistency(observations)
    names = dict(db.session.execute(select(User.username, User.display_name).where(
        User.username.in_([j.judge for j in report.judges] or [""]))).all())
    units = {f.unit for f in report.flags}
    alias = {u: u for u in units} if decrypted else _unit_aliases(event, {i.unit for i in infos.values() if i.unit})
    judges = [{
        "judge": j.judge, "name": names.get(j.judge, j.judge), "marks": j.marks,
        "mean_deviation": _num(j.mean_deviation), "mean_abs_deviation": _num(j.mean_abs_deviation),
        "spread": _num(j.spread), "mean_deviation_points": _num(j.mean_deviation_points),
        "dropped_high": j.dropped_high, "dropped_low": j.dropped_low,
        "dropped_high_rate": _num(j.dropped_high_rate), "dropped_low_rate": _num(j.dropped_low_rate),
        "correlation": _num(j.correlation),
        "flags": [{"unit": alias.get(f.unit, f.unit), "entries": f.entries, "difference": _num(f.difference),
                   "t": _num(f.t), "favours": f.favours} for f in j.flags],
    } for j in report.judges]
    totals = [r.total for r in engine.ranking(event).ranked if not r.vetoed]
    counts = sheet_counts(event)
    judge_names = dict(db.session.execute(select(User.id, User.display_name).where(
        User.id.in_({j for _, j in counts} or {0}))).all())
    progress = []
    for rnd in event.rounds:
        cells = sorted(((judge_names.get(j, str(j)), c) for (r, j), c in counts.items() if r == rnd.id),
                       key=lambda nc: nc[0])
        if cells:
            progress.append({"round": rnd.code, "name": rnd.name,
                             "judges": [{"name": n, **c} for n, c in cells]})
    data: dict[str, Any] = {"event": event.name, "decrypted": decrypted, "observations": report.observations,
                            "judges": judges, "distribution": _histogram(totals), "progress": progress}
    if z:
        per: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
        for (judge, entry, _criterion), value in z_scores(observations).items():
            if value is not None:
                per[(judge, entry)].append(value)
        entries = sorted({e for _, e in per})
        order = [j["judge"] for j in judges]
        data["z"] = {"judges": [names.get(j, j) for j in order], "entries": entries,
                     "cells": [[order.index(j), entries.index(e), round(float(sum(v) / len(v)), 2)]
                               for (j, e), v in sorted(per.items())]}
    return data


def _event(contest: Contest, event_id: int) -> Event:
    return get_or_404(Event, event_id, contest_id=contest.id)


@bp.route("/")
@contest_access(*ROLES)
def index(contest: Contest):
    if len(contest.events) == 1:
        return redirect(url_for(".event", contest_id=contest.id, event_id=contest.events[0].id))
    return render_template("results/analytics_index.html", contest=contest)


def _data_or_why(event: Event, z: bool) -> tuple[dict[str, Any], Optional[str]]:
    """The figures, or empty ones and why (a definition that cannot be scored: a message, not a 500)."""
    try:
        return analytics_data(event, z), None
    except (DefinitionFileError, ScoringError) as exc:
        empty = {"event": event.name, "decrypted": services.is_decrypted(event), "observations": 0, "judges": [],
                 "distribution": {"bins": [], "counts": []}, "progress": []}
        return empty, _("无法计算成绩：%(why)s", why=tr(exc))


@bp.route("/events/<int:event_id>")
@contest_access(*ROLES)
def event(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    z = request.args.get("z") == "1"
    data, why = _data_or_why(event, z)
    if why:
        flash(why, "error")
    return render_template("results/analytics.html", contest=contest, event=event, data=data, z=z)


@bp.route("/events/<int:event_id>/data.json")
@contest_access(*ROLES)
def data(contest: Contest, event_id: int):
    data, why = _data_or_why(_event(contest, event_id), request.args.get("z") == "1")
    return jsonify({**data, "error": why}) if why else jsonify(data)
