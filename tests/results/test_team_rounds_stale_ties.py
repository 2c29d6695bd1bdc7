"""Issue #3, through the database: (1) a team ranked on the sum of its members' results gets per-round scores in the
exports and on the ranking page (each the exact sum of its members' round scores); (2) a chief judge's tie decision
that no longer matches any tie (results changed since) is reported, on the ranking page and by `results show`."""
import csv
import io
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from contestapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
JUDGES = ("tj1", "tj2", "tj3")

# member: (j1 marks, j2 marks, m1 mark, time, theory paper). Practical = 0.3 x mean j1 + 0.4 x mean j2 + 0.3 x m1,
# rounded half-up to 2 places; total = 0.7 x practical + 0.3 x theory, to 2 places.
TEAMS = {
    "T1": ("甲队", [((1, 2, 2), (3, 3, 2), 2, 600, "88.5"),    # practical 2.1666.. -> 2.17; total 28.069 -> 28.07
                    ((3, 3, 3), (2, 2, 3), 3, 500, "91")]),    # practical 2.7333.. -> 2.73; total 29.211 -> 29.21
    "T2": ("乙队", [((2, 2, 2), (2, 2, 2), 2, 400, "70"),      # practical 2.00; total 22.40
                    ((1, 1, 2), (1, 2, 2), 1, 400, "65.5"),    # practical 1.3666.. -> 1.37; total 20.609 -> 20.61
                    ((0, 1, 1), (3, 3, 3), 0, 400, "60")]),    # practical 1.40; total 18.98
}
TIED = {  # two more teams like 乙队 (their ties need the chief judge: 排名不并列 for place 1)
    "T3": ("丙队", TEAMS["T2"][1]),
    "T4": ("丁队", TEAMS["T2"][1][:2] + [((0, 1, 1), (3, 3, 3), 0, 400, "59.5")]),  # theory 0.5 short: 61.84
}


def definition(unshared_places=1):
    """examples/team-skills.json, ranked as the sum of the members' results, with a theory round beside practical."""
    data = json.loads((ROOT / "examples" / "team-skills.json").read_text(encoding="utf-8"))
    event = data["events"][0]
    event.update(team_combine="sum_members", unshared_places=unshared_places)
    event["rounds"][0]["weight"] = "0.7"
    event["rounds"].append({"code": "theory", "name": "理论知识", "weight": "0.3", "criteria": [
        {"code": "paper", "name": "理论试卷", "kind": "measurement", "max": "100", "step": "0.5"}]})
    return data


def build(make, teams):
    from contestapp.contests.definition import create_contest
    from contestapp.entrants.models import Entrant, Entry
    from contestapp.judging.models import Mark, ScoreSheet

    org = make.org("供电公司工会")
    judges = [make.user(name, "judge", org) for name in JUDGES]
    contest = create_contest(definition(), org, None)
    db.session.flush()
    event = contest.events[0]
    rounds = {r.code: r for r in event.rounds}
    crit = {(r.code, c.code): c.id for r in event.rounds for c in r.criteria}
    n = 0
    for number, (name, members) in teams.items():
        team = Entrant(contest_id=contest.id, kind="team", name=name)
        db.session.add(team)
        db.session.flush()
        db.session.add(Entry(event_id=event.id, entrant_id=team.id, number=number, status="active"))
        for j1, j2, m1, seconds, paper in members:
            n += 1
            person = Entrant(contest_id=contest.id, kind="person", name=f"队员{n}", team_id=team.id)
            db.session.add(person)
            db.session.flush()
            entry = Entry(event_id=event.id, entrant_id=person.id, number=f"M{n:02d}", status="active")
            db.session.add(entry)
            for k, judge in enumerate(judges):
                practical = ScoreSheet(entry=entry, round=rounds["practical"], judge=judge, status="submitted",
                                       source="paper")
                for code, value in (("j1", j1[k]), ("j2", j2[k]), ("m1", m1), ("time", seconds)):
                    practical.marks.append(Mark(criterion_id=crit["practical", code], value=D(value)))
                theory = ScoreSheet(entry=entry, round=rounds["theory"], judge=judge, status="submitted",
                                    source="paper")
                theory.marks.append(Mark(criterion_id=crit["theory", "paper"], value=D(paper)))
                db.session.add_all([practical, theory])
    db.session.commit()
    return contest, event


@pytest.fixture
def teams(app, make):
    from contestapp.results import engine

    engine.invalidate()
    return build(make, TEAMS)


# --- gap 1: a team's round columns ---------------------------------------------------------------------------------

EXPECTED = [["rank", "entry", "name", "unit", "total", "practical", "theory"],
            ["1", "T2", "乙队", "", "61.99", "4.77", "195.50"],   # 2.00 + 1.37 + 1.40; 70 + 65.5 + 60
            ["2", "T1", "甲队", "", "57.28", "4.90", "179.50"]]   # 2.17 + 2.73; 88.5 + 91


def test_cli_export_fills_a_teams_round_columns_with_its_members_sums(app, teams, tmp_path):
    contest, event = teams
    out = tmp_path / "ranking.csv"
    result = app.test_cli_runner().invoke(args=["results", "export", contest.code, "--event", event.code,
                                                "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig")))) == EXPECTED
    xlsx = tmp_path / "ranking.xlsx"
    result = app.test_cli_runner().invoke(args=["results", "export", contest.code, "--event", event.code,
                                                "--format", "xlsx", "-o", str(xlsx)])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active

    def shown(cell):  # numbers are numbers, shown with their places by the cell's number format
        if cell.value is None:
            return ""
        if isinstance(cell.value, (int, float)):
            places = len(cell.number_format.partition(".")[2])
            return f"{cell.value:.{places}f}"
        return str(cell.value)

    rows = [[shown(c) for c in row] for row in sheet.iter_rows()]
    assert rows == EXPECTED
    assert isinstance(sheet["E2"].value, (int, float))  # totals are numbers in Excel (sortable, summable)
    shown = app.test_cli_runner().invoke(args=["results", "show", contest.code, "--event", event.code])
    assert "1\tT2\t乙队\t\t61.99\t4.77\t195.50" in shown.output


def test_team_round_scores_agree_in_the_export_page_snapshot_and_second_engine(teams, client, make, login_as):
    from contestapp.common.db import utcnow
    from contestapp.results import engine, exports, services

    contest, event = teams
    ranking = engine.ranking(event)
    header, rows = exports.ranking_table(ranking)  # numbers as numbers (exports keep them numeric)
    assert (header, [[str(v) for v in row] for row in rows]) == (EXPECTED[0], EXPECTED[1:])
    full = {r.entry: r.result.round_scores() for r in engine.recompute_from_scratch(event)}  # the full engine
    assert full == {"T2": {"practical": D("4.77"), "theory": D("195.50")},
                    "T1": {"practical": D("4.90"), "theory": D("179.50")}}
    data = services.snapshot_data(event, utcnow())
    assert [row["rounds"] for row in data["ranking"]] == [{"practical": "4.77", "theory": "195.50"},
                                                          {"practical": "4.90", "theory": "179.50"}]
    chief = make.user("chief", "chief_judge", contest.organisation)
    make.member(contest, chief)
    db.session.commit()
    login_as("chief")
    page = client.get(f"/contests/{contest.id}/results/events/{event.id}").get_data(as_text=True)
    row = page[page.index("<code>T2</code>"):]
    row = row[:row.index("</tr>")]
    assert ">4.77</td>" in row and ">195.50</td>" in row


# --- gap 2: a stale tie decision ------------------------------------------------------------------------------------

WARNING = "裁判长裁定已失效：并列名次已变化，请重新裁定"


def test_a_tie_decision_the_results_have_outgrown_is_shown_to_the_chief_judge(app, make, client, login_as):
    from contestapp.entrants.models import Entry
    from contestapp.judging.models import TieDecision
    from contestapp.results import engine, services

    engine.invalidate()
    contest, event = build(make, {**TEAMS, **TIED})
    chief = make.user("chief", "chief_judge", contest.organisation)
    make.member(contest, chief)
    db.session.commit()
    ids = dict(db.session.execute(db.select(Entry.number, Entry.id).where(Entry.event_id == event.id)).all())
    ranking = engine.ranking(event)
    assert ranking.pending == [("T2", "T3")] and ranking.stale_decisions == []  # identical teams tie for place 1
    page = f"/contests/{contest.id}/results/events/{event.id}"

    def decide(*numbers, reason):
        db.session.add(TieDecision(event_id=event.id, entry_ids=[ids[n] for n in numbers], reason=reason,
                                   decided_by=chief.id))
        db.session.commit()

    decide("T3", "T2", reason="复核实操录像，丙队工艺更规范")
    ranking = engine.ranking(event)
    assert [(r.entry, r.rank) for r in ranking.ranked] == [("T3", 1), ("T2", 2), ("T4", 3), ("T1", 4)]
    assert ranking.stale_decisions == [] and not ranking.pending
    login_as("chief")
    assert WARNING not in client.get(page).get_data(as_text=True)

    # an appeal raises 丁队's last member to 60 in theory: 丁队 joins the tie, the decision no longer matches it
    member = db.session.scalar(db.select(Entry).where(Entry.event_id == event.id, Entry.number == "M11"))
    for judge in JUDGES:
        services.change_mark(services.find_mark(event, member, "theory", "paper", judge), D(60), "仲裁：漏计", None)
    db.session.commit()
    ranking = engine.ranking(event)
    assert ranking.pending == [("T2", "T3", "T4")]
    assert [(d.entries, d.reason) for d in ranking.stale_decisions] == [(("T3", "T2"), "复核实操录像，丙队工艺更规范")]
    assert all(r.decision is None for r in ranking.ranked)  # still not applied: the exact set rule is unchanged
    html = client.get(page).get_data(as_text=True)
    warning = html[html.index(WARNING):]
    warning = warning[:warning.index("</div>")]
    assert "<b>T3</b>、<b>T2</b>" in warning and "复核实操录像，丙队工艺更规范" in warning
    assert f"/contests/{contest.id}/judging/#event-{event.id}" in warning  # where the chief judge decides again
    shown = app.test_cli_runner().invoke(args=["results", "show", contest.code, "--event", event.code])
    assert f"{WARNING}（T3、T2；原裁定理由：复核实操录像，丙队工艺更规范）" in shown.output

    # the chief judge decides the new tie: it applies, and the old decision is no longer reported
    decide("T4", "T2", "T3", reason="三队并列，按安全规范扣分记录裁定")
    ranking = engine.ranking(event)
    assert [(r.entry, r.rank) for r in ranking.ranked][:3] == [("T4", 1), ("T2", 2), ("T3", 3)]
    assert ranking.stale_decisions == [] and not ranking.pending
    assert WARNING not in client.get(page).get_data(as_text=True)


def test_ties_waiting_for_a_decision_are_named_by_code(app, make, client, login_as):
    from contestapp.entrants.models import Entry
    from contestapp.results import engine

    engine.invalidate()
    contest, event = build(make, {**TEAMS, **TIED})
    chief = make.user("chief", "chief_judge", contest.organisation)
    make.member(contest, chief)
    for number, code in (("T2", "K417"), ("T3", "K052")):
        db.session.scalar(db.select(Entry).where(Entry.event_id == event.id, Entry.number == number)).code = code
    db.session.commit()
    login_as("chief")
    html = client.get(f"/contests/{contest.id}/results/events/{event.id}").get_data(as_text=True)
    banner = html[html.index("以下并列名次须由裁判长裁定"):]
    banner = banner[:banner.index("</div>")]
    assert "K417、K052" in banner and "T2" not in banner
