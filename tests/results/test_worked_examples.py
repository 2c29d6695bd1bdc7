"""Published rules reproduced through definition files and marks files alone (examples/ and examples/marks/),
loaded with the CLI into the database and ranked from the raw marks; the two engines agree on each."""
from decimal import Decimal as D
from pathlib import Path

import pytest

from contestapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def load(app, make, name, judges=9):
    from contestapp.contests.models import Contest

    runner = app.test_cli_runner()
    org = make.org("示例市总工会")
    for i in range(1, judges + 1):
        make.user(f"j{i}", "judge", org)
    db.session.commit()
    result = runner.invoke(args=["contest", "load", str(EXAMPLES / f"{name}.json"), "--org", "示例市总工会"])
    assert result.exit_code == 0, result.output
    contest = db.session.scalar(db.select(Contest).order_by(Contest.id.desc()))
    result = runner.invoke(args=["entrants", "import", contest.code, str(EXAMPLES / "marks" / f"{name}-roster.csv")])
    assert result.exit_code == 0, result.output
    args = ["marks", "import", contest.code, str(EXAMPLES / "marks" / f"{name}-marks.csv")]
    extras = EXAMPLES / "marks" / f"{name}-extras.csv"
    if extras.exists():
        args += ["--extras", str(extras)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return contest, runner


def standings(event):
    from contestapp.results import engine

    ranking = engine.ranking(event)
    fast = [(r.entry, r.rank, r.total) for r in ranking.ranked]
    full = [(r.entry, r.rank, r.total) for r in engine.recompute_from_scratch(event)]
    assert fast == full  # two engines agree
    return fast, ranking


def test_diving_drop_two_high_two_low_sum_times_difficulty(app, make):
    contest, runner = load(app, make, "diving", judges=7)
    fast, ranking = standings(contest.events[0])
    # D02: dive1 9.5 9.5 10 9.5 9.0 9.5 9.5 -> 28.5 x 3.6 = 102.60; dive2 6 6 6.5 6 6 6 6 -> 18 x 2.0 = 36.00
    # D01: dive1 (8.0 8.5 8.5 9.0 8.0 7.5 8.5) -> 25.0 x 3.2 = 80.00; dive2 seven 7s -> 21 x 2.0 = 42.00
    assert fast == [("D02", 1, D("138.60")), ("D01", 2, D("122.00"))]
    out = runner.invoke(args=["results", "show", contest.code])
    assert "138.60" in out.output and "102.60" in out.output


def test_halfpipe_drop_high_low_mean_of_four_best_run(app, make):
    contest, _ = load(app, make, "halfpipe", judges=6)
    fast, _ = standings(contest.events[0])
    # H02 run1: drop 93 and 88 -> (91+90+92+89)/4 = 90.50; H01 best of 82.75 and (88+89+90+91)/4 = 89.50
    assert fast == [("H02", 1, D("90.50")), ("H01", 2, D("89.50"))]


def test_figure_skating_components_mean_of_seven_rounded_times_factor(app, make):
    contest, _ = load(app, make, "figure-skating-components", judges=9)
    fast, ranking = standings(contest.events[0])
    # S01 composition: drop 9.00 and 7.75, mean of 7 = 8.50 x 3.33 = 28.305; presentation 8.00 x 3.33 = 26.64;
    # skating skills 9.00 x 3.33 = 29.97; 84.915 -> half-up 84.92.  S02: 23.31 + 24.975 + 24.1425 = 72.4275 -> 72.43
    assert fast == [("S01", 1, D("84.92")), ("S02", 2, D("72.43"))]


def test_city_skills_theory_30_practical_70_ties_by_practical_then_time(app, make):
    from contestapp.results import engine

    contest, runner = load(app, make, "city-skills", judges=5)
    event = contest.events[0]
    fast, ranking = standings(event)
    # E01: 0.3 x 80 + 0.7 x 90 = 87.00; E02: 0.3 x 87 + 0.7 x 87 = 87.00 -> E01 first on the practical score;
    # E03 and E04: 77.00 each with practical 80 -> E03 first on the shorter time (6000 s < 6200 s)
    assert fast == [("E01", 1, D("87.00")), ("E02", 2, D("87.00")), ("E03", 3, D("77.00")), ("E04", 4, D("77.00"))]
    entry = next(e for e in db.session.scalars(db.select(engine.Entry).where(engine.Entry.event_id == event.id))
                 if e.number == "E01")
    text = engine.explain(event, entry).explanation.text()
    assert "去掉最高 29(j5)" in text and "去掉最低 27(j1)" in text  # 成绩明细 names the dropped marks
    assert "计时记录 5400 秒" in text
    out = runner.invoke(args=["results", "export", contest.code, "--event", "electrician", "--format", "csv"])
    lines = out.output.lstrip("\ufeff").splitlines()
    assert lines[0] == "rank,entry,name,unit,total,theory,practical"
    assert lines[1] == "1,E01,周甲,供电公司,87.00,80.00,90.00"
