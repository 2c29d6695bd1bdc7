"""The chief judge's marks grid (issue 15 item 2): each mark, the panel value the results engine gives, the marks
the panel rule drops (struck through, "去掉" for screen readers), spread alerts in the cell linked to the sheet and
listed with links to their cells, progress per judge, entries by code only, returning a sheet from the grid."""
from __future__ import annotations

import re

from sqlalchemy import select

from contestapp.extensions import db
from tests.judging.conftest import secrets_of, signed_in
from tests.judging.grid_data import M1, OTHER, build


def _grid(app, rnd, view=""):
    """The grid as a page gets it (its alerts are in the reader's language: a request's)."""
    from contestapp.judging.console import round_grid

    with app.test_request_context():
        return round_grid(rnd, view)


def _row(grid, entry):
    return next(r for r in grid.rows if r.entry.id == entry.id)


def test_criterion_view_shows_marks_dropped_marks_and_the_engines_panel_value(app, make):
    from contestapp.results.inputs import explain

    data = build(make)
    grid = _grid(app, data["round"], "m1")
    assert grid.criterion.code == "m1" and [j.username for j in grid.judges] == sorted(M1)
    entry = data["entries"][0]
    row = _row(grid, entry)
    by_judge = {grid.judges[i].username: c for i, c in enumerate(row.cells)}
    assert {n: str(c.value) for n, c in by_judge.items()} == M1
    assert {n for n, c in by_judge.items() if c.dropped} == {"gj4", "gj5"}  # the highest and the lowest
    engine = explain(data["event"], entry).round("practical").criterion("m1")
    assert row.panel == engine.value == 21
    assert {n for n, c in by_judge.items() if c.alert} == {"gj4", "gj5"}
    assert all(c.state == "submitted" and c.sheet_id for c in row.cells)
    # the alert list: one per entry, linking to the highest mark's cell
    assert len(grid.alerts) == len(data["entries"])
    first = grid.alerts[0]
    assert first.criterion == "m1" and first.judge_id == data["judges"]["gj4"].id and "超过 3" in first.text
    assert [p.submitted for p in grid.progress] == [4] * 5 and [p.assigned for p in grid.progress] == [4] * 5


def test_round_view_shows_each_judges_total_and_the_round_score(app, make):
    from contestapp.results.inputs import explain

    data = build(make)
    grid = _grid(app, data["round"])
    assert grid.view == "" and grid.criterion is None
    entry = data["entries"][1]
    row = _row(grid, entry)
    result = explain(data["event"], entry).round("practical")
    assert row.panel == result.score
    gj1 = row.cells[0]
    # m1 + m2 + m3 + (10 - 1 x 2) + (10 - 0): the tablet's running total
    assert gj1.value == 20 + 25 + 16 + 8 + 10 and gj1.alert is None
    for i, cell in enumerate(row.cells):  # how many of the judge's marks the engine dropped (of equal marks, one)
        name = grid.judges[i].username
        assert cell.dropped == sum(any(d.judge == name for d in cr.dropped) for cr in result.criteria)
    gj4 = row.cells[3]
    assert gj4.dropped >= 1 and "评分差" in gj4.alert
    assert _grid(app, data["round"], "nonsense").view == ""  # an unknown criterion is the round view


def test_unsubmitted_sheets_show_their_state_and_no_mark(app, make):

    data = build(make, submit=lambda i, judge: not (i == 0 and judge == "gj2"))
    grid = _grid(app, data["round"], "m1")
    row = _row(grid, data["entries"][0])
    cell = row.cells[1]
    assert cell.state == "draft" and cell.value is None
    # four marks left: the rule needs five, so its fallback (the mean) applies, as in the results
    assert row.panel == 22 and not any(c.dropped for c in row.cells)
    assert grid.progress[1].submitted == 3 and grid.progress[1].assigned == 4
    total = _grid(app, data["round"])
    assert _row(total, data["entries"][0]).panel is not None


def test_grid_page_strikes_dropped_marks_links_alerts_and_names_no_one(app, make):
    data = build(make)
    cid, rid = data["contest"].id, data["round"].id
    chief = signed_in(app, "chief1")
    page = chief.get(f"/contests/{cid}/judging/rounds/{rid}?view=m1").get_data(as_text=True)
    entry = data["entries"][0]
    gj4 = data["judges"]["gj4"]
    cell = re.search(rf'<td id="c-{entry.id}-{gj4.id}"[^>]*>(.*?)</td>', page, re.S)
    assert cell and "grid-alert" in page[cell.start():cell.start() + 200]
    assert "<s>28</s>" in cell.group(1) and '<span class="sr-only">去掉</span>' in cell.group(1)
    sheet_id = db.session.scalar(select_sheet(entry.id, gj4.id))
    assert f"/contests/{cid}/judging/sheets/{sheet_id}" in cell.group(1)
    assert f'view=m1#c-{entry.id}-{gj4.id}"' in page  # the alert list links to the cell
    assert "评分差预警（4）" in page and "已提交 4/4" in page and "<b>21</b>" in page
    for secret in secrets_of(data["contest"]):
        assert secret not in page
    total = chief.get(f"/contests/{cid}/judging/rounds/{rid}").get_data(as_text=True)
    assert "本轮得分" in total and "去掉 1 项" in total


def select_sheet(entry_id, judge_id):
    from contestapp.judging.models import ScoreSheet

    return select(ScoreSheet.id).where(ScoreSheet.entry_id == entry_id, ScoreSheet.judge_id == judge_id)


def test_return_from_the_grid_comes_back_to_the_same_view(app, make):
    from contestapp.judging.models import ScoreSheet

    data = build(make)
    cid, rid = data["contest"].id, data["round"].id
    entry, judge = data["entries"][0], data["judges"]["gj1"]
    sheet_id = db.session.scalar(select_sheet(entry.id, judge.id))
    chief = signed_in(app, "chief1")
    page = chief.get(f"/contests/{cid}/judging/rounds/{rid}?view=m1").get_data(as_text=True)
    assert f'data-return="/contests/{cid}/judging/sheets/{sheet_id}/return"' in page
    r = chief.post(f"/contests/{cid}/judging/sheets/{sheet_id}/return", data={"r-reason": "模块一分数偏低，请复核",
                                                                             "view": "m1"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/judging/rounds/{rid}?view=m1#grid")
    assert db.session.get(ScoreSheet, sheet_id).status == "returned"
    page = chief.get(f"/contests/{cid}/judging/rounds/{rid}?view=m1").get_data(as_text=True)
    assert "已提交 3/4" in page
    # the organiser sees the grid but cannot return
    org = signed_in(app, "org1").get(f"/contests/{cid}/judging/rounds/{rid}").get_data(as_text=True)
    assert "data-return" not in org and "本轮得分" in org


def test_console_shows_each_rounds_progress(app, make):
    data = build(make, submit=lambda i, judge: i != 0)
    page = signed_in(app, "chief1").get(f"/contests/{data['contest'].id}/judging/").get_data(as_text=True)
    assert 'class="round-progress" max="20" value="15"' in page


def test_an_unrounded_panel_value_is_shown_as_explanations_show_it():
    from decimal import Decimal

    from contestapp.judging.grid import Row

    assert Row(None, "101", [], Decimal("27.66666666666666666666666667")).panel_text == "27.6667"
    assert Row(None, "101", [], Decimal("20.8")).panel_text == "20.8" and Row(None, "101", []).panel_text == ""
