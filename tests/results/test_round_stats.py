"""Rounds whose criteria share one rule and one weight are read from `round_stats` (the round's sums kept by the
triggers) rather than grouped from `panel_stats`: the rows, the ranking and a rebuild all agree, through drafts,
returned sheets, uneven panels, deleted marks and sheets and a deleted entry."""
import dataclasses
import random
from decimal import Decimal as D

import pytest
from sqlalchemy import update

from contestapp.extensions import db
from tests.results.test_ranking_engine import both, marked_event
from tests.results.test_team_sum_members import cached


def definition():
    five = {"aggregate": "trimmed", "drop_high": 1, "drop_low": 1, "min_judges": 5, "fallback": "mean"}
    return {
        "code": "even", "name": "整轮竞赛", "kind": "skills", "year": 2025, "date": "2025-05-20",
        "events": [{
            "code": "e1", "name": "赛项", "places": 2,
            "rounds": [
                {"code": "theory", "name": "理论", "weight": "0.3", "places": 2, "panel": five,
                 "criteria": [{"code": "paper", "name": "试卷", "kind": "judgement", "max": "100", "step": "0.5"}]},
                {"code": "practical", "name": "实操", "weight": "0.7", "places": 2,
                 "panel": {"aggregate": "mean", "min_judges": 3},
                 "criteria": [{"code": f"c{i}", "name": f"项{i}", "max": "10", "step": "0.01"} for i in range(6)]},
            ]}],
    }


@pytest.fixture
def event(app, make):
    rng = random.Random(5)
    return marked_event(make, definition(), 30, "sj", lambda c: D(rng.randint(120, 200)) / 2 if c.code == "paper"
                        else D(rng.randint(500, 1000)) / 100)


def rows(stmt):
    return sorted(tuple(r) for r in db.session.execute(stmt))


def round_stats():
    from contestapp.results.models import RoundStat

    return rows(db.select(RoundStat.round_id, RoundStat.entry_id, RoundStat.criteria, RoundStat.fewest,
                          RoundStat.most, RoundStat.total, RoundStat.low, RoundStat.high))


def test_whole_rounds_read_the_round_sums_and_agree_with_the_grouped_statistics(event):
    from contestapp.entrants.models import Entrant, Entry
    from contestapp.judging.models import Mark, ScoreSheet
    from contestapp.results import aggregate, engine

    shape = engine._shape(event)
    assert set(shape.whole) == {r.id for r in event.rounds}
    grouped = dataclasses.replace(shape, whole={})
    fast = aggregate.plain_select(shape)
    assert "round_stats" in str(fast) and "panel_stats" not in str(fast)
    assert rows(fast) == rows(aggregate.plain_select(grouped)) and len(rows(fast)) == 60
    assert len(both(event)) == 30

    sheets = db.session.scalars(db.select(ScoreSheet).order_by(ScoreSheet.id)).all()
    for sheet, status in zip(sheets[4::41], ["draft", "returned", "void"]):  # not counted any more
        sheet.status, sheet.version = status, sheet.version + 1
    db.session.delete(sheets[33].marks[0])                       # an uneven panel (one criterion, one mark fewer)
    db.session.delete(sheets[70])                                # a whole sheet
    db.session.execute(update(Mark).where(Mark.sheet_id == sheets[90].id).values(value=D(7)))  # Core, no ORM
    gone = db.session.scalar(db.select(Entry).where(Entry.event_id == event.id, Entry.number == "N029"))
    db.session.delete(db.session.get(Entrant, gone.entrant_id))  # an entrant (and entry) deleted
    db.session.commit()

    assert rows(fast) == rows(aggregate.plain_select(grouped))
    kept = round_stats()
    assert not [r for r in kept if r[1] == gone.id]
    aggregate.rebuild([r.id for r in event.rounds])
    assert round_stats() == kept
    warm = both(event)                                           # re-ranked incrementally
    engine.invalidate()
    assert both(event) == warm and len(warm) == 29               # cold
    cached(engine.ranking(event))                                # as another worker reads it from the shared cache


def test_rounds_of_several_rules_or_weights_are_grouped_from_the_criteria(app, make):
    """The mixed definition of test_ranking_engine (weights 3 and 2.5, a median, a bonus) keeps the grouped query."""
    from contestapp.contests.definition import create_contest
    from contestapp.results import engine
    from tests.results.test_ranking_engine import definition as mixed

    contest = create_contest(mixed(), make.org("测试总工会"), None)
    db.session.flush()
    shape = engine._shape(contest.events[0])
    assert shape.classes and shape.whole == {}
