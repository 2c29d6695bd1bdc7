"""Merit charts: scores per unit over the published periods and where points were lost (deductions by item).

Two renderings of `merit.standings.chart_data`: server-side inline SVG (`line_chart`, `bar_chart`: no JavaScript, the
merit pages' printable view), and the interactive page of this module's blueprint, whose tables are rendered from the
same dict that its `data.json` serves and static/js/charts.js draws with ECharts.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from contestapp.auth.permissions import ARBITRATOR, CHIEF_JUDGE, JUDGE, ORGANISER, contest_access, get_or_404
from contestapp.contests.models import Contest, Event
from contestapp.merit.standings import chart_data

bp = Blueprint("merit_charts", __name__, url_prefix="/contests/<int:contest_id>/merit/trends")
VIEWERS = (ORGANISER, CHIEF_JUDGE, JUDGE, ARBITRATOR)  # as the merit pages

PALETTE = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#c2185b", "#455a64",
           "#9e9d24"]


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def line_chart(labels: list[str], series: dict[str, list], width: int = 720, height: int = 300) -> Markup:
    """One line per entrant over the periods; gaps where a period has no score."""
    values = [v for vs in series.values() for v in vs if v is not None]
    if not labels or not values:
        return Markup('<p class="muted">%s</p>') % _("尚无已通报的考评期")
    lo, hi = min(min(values), Decimal(0)), max(max(values), Decimal(100))
    left, right, top, bottom = 44, 160, 14, 36
    w, h = width - left - right, height - top - bottom
    x = lambda i: left + (w * i / max(len(labels) - 1, 1))  # noqa: E731
    y = lambda v: top + h - float((v - lo) / (hi - lo or 1)) * h  # noqa: E731
    title = _attr(_("各期得分走势"))
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg" font-size="11">']
    for t in range(5):
        v = lo + (hi - lo) * t / 4
        parts.append(f'<line x1="{left}" x2="{left + w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{float(v):.0f}</text>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 12}" text-anchor="middle">{escape(label)}</text>')
    for n, (name, vs) in enumerate(series.items()):
        color = PALETTE[n % len(PALETTE)]
        points = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None]
        if len(points) > 1:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
                         + " ".join(f"{a:.1f},{b:.1f}" for a, b in points) + '"/>')
        for (a, b), v in zip(points, [v for v in vs if v is not None]):
            parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{color}"><title>{escape(name)} '
                         f'{v}</title></circle>')
        parts.append(f'<rect x="{left + w + 12}" y="{top + n * 16}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{left + w + 26}" y="{top + n * 16 + 9}">{escape(name[:12])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(items: list[tuple[str, Decimal]], width: int = 520) -> Markup:
    """Horizontal bars: points lost per indicator."""
    if not items:
        return Markup('<p class="muted">%s</p>') % _("未失分")
    top_value = max(v for _, v in items) or Decimal(1)
    row, label_w = 22, 170
    height = row * len(items) + 6
    title = _attr(_("失分分布"))
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg" font-size="11">']
    for i, (label, v) in enumerate(items):
        bw = float(v / top_value) * (width - label_w - 50)
        yy = i * row + 3
        parts.append(f'<text x="{label_w - 6}" y="{yy + 13}" text-anchor="end">{escape(label[:16])}</text>'
                     f'<rect x="{label_w}" y="{yy}" width="{bw:.1f}" height="16" fill="#b71c1c"/>'
                     f'<text x="{label_w + bw + 4:.1f}" y="{yy + 13}">{v}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# --- the interactive page (ECharts) --------------------------------------------------------------------------------

def _float(value) -> float | None:
    return None if value is None else float(value)


def trends_data(contest: Contest, event: Event) -> dict[str, Any]:
    """Scores per unit over the published periods, and points lost per item summed over units and periods (largest
    first), with each unit's own losses."""
    data = chart_data(contest, event)
    totals: dict[str, Decimal] = {}
    for items in data["lost"].values():
        for name, points in items:
            totals[name] = totals.get(name, Decimal(0)) + Decimal(points)
    return {"event": event.name, "trends": {"periods": data["periods"], "units": [
                {"name": name, "scores": [_float(v) for v in values]} for name, values in data["series"].items()]},
            "losses": {"items": [{"name": n, "points": float(v)}
                                 for n, v in sorted(totals.items(), key=lambda kv: -kv[1])],
                       "by_unit": {unit: [{"name": n, "points": float(v)} for n, v in items]
                                   for unit, items in data["lost"].items()}}}


def _event(contest: Contest, event_id: int) -> Event:
    return get_or_404(Event, event_id, contest_id=contest.id)


@bp.route("/")
@contest_access(*VIEWERS)
def index(contest: Contest):
    if not contest.events:
        return redirect(url_for("merit.index", contest_id=contest.id))
    return redirect(url_for(".event", contest_id=contest.id, event_id=contest.events[0].id))


@bp.route("/events/<int:event_id>")
@contest_access(*VIEWERS)
def event(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    return render_template("results/analytics_merit.html", contest=contest, event=event,
                           data=trends_data(contest, event))


@bp.route("/events/<int:event_id>/data.json")
@contest_access(*VIEWERS)
def data(contest: Contest, event_id: int):
    return jsonify(trends_data(contest, _event(contest, event_id)))
