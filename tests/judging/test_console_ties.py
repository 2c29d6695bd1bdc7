"""The chief judge's console, tie section: ties of a team event ranked on its members' results (sum_members) are
listed and can be decided; a decision the results have outgrown (stale) is reported so the chief judge decides
again; entries are named by the codes judges see (the second-level code when drawn), never by their numbers."""
from __future__ import annotations

import json
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import select

from contestapp.extensions import db
from tests.judging.conftest import signed_in

ROOT = Path(__file__).resolve().parents[2]
JUDGES = ("cj1", "cj2", "cj3")
WARNING = "裁判长裁定已失效：并列名次已变化，请重新裁定"
PENDING = "不可并列名次出现无法打破的并列："

# a member's practical marks, the same from each judge: (j1, j2, m1, seconds);
# practical = 0.3 x j1 + 0.4 x j2 + 0.3 x m1 (team-skills.json), a team's result the sum of its members'
HIGH = (3, 3, 3, 600)    # 3.00
MID = (2, 2, 2, 600)     # 2.00
SHORT = (3, 3, 0, 600)   # 2.10; with m1 = 3 (an appeal) 3.00
TEAMS = {                # team number -> (name, members); every team's time is 1,200 s (the chain cannot help)
    "TN-1": ("甲队", (HIGH, MID)),    # 5.00
    "TN-2": ("乙队", (HIGH, MID)),    # 5.00: tied with 甲队 for place 1 (排名不并列)
    "TN-3": ("丙队", (MID, SHORT)),   # 4.10; 5.00 once its second member's m1 is raised to 3
}
PEOPLE = {  # individual event: entry number -> (name, marks)
    "PN-1": ("张一", HIGH), "PN-2": ("张二", HIGH), "PN-3": ("张三", SHORT), "PN-4": ("张四", MID),
}


def definition(mode: str) -> dict:
    data = json.loads((ROOT / "examples" / "team-skills.json").read_text(encoding="utf-8"))
    event = data["events"][0]
    if mode == "team":
        event.update(team_combine="sum_members", unshared_places=1)
    else:
        event.update(mode="individual", unshared_places=1)
        event.pop("team_combine", None)
    return data


def build(make, mode: str):
    """A contest with one event, entries drawn with two-level codes, three judges assigned, all sheets of the
    scored entries (team members, or the people) submitted."""
    from contestapp.contests.definition import create_contest
    from contestapp.entrants.models import Entrant, Entry
    from contestapp.judging.assignments import assign
    from contestapp.judging.draws import draw_event
    from contestapp.judging.models import Mark, ScoreSheet
    from contestapp.results import engine

    engine.invalidate()
    org = make.org("供电公司工会")
    organiser = make.user("org1", "organiser", org)
    chief = make.user("chief1", "chief_judge", org)
    judges = [make.user(name, "judge", org) for name in JUDGES]
    contest = create_contest(definition(mode), org, None)
    db.session.flush()
    make.member(contest, chief)
    event = contest.events[0]
    marks: dict[str, tuple] = {}  # entry number -> marks

    def entry(kind, name, number, team_id=None):
        person = Entrant(contest_id=contest.id, kind=kind, name=name, team_id=team_id)
        db.session.add(person)
        db.session.flush()
        db.session.add(Entry(event_id=event.id, entrant_id=person.id, number=number, status="active"))
        return person

    if mode == "team":
        n = 0
        for number, (name, members) in TEAMS.items():
            team = entry("team", name, number)
            for m in members:
                n += 1
                entry("person", f"{name}队员{n}", f"MN-{n}", team.id)
                marks[f"MN-{n}"] = m
    else:
        for number, (name, m) in PEOPLE.items():
            entry("person", name, number)
            marks[number] = m
    db.session.flush()
    draw_event(event, organiser, levels=2, seed=4242)
    practical = event.rounds[0]
    for judge in judges:
        assign(contest, judge, [practical], None, organiser)
    crit = {c.code: c.id for c in practical.criteria}
    entries = {e.number: e for e in db.session.scalars(select(Entry).where(Entry.event_id == event.id))}
    for sheet in db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == practical.id)):
        number = sheet.entry.number
        if number not in marks:
            continue  # a team's own sheets (its members are marked)
        j1, j2, m1, seconds = marks[number]
        for code, value in (("j1", j1), ("j2", j2), ("m1", m1), ("time", seconds)):
            sheet.marks.append(Mark(criterion_id=crit[code], value=D(value)))
        sheet.status = "submitted"
    db.session.commit()
    return contest, event, entries


def code(entry) -> str:
    return entry.code2 or entry.code


def tie_section(html: str, event) -> str:
    section = html[html.index(f'id="event-{event.id}"'):]
    return section[:section.index("</section>")]


def flashes(section: str, text: str) -> list[str]:
    """The warning boxes of a section that start with `text`."""
    return [m for m in re.findall(r'<div class="flash flash-warning"[^>]*>(.*?)</div>', section, re.S) if text in m]


def decide(chief, contest, event, entries, reason):
    r = chief.post(f"/contests/{contest.id}/judging/events/{event.id}/ties",
                   data={"t-order": ",".join(code(e) for e in entries), "t-reason": reason})
    assert r.status_code == 302
    return r


def appeal_m1(event, entry, value):
    """An arbitration ruling raises the entry's m1 mark from every judge."""
    from contestapp.results import services

    for judge in JUDGES:
        services.change_mark(services.find_mark(event, entry, "practical", "m1", judge), D(value), "仲裁：漏计", None)
    db.session.commit()


@pytest.fixture
def team_event(app, make):
    return build(make, "team")


@pytest.fixture
def individual_event(app, make):
    return build(make, "individual")


def test_a_sum_members_team_tie_is_listed_by_team_code_and_the_chief_judge_decides_it(app, team_event):
    from contestapp.judging.models import TieDecision
    from contestapp.results import engine

    contest, event, entries = team_event
    a, b, c = entries["TN-1"], entries["TN-2"], entries["TN-3"]
    assert engine.ranking(event).pending == [("TN-1", "TN-2")]  # what the results engine says
    chief = signed_in(app, "chief1")
    section = tie_section(chief.get(f"/contests/{contest.id}/judging/").get_data(as_text=True), event)
    assert "成绩尚不完整" not in section  # the teams themselves have no marks: their members' results count
    [banner] = flashes(section, PENDING)
    assert f"<b>{code(a)}</b>、<b>{code(b)}</b>" in banner and code(c) not in banner
    assert 'name="t-order"' in section  # the chief judge can record a decision
    for number, e in entries.items():  # codes only: no entry numbers, no names before decryption
        assert number not in section and e.entrant.name not in section

    decide(chief, contest, event, (b, a), "复核实操录像，乙队工艺更规范")
    assert db.session.scalar(select(TieDecision.entry_ids)) == [b.id, a.id]
    assert [(r.entry, r.rank) for r in engine.ranking(event).ranked] == [("TN-2", 1), ("TN-1", 2), ("TN-3", 3)]
    section = tie_section(chief.get(f"/contests/{contest.id}/judging/").get_data(as_text=True), event)
    assert not flashes(section, PENDING) and not flashes(section, WARNING) and 'name="t-order"' not in section
    assert f"<b>{code(b)}</b>、<b>{code(a)}</b>" in section and "复核实操录像，乙队工艺更规范" in section  # the decision


def test_a_stale_team_decision_is_shown_with_codes_and_goes_once_decided_again(app, team_event):
    from contestapp.results import engine

    contest, event, entries = team_event
    a, b, c = entries["TN-1"], entries["TN-2"], entries["TN-3"]
    chief = signed_in(app, "chief1")
    decide(chief, contest, event, (b, a), "复核实操录像，乙队工艺更规范")
    appeal_m1(event, entries["MN-6"], 3)  # 丙队 joins the tie: the decision matches no tie any more
    ranking = engine.ranking(event)
    assert ranking.pending == [("TN-1", "TN-2", "TN-3")] and len(ranking.stale_decisions) == 1

    section = tie_section(chief.get(f"/contests/{contest.id}/judging/").get_data(as_text=True), event)
    [warning] = flashes(section, WARNING)
    assert f"<b>{code(b)}</b>、<b>{code(a)}</b>" in warning and "复核实操录像，乙队工艺更规范" in warning
    [banner] = flashes(section, PENDING)
    assert f"<b>{code(a)}</b>、<b>{code(b)}</b>、<b>{code(c)}</b>" in banner
    assert 'name="t-order"' in section
    for number in entries:
        assert number not in section

    decide(chief, contest, event, (c, b, a), "三队并列，按安全规范扣分记录裁定")
    assert [r.entry for r in engine.ranking(event).ranked] == ["TN-3", "TN-2", "TN-1"]
    section = tie_section(chief.get(f"/contests/{contest.id}/judging/").get_data(as_text=True), event)
    assert not flashes(section, WARNING) and not flashes(section, PENDING)


def test_a_stale_individual_decision_is_shown_and_not_applied(app, individual_event):
    from contestapp.results import engine

    contest, event, entries = individual_event
    p1, p2, p3 = entries["PN-1"], entries["PN-2"], entries["PN-3"]
    assert all(e.code2 and e.code2 != e.code for e in entries.values())  # two-level codes: judges see code2
    chief = signed_in(app, "chief1")
    section = tie_section(chief.get(f"/contests/{contest.id}/judging/").get_data(as_text=True), event)
    [banner] = flashes(section, PENDING)
    assert f"<b>{code(p1)}</b>、<b>{code(p2)}</b>" in banner

    decide(chief, contest, event, (p2, p1), "现场记录：先完成者在前")
    section = tie_section(chief.get(f"/contests/{contest.id}/judging/").get_data(as_text=True), event)
    assert not flashes(section, WARNING) and not flashes(section, PENDING)

    appeal_m1(event, p3, 3)  # PN-3 reaches 3.00: a three-way tie for place 1
    assert engine.ranking(event).pending == [("PN-1", "PN-2", "PN-3")]
    org = signed_in(app, "org1")  # the organiser sees the console too (read only)
    for who in (chief, org):
        section = tie_section(who.get(f"/contests/{contest.id}/judging/").get_data(as_text=True), event)
        [warning] = flashes(section, WARNING)
        assert f"<b>{code(p2)}</b>、<b>{code(p1)}</b>" in warning and "现场记录：先完成者在前" in warning
        [banner] = flashes(section, PENDING)  # the decision is not applied to the new tie (exact set rule)
        assert f"<b>{code(p1)}</b>、<b>{code(p2)}</b>、<b>{code(p3)}</b>" in banner
        for number, e in entries.items():
            assert number not in section and e.entrant.name not in section
            assert e.code not in warning + banner  # the second-level code, as on the judges' tablets
    assert 'name="t-order"' not in tie_section(org.get(f"/contests/{contest.id}/judging/").get_data(as_text=True),
                                                event)  # only the chief judge decides


def test_incomplete_results_are_named_by_code_and_hold_the_ties_back(app, team_event):
    from contestapp.judging.models import ScoreSheet

    contest, event, entries = team_event
    member = entries["MN-2"]  # 甲队's second member: a sheet sent back, so 甲队 has no result yet
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.entry_id == member.id).limit(1))
    sheet.status = "returned"
    db.session.commit()
    chief = signed_in(app, "chief1")
    section = tie_section(chief.get(f"/contests/{contest.id}/judging/").get_data(as_text=True), event)
    assert "成绩尚不完整" in section and code(entries["TN-1"]) in section
    assert not flashes(section, PENDING) and 'name="t-order"' not in section
    for number, e in entries.items():  # neither the members' numbers nor their names
        assert number not in section and e.entrant.name not in section


def test_judges_mark_the_members_of_a_team_ranked_on_its_members_results(team_event):
    """Only the members are marked in a sum_members event: the teams' codes never reach a judge's tablet."""
    from contestapp.judging.models import ScoreSheet

    contest, event, entries = team_event
    marked = {entry_id for entry_id, in db.session.execute(
        select(ScoreSheet.entry_id).where(ScoreSheet.round_id == event.rounds[0].id)).all()}
    numbers = {e.id: n for n, e in entries.items()}
    assert {numbers[i] for i in marked} == {n for n in entries if n.startswith("MN-")}
