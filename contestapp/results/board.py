"""The public big screen (大屏) for the ceremony wall, and the sheet progress it shares with the analytics page.

Two phases, read from the event's state:
- live (before decryption): progress per judged round (sheets submitted of assigned, confirmed or not), the results of
  each round the chief judge has confirmed, and the current ranking -- entrants by their drawn code only, never a
  name or a unit;
- final (after decryption): the ranking with names and units when the organiser allows names on public pages, and the
  awards once the results are final.
The page renders the first screen itself and then refreshes from `data.json` (ETag: an unchanged board costs a 304);
static/js/board.js pages through the rows by itself.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import func, select

from contestapp.auth.permissions import public
from contestapp.awards.services import official_awards
from contestapp.contests.models import Event
from contestapp.extensions import db
from contestapp.judging.models import VOID_STATUS, RoundConfirmation, ScoreSheet, SheetStatus
from contestapp.results import aggregate, engine, services

board_bp = Blueprint("board", __name__, url_prefix="/board")

TOP_PER_ROUND = 10  # a confirmed round's best results shown on the live screen


def sheet_counts(event: Event) -> dict[tuple[int, int], dict[str, int]]:
    """(round id, judge id) -> {"submitted": n, "total": n} over the event's sheets (void sheets not counted): read
    from the index on (round, judge, status) alone."""
    rows = db.session.execute(
        select(ScoreSheet.round_id, ScoreSheet.judge_id, ScoreSheet.status, func.count())
        .where(ScoreSheet.round_id.in_([r.id for r in event.rounds] or [0]), ScoreSheet.status != VOID_STATUS)
        .group_by(ScoreSheet.round_id, ScoreSheet.judge_id, ScoreSheet.status)).all()
    out: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: {"submitted": 0, "total": 0})
    for round_id, judge_id, status, n in rows:
        cell = out[(round_id, judge_id)]
        cell["total"] += n
        if status == SheetStatus.SUBMITTED:
            cell["submitted"] += n
    return dict(out)


def round_progress(event: Event) -> list[dict[str, Any]]:
    """Per round that has sheets: code, name, sheets submitted and assigned, confirmed (and when)."""
    counts = sheet_counts(event)
    confirmed = dict(db.session.execute(select(RoundConfirmation.round_id, RoundConfirmation.confirmed_at).where(
        RoundConfirmation.round_id.in_([r.id for r in event.rounds] or [0]))).all())
    out = []
    for rnd in event.rounds:
        cells = [c for (round_id, _), c in counts.items() if round_id == rnd.id]
        if not cells:
            continue
        when = confirmed.get(rnd.id)
        out.append({"round": rnd.code, "name": rnd.name, "submitted": sum(c["submitted"] for c in cells),
                    "total": sum(c["total"] for c in cells), "confirmed": when is not None,
                    "confirmed_at": when.isoformat() if when else None})
    return out


def _round_results(current: engine.Ranking, progress: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The best results of each confirmed round, newest confirmation first, entrants by code."""
    out = []
    for rnd in sorted((p for p in progress if p["confirmed"]), key=lambda p: p["confirmed_at"], reverse=True):
        scored = []
        for entry_id, result in current.results.items():
            found = None if isinstance(result, str) else result.round(rnd["round"])
            if found is not None and not found.vetoed:
                scored.append((found.score, current.entries[entry_id].label))
        scored.sort(key=lambda s: (-s[0], s[1]))
        out.append({"round": rnd["round"], "name": rnd["name"],
                    "rows": [{"label": label, "score": str(score)} for score, label in scored[:TOP_PER_ROUND]]})
    return out


def board_payload(event: Event) -> dict[str, Any]:
    """What the big screen shows, as JSON-ready data (the page and data.json serve the same)."""
    state = services.state_of(event, create=False)
    decrypted = services.is_decrypted(event)
    names = services.shows_names(event, state)
    current = engine.ranking(event)
    awards = official_awards(event) if decrypted else {}
    rows = []
    for r, info in current.rows():
        if r.vetoed:
            continue
        rows.append({"rank": r.rank, "label": (info.name or info.label) if names else info.label,
                     "unit": info.unit if names else "", "total": str(r.total), "award": awards.get(info.id, "")})
    progress = round_progress(event)
    return {"event": event.name, "contest": event.contest.name, "version": str(aggregate.event_version(event.id)),
            "phase": "final" if decrypted else "live", "names": names, "progress": progress,
            "rounds": [] if decrypted else _round_results(current, progress), "rows": rows}


def _board_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    state = services.state_of(event, create=False)
    if not state.board_enabled:
        abort(404)
    return event


def _page_seconds() -> int:
    """Seconds a page stays up: ?page=N (2-120), else 12."""
    asked = request.args.get("page", type=int)
    return 12 if asked is None else max(2, min(120, asked))


@board_bp.route("/<int:event_id>")
@public
def board(event_id: int):
    event = _board_event(event_id)
    return render_template("results/board.html", event=event, data=board_payload(event), page_seconds=_page_seconds())


@board_bp.route("/<int:event_id>/data.json")
@public
def board_data(event_id: int):
    event = _board_event(event_id)
    body = json.dumps(board_payload(event), ensure_ascii=False, separators=(",", ":"))
    etag = '"' + hashlib.blake2b(body.encode(), digest_size=12).hexdigest() + '"'  # same data, same tag, any worker
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers={"ETag": etag})
    response = Response(body, mimetype="application/json")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return response
