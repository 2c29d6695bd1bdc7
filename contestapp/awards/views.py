"""Award list (获奖名单) of the official results: console, Excel, and the PDF publicity sheet (获奖名单公示)."""
from __future__ import annotations

from flask import Blueprint, render_template

from contestapp.auth.permissions import ARBITRATOR, CHIEF_JUDGE, ORGANISER, contest_access, get_or_404
from contestapp.awards.services import current_grants
from contestapp.common.nav import Tab, add_tab
from contestapp.contests.models import Contest, Event
from contestapp.results import exports
from contestapp.results.views import _download

bp = Blueprint("awards", __name__, url_prefix="/contests/<int:contest_id>/awards")
VIEWERS = (ORGANISER, CHIEF_JUDGE, ARBITRATOR)
add_tab(Tab("awards", "获奖名单", "awards.index", VIEWERS, order=65))

HEADER = ["名次", "编号", "姓名", "单位", "总成绩", "奖项", "称号"]


def _rows(event: Event):
    snap, grants = current_grants(event)
    return snap, [[g.rank, g.code or g.number, g.name, g.unit, g.total, g.award or "", "、".join(g.titles)]
                  for g in grants]


def publicity_pdf(contest_name: str, event_name: str, rows, footer: str) -> bytes:
    """获奖名单公示: every column, 称号 included, as wide as its content allows; long names and titles wrap."""
    return exports.pdf_table(f"{contest_name}获奖名单公示", event_name, HEADER, rows, footer=footer)


@bp.route("/")
@contest_access(*VIEWERS)
def index(contest: Contest):
    events = [(event, *current_grants(event)) for event in contest.events]
    return render_template("awards/index.html", contest=contest, events=events)


@bp.route("/events/<int:event_id>/awards.xlsx")
@contest_access(*VIEWERS)
def xlsx(contest: Contest, event_id: int):
    event = get_or_404(Event, event_id, contest_id=contest.id)
    snap, rows = _rows(event)
    return _download(exports.to_xlsx([(event.name, HEADER, rows)]), f"{contest.name}-{event.name}-获奖名单.xlsx", "xlsx")


@bp.route("/events/<int:event_id>/awards.pdf")
@contest_access(*VIEWERS)
def pdf(contest: Contest, event_id: int):
    event = get_or_404(Event, event_id, contest_id=contest.id)
    snap, rows = _rows(event)
    footer = f"成绩版本 {snap.number}" if snap else "尚无最终成绩"
    content = publicity_pdf(contest.name, event.name, rows, footer)
    return _download(content, f"{contest.name}-{event.name}-获奖名单公示.pdf", "pdf")
