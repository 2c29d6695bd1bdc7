"""The assignment picker of the judging setup page (issue 15 item 1): judges x criteria checkboxes per round, with
"本轮全部评分项"; saved through `assignments.assign` (the checks of every other way of assigning); a refused picker
comes back as it was sent, with a Chinese message, and changes nothing."""
from __future__ import annotations

import re

from sqlalchemy import select

from contestapp.extensions import db
from tests.judging.conftest import signed_in

SCORED = ["m1", "m2", "m3", "safety", "craft"]  # 电工·实际操作's scored criteria (time is not scored)


def _assignments(rnd):
    from contestapp.judging.models import Assignment

    db.session.expire_all()
    return {a.judge.username: a.criteria for a in db.session.scalars(select(Assignment).where(
        Assignment.round_id == rnd.id))}


def _ticked(html: str, round_id: int) -> set[tuple[str, str]]:
    section = html[html.index(f'id="round-{round_id}"'):]
    section = section[:section.index("</details>")]
    return set(re.findall(r'<input type="checkbox" name="(j\d+)" value="([^"]+)"[^>]*checked', section))


def test_the_picker_shows_and_saves_judges_criteria(app, jw):
    cid, rnd = jw["contest"].id, jw["round"]
    j1, j2, j3 = jw["j1"], jw["j2"], jw["j3"]
    org = signed_in(app, "org1")
    page = org.get(f"/contests/{cid}/judging/setup").get_data(as_text=True)
    assert (f"j{j1.id}", "*") in _ticked(page, rnd.id) and (f"j{j1.id}", "m1") in _ticked(page, rnd.id)
    assert "本轮全部评分项" in page and "评分项代码" not in page  # no comma-separated codes any more
    r = org.post(f"/contests/{cid}/judging/rounds/{rnd.id}/assignment-picker", data={
        f"j{j1.id}": "*", f"j{j2.id}": ["m1", "m2"], f"j{j3.id}": ["m3", "safety", "craft", "time"]})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/judging/setup#round-{rnd.id}")
    assert _assignments(rnd) == {"judge1": None, "judge2": ["m1", "m2"], "judge3": ["m3", "safety", "craft", "time"]}
    page = org.get(f"/contests/{cid}/judging/setup").get_data(as_text=True)
    assert "已保存 电工·实际操作 的裁判分工" in page
    ticks = _ticked(page, rnd.id)
    assert (f"j{j2.id}", "m1") in ticks and (f"j{j2.id}", "m3") not in ticks and (f"j{j2.id}", "*") not in ticks
    # a judge left out is taken off the round
    r = org.post(f"/contests/{cid}/judging/rounds/{rnd.id}/assignment-picker",
                 data={f"j{j1.id}": "*", f"j{j2.id}": SCORED})
    assert r.status_code == 302 and set(_assignments(rnd)) == {"judge1", "judge2"}


def test_a_criterion_no_judge_scores_is_refused_and_the_ticks_are_kept(app, jw):
    cid, rnd = jw["contest"].id, jw["round"]
    j1, j2 = jw["j1"], jw["j2"]
    org = signed_in(app, "org1")
    r = org.post(f"/contests/{cid}/judging/rounds/{rnd.id}/assignment-picker",
                 data={f"j{j1.id}": ["m1", "craft"], f"j{j2.id}": "m2"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "评分项「模块三：故障检修（每排除一处得4分）」「安全文明生产（每处违规扣2分，扣完为止）」没有裁判评分" in page
    assert _ticked(page, rnd.id) == {(f"j{j1.id}", "m1"), (f"j{j1.id}", "craft"), (f"j{j2.id}", "m2")}
    assert _assignments(rnd) == {"judge1": None, "judge2": None, "judge3": None}  # nothing changed


def test_unknown_criteria_are_refused_by_the_assignment_service(app, jw):
    cid, rnd = jw["contest"].id, jw["round"]
    org = signed_in(app, "org1")
    r = org.post(f"/contests/{cid}/judging/rounds/{rnd.id}/assignment-picker",
                 data={f"j{jw['j1'].id}": "*", f"j{jw['j2'].id}": "nonsense"})
    assert r.status_code == 422 and "实际操作 中没有所选评分项" in r.get_data(as_text=True)
    assert _assignments(rnd) == {"judge1": None, "judge2": None, "judge3": None}
    theory = next(x for x in jw["event"].rounds if x.code == "theory")
    r = org.post(f"/contests/{cid}/judging/rounds/{theory.id}/assignment-picker", data={f"j{jw['j3'].id}": "paper"})
    assert r.status_code == 302 and _assignments(theory) == {"judge3": ["paper"]}
    # the picker is the organiser's, like the page it is on
    chief = signed_in(app, "chief1")
    assert chief.post(f"/contests/{cid}/judging/rounds/{rnd.id}/assignment-picker",
                      data={f"j{jw['j1'].id}": "*"}).status_code == 403


def test_a_judge_with_marks_cannot_be_taken_off_the_round(app, make):
    from tests.judging.grid_data import build

    data = build(make, entrants=2)
    rnd, judges = data["round"], data["judges"]
    org = signed_in(app, "org1")
    r = org.post(f"/contests/{data['contest'].id}/judging/rounds/{rnd.id}/assignment-picker",
                 data={f"j{judges[n].id}": "*" for n in ("gj1", "gj2", "gj3", "gj4")})
    assert r.status_code == 422 and "该裁判已在本轮评分，不能取消分配" in r.get_data(as_text=True)
    assert len(_assignments(rnd)) == 5
