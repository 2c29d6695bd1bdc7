"""A team event scored as the sum of its members' results (team_combine "sum_members"), through the database: each
member has an entry in the team event and is marked on it; the team's entry carries no marks and is ranked on the
sum of its members' results, ties by lower total time; the team's explanation lists its members."""
from decimal import Decimal as D

import pytest

from contestapp.extensions import db

JUDGES = 3


def definition():
    return {
        "code": "tsum", "name": "班组赛", "kind": "skills", "year": 2025, "date": "2025-05-20",
        "events": [{
            "code": "team", "name": "班组赛项", "mode": "team", "team_combine": "sum_members", "places": 2,
            "combine": "sum",
            "rounds": [{"code": "practical", "name": "实操", "weight": "1", "places": 2,
                        "panel": {"aggregate": "mean", "min_judges": 3},
                        "criteria": [{"code": "a", "name": "操作", "max": "60", "step": "0.5"},
                                     {"code": "b", "name": "质量", "max": "40", "step": "0.5"}]}]}],
    }


# team -> members: (a marks per judge, b marks per judge, time)
TEAMS = {
    "甲队": [((50, 51, 52), (30, 30, 30), 600), ((40, 40, 40), (20, 21, 22), 500)],    # 81 + 61 = 142, 1100 s
    "乙队": [((45, 45, 45), (35, 35, 35), 700), ((40, 41, 42), (21, 21, 21), 300)],    # 80 + 62 = 142, 1000 s
    "丙队": [((55, 55, 55), (35, 35, 36), 400), ((30, 30, 30), (20, 20, 20), 400),
             ((10, 10, 10.5), (5, 5, 5), 100)],                                     # 90.33 + 50 + 15.17 = 155.5
}


@pytest.fixture
def event(app, make):
    from contestapp.contests.definition import create_contest
    from contestapp.entrants.models import Entrant, Entry
    from contestapp.judging.models import EntryRound, Mark, ScoreSheet

    org = make.org("测试总工会")
    judges = [make.user(f"tj{i}", "judge", org) for i in range(JUDGES)]
    contest = create_contest(definition(), org, None)
    db.session.flush()
    ev = contest.events[0]
    rnd = ev.rounds[0]
    crit = {c.code: c for c in rnd.criteria}
    n = 0
    for t, (name, members) in enumerate(TEAMS.items()):
        team = Entrant(contest_id=contest.id, kind="team", name=name)
        db.session.add(team)
        db.session.flush()
        db.session.add(Entry(event_id=ev.id, entrant_id=team.id, number=f"T{t + 1}", status="active"))
        for a, b, seconds in members:
            n += 1
            person = Entrant(contest_id=contest.id, kind="person", name=f"队员{n}", team_id=team.id)
            db.session.add(person)
            db.session.flush()
            entry = Entry(event_id=ev.id, entrant_id=person.id, number=f"M{n:02d}", status="active")
            db.session.add(entry)
            db.session.flush()
            db.session.add(EntryRound(entry_id=entry.id, round_id=rnd.id, time=D(seconds)))
            for j, judge in enumerate(judges):
                sheet = ScoreSheet(entry=entry, round=rnd, judge=judge, status="submitted", source="paper")
                db.session.add(sheet)
                sheet.marks.append(Mark(criterion_id=crit["a"].id, value=D(str(a[j]))))
                sheet.marks.append(Mark(criterion_id=crit["b"].id, value=D(str(b[j]))))
    db.session.commit()
    return ev


def both(ev):
    from contestapp.results import engine

    fast = [(r.entry, r.rank, r.total, r.result.time) for r in engine.ranking(ev).ranked]
    full = [(r.entry, r.rank, r.total, r.result.time) for r in engine.recompute_from_scratch(ev)]
    assert fast == full
    return fast


def test_teams_rank_on_the_sum_of_their_members(event):
    from contestapp.results import engine

    engine.invalidate()
    assert both(event) == [("T3", 1, D("155.50"), D(900)), ("T2", 2, D("142.00"), D(1000)),
                           ("T1", 3, D("142.00"), D(1100))]  # equal totals: lower total time first
    ranking = engine.ranking(event)
    assert [info.name for _, info in ranking.rows()] == ["丙队", "乙队", "甲队"]
    assert ranking.unscored == {}  # members are not ranked themselves, nor reported
    assert [m.entry for m in ranking.ranked[0].result.members] == ["M05", "M06", "M07"]


def test_team_explanation_lists_its_members(event):
    from contestapp.entrants.models import Entry
    from contestapp.results import engine

    team = db.session.scalar(db.select(Entry).where(Entry.event_id == event.id, Entry.number == "T3"))
    text = engine.explain(event, team).explanation.text()
    assert text.startswith("团体成绩：T3")
    for member in ("M05", "M06", "M07"):
        assert f"成绩明细：{member}" in text
    assert "团体总成绩：90.33 + 50.00 + 15.17 = 155.50" in text
    full = engine.explain_all(event)
    assert full[team.id].total == D("155.50")


def test_a_member_without_result_or_withdrawn(event):
    from contestapp.entrants.models import Entry
    from contestapp.judging.models import ScoreSheet
    from contestapp.results import engine

    engine.ranking(event)
    m01 = db.session.scalar(db.select(Entry).where(Entry.event_id == event.id, Entry.number == "M01"))
    for sheet in db.session.scalars(db.select(ScoreSheet).where(ScoreSheet.entry_id == m01.id)):
        sheet.status, sheet.version = "draft", sheet.version + 1
    db.session.commit()
    ranking = engine.ranking(event)  # incremental
    t1 = db.session.scalar(db.select(Entry.id).where(Entry.event_id == event.id, Entry.number == "T1"))
    assert "M01" in ranking.unscored[t1] and [r.entry for r in ranking.ranked] == ["T3", "T2"]
    both(event)
    m01.status = "withdrawn"  # a withdrawn member does not count: the team is its other members
    db.session.commit()
    assert both(event) == [("T3", 1, D("155.50"), D(900)), ("T2", 2, D("142.00"), D(1000)),
                           ("T1", 3, D("61.00"), D(500))]
    engine.invalidate()
    assert both(event)[2] == ("T1", 3, D("61.00"), D(500))  # cold


def test_snapshot_of_a_team_event_carries_team_explanations(event):
    from contestapp.common.db import utcnow
    from contestapp.results import engine, services

    engine.invalidate()
    data = services.snapshot_data(event, utcnow())
    assert [(row["number"], row["rank"], row["total"]) for row in data["ranking"]] == [
        ("T3", 1, "155.50"), ("T2", 2, "142.00"), ("T1", 3, "142.00")]
    assert data["ranking"][0]["explanation"].startswith("团体成绩：T3") and data["withdrawn"] == []


def cached(ranking):
    """The ranking as another worker reads it from the shared cache (Ranking.__getstate__ / __setstate__), checked
    equal to it field by field: places, results in order (totals with their places: "142.00", not "142"), entries."""
    import pickle

    back = pickle.loads(pickle.dumps(ranking, pickle.HIGHEST_PROTOCOL))
    assert back.ranked == ranking.ranked and [str(r.total) for r in back.ranked] == [str(r.total) for r in ranking.ranked]
    assert list(back.results.items()) == list(ranking.results.items())
    assert [str(r.total) for r in back.results.values() if not isinstance(r, str)] == \
        [str(r.total) for r in ranking.results.values() if not isinstance(r, str)]
    assert (back.unscored, back.entries, back.by_key, back.versions, back.pending, back.version) == \
        (ranking.unscored, ranking.entries, ranking.by_key, ranking.versions, ranking.pending, ranking.version)
    return back


def test_a_team_ranking_reads_back_from_the_shared_cache_unchanged(event):
    """Teams' own results travel with their places; a member without result travels as its reason."""
    from contestapp.entrants.models import Entry
    from contestapp.judging.models import ScoreSheet
    from contestapp.results import engine

    back = cached(engine.ranking(event))
    assert [m.entry for m in back.ranked[0].result.members] == ["M05", "M06", "M07"]
    m01 = db.session.scalar(db.select(Entry).where(Entry.event_id == event.id, Entry.number == "M01"))
    for sheet in db.session.scalars(db.select(ScoreSheet).where(ScoreSheet.entry_id == m01.id)):
        sheet.status, sheet.version = "draft", sheet.version + 1
    db.session.commit()
    back = cached(engine.ranking(event))
    assert back.results[m01.id] == "尚无已提交的评分" and [r.entry for r in back.ranked] == ["T3", "T2"]
    engine.invalidate()
    assert cached(engine.ranking(event)).ranked == back.ranked
