"""The ranking engine (panel rule and weighted sum in SQL, one division per entry and round in Python) equals the full
engine from single marks: on mixed rules, drafts and returned sheets, uneven panels, after changes."""
import random
from decimal import Decimal as D

import pytest

from contestapp.extensions import db

JUDGES = 5


def definition():
    five = {"aggregate": "trimmed", "drop_high": 1, "drop_low": 1, "min_judges": 5, "fallback": "mean"}
    return {
        "code": "mix", "name": "混合规则竞赛", "kind": "skills", "year": 2025, "date": "2025-05-20",
        "events": [{
            "code": "e1", "name": "赛项", "places": 2,
            "rounds": [
                {"code": "theory", "name": "理论", "weight": "0.3", "places": 2,
                 "criteria": [{"code": "paper", "name": "试卷", "kind": "judgement", "max": "100", "step": "0.5"}],
                 "panel": five},
                {"code": "practical", "name": "实操", "weight": "0.7", "places": 2, "panel": five,
                 "criteria": [
                     {"code": "a", "name": "甲", "max": "10", "step": "0.01", "weight": "3"},
                     {"code": "b", "name": "乙", "max": "10", "step": "0.01", "weight": "2.5"},
                     # a plain mean (another class in the same round)
                     {"code": "m", "name": "均值", "max": "10", "step": "0.01",
                      "panel": {"aggregate": "mean", "min_judges": 3}},
                     # needs the single marks
                     {"code": "med", "name": "中位", "max": "10", "step": "0.5", "panel": {"aggregate": "median"}},
                     {"code": "bon", "name": "加分", "kind": "bonus", "max": "2", "step": "0.5"},
                 ]},
            ]}],
    }


def new_entry(ev, name: str, number: str, code: str):
    """A person and their active entry in the event."""
    from contestapp.entrants.models import Entrant, Entry

    person = Entrant(contest_id=ev.contest_id, kind="person", name=name)
    db.session.add(person)
    db.session.flush()
    entry = Entry(event_id=ev.id, entrant_id=person.id, number=number, code=code, status="active")
    db.session.add(entry)
    db.session.flush()
    return entry


@pytest.fixture
def event(app, make):
    from contestapp.contests.definition import create_contest
    from contestapp.judging.models import Mark, ScoreSheet

    org = make.org("测试总工会")
    judges = [make.user(f"rj{i}", "judge", org) for i in range(JUDGES)]
    contest = create_contest(definition(), org, None)
    db.session.flush()
    ev = contest.events[0]
    rng = random.Random(11)
    for i in range(40):
        entry = new_entry(ev, f"选手{i}", f"N{i:03d}", f"{i:03d}")
        for rnd in ev.rounds:
            for j, judge in enumerate(judges):
                sheet = ScoreSheet(entry=entry, round=rnd, judge=judge, status="submitted", source="paper")
                db.session.add(sheet)
                for c in rnd.criteria:
                    if c.code == "bon" and rng.random() < 0.6:
                        continue
                    if c.code == "paper":
                        value = D(rng.randint(120, 200)) / 2
                    elif c.step == D("0.5") or c.code == "bon":
                        value = D(rng.randint(0, int(c.max * 2))) / 2
                    else:
                        value = D(rng.randint(500, 1000)) / 100
                    sheet.marks.append(Mark(criterion_id=c.id, value=value))  # entry/round copied on insert
    db.session.commit()
    return ev


def both(ev):
    from contestapp.results import engine

    fast = [(r.entry, r.rank, r.total) for r in engine.ranking(ev).ranked]
    full = [(r.entry, r.rank, r.total) for r in engine.recompute_from_scratch(ev)]
    assert fast == full
    return fast


def test_marks_carry_their_sheet_entry_and_round(event):
    from contestapp.judging.models import Mark, ScoreSheet

    bad = db.session.scalar(db.select(db.func.count()).select_from(Mark).join(ScoreSheet, ScoreSheet.id == Mark.sheet_id)
                            .where((Mark.entry_id != ScoreSheet.entry_id) | (Mark.round_id != ScoreSheet.round_id)))
    assert bad == 0


def test_engines_agree_on_mixed_rules_drafts_and_uneven_panels(event):
    from contestapp.judging.models import Mark, ScoreSheet
    from contestapp.results import engine

    engine.invalidate()
    assert len(both(event)) == 40
    sheets = db.session.scalars(db.select(ScoreSheet).where(ScoreSheet.round_id.in_([r.id for r in event.rounds]))
                                .order_by(ScoreSheet.id)).all()
    # a draft and a returned sheet (not counted: trimmed panels fall back to the mean of four), a void one
    for sheet, status in zip(sheets[3::37], ["draft", "returned", "void", "draft"]):
        sheet.status = status
        sheet.version += 1
    # an uneven panel: one judge's mark of one criterion missing (a recusal for that item)
    for victim in (sheets[101], sheets[116]):  # theory (fewer than 5: mean of 4), practical (one item uneven)
        db.session.delete(victim.marks[0])
        victim.version += 1
    # a changed mark
    mark = sheets[205].marks[1]
    mark.value = D("9.99") if mark.criterion.step == D("0.01") else D(10)
    sheets[205].version += 1
    db.session.commit()
    warm = both(event)  # incremental
    engine.invalidate()
    assert both(event) == warm  # cold


def test_entry_without_submitted_sheets_is_unscored(event):
    from contestapp.entrants.models import Entry
    from contestapp.judging.models import ScoreSheet
    from contestapp.results import engine

    entry = db.session.scalar(db.select(Entry).where(Entry.event_id == event.id, Entry.number == "N005"))
    for sheet in db.session.scalars(db.select(ScoreSheet).where(ScoreSheet.entry_id == entry.id)):
        sheet.status, sheet.version = "draft", sheet.version + 1
    db.session.commit()
    ranking = engine.ranking(event)
    assert entry.id in ranking.unscored and "N005" not in [r.entry for r in ranking.ranked]
    both(event)


def test_the_plain_query_uses_the_covering_index(event):
    from contestapp.results import engine

    engine.invalidate()
    engine.ranking(event)
    cache = engine._caches[engine._cache_key(event.id)]
    sql = cache.plain_sql.format(entries="IS NOT NULL")
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        assert "COVERING INDEX ix_marks_round_entry_criterion_value" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # no sort: each entry's criteria are grouped in index order
    assert sum(len(list(part)) for part in engine._plain_rows(cache, None)) == 80  # one per entry and round


def test_a_big_event_is_read_in_slices_at_once(app, event, monkeypatch):
    """Slices of entries on several connections at once give the same ranking; a request that has written something
    reads on the session's own connection (other connections cannot see its changes)."""
    from contestapp.judging.models import ScoreSheet
    from contestapp.results import engine

    monkeypatch.setitem(app.config, "RESULTS_PARALLEL_ENTRIES", 10)
    monkeypatch.setattr(engine, "_workers", lambda: 2)
    started = []
    real = engine._start_plain
    monkeypatch.setattr(engine, "_start_plain", lambda *a: started.append(real(*a)) or started[-1])
    engine.invalidate()
    sequential = both(event)
    assert started[-1] is not None and len(started[-1]) == 4
    # a change written but not committed: other connections cannot see it, so the session's own reads it
    first = db.session.scalars(db.select(ScoreSheet).order_by(ScoreSheet.id)).first()
    for sheet in db.session.scalars(db.select(ScoreSheet).where(ScoreSheet.entry_id == first.entry_id)):
        sheet.status, sheet.version = "draft", sheet.version + 1
    db.session.flush()
    engine.invalidate()
    changed = both(event)
    assert started[-1] is None and len(changed) == len(sequential) - 1
    db.session.rollback()
    engine.invalidate()
    assert both(event) == sequential


def test_marks_too_big_for_32_bits_are_summed_exactly(app, make):
    """Plain sums are 32-bit on PostgreSQL only when every criterion's range allows (marks are stored x 10^4)."""
    from contestapp.contests.definition import create_contest
    from contestapp.judging.models import Mark, ScoreSheet
    from contestapp.results import engine

    org = make.org("测量总工会")
    judges = [make.user(f"mj{i}", "judge", org) for i in range(3)]
    contest = create_contest({
        "code": "big", "name": "大数测量", "kind": "skills", "year": 2025, "date": "2025-05-20",
        "events": [{"code": "m", "name": "测量", "rounds": [{
            "code": "r", "name": "测量轮", "panel": {"aggregate": "mean", "min_judges": 3},
            "criteria": [{"code": "len", "name": "长度", "kind": "measurement", "max": "1000000", "step": "0.5"}]}]}],
    }, org, None)
    db.session.flush()
    ev = contest.events[0]
    for i, base in enumerate([D("999999.5"), D("999999"), D("250000.5")]):
        entry = new_entry(ev, f"测量{i}", f"M{i}", f"{i}")
        for j, judge in enumerate(judges):
            sheet = ScoreSheet(entry=entry, round=ev.rounds[0], judge=judge, status="submitted", source="paper")
            db.session.add(sheet)
            sheet.marks.append(Mark(criterion_id=ev.rounds[0].criteria[0].id, value=base - j))
    db.session.commit()
    engine.invalidate()
    assert both(ev) == [("M0", 1, D("999998.50")), ("M1", 2, D("999998.00")), ("M2", 3, D("249999.50"))]


def test_class_figures_unpack():
    """The plain query packs fewest/most marks and criteria marked in 10 bits each; 0 (no marks) and -1 (too big to
    pack) are not plain."""
    from contestapp.results.engine import _figures

    assert _figures((5 * 1024 + 4) * 1024 + 19) == (5, 4, 19)
    assert _figures(0)[2] == -1 and _figures(-1)[2] == -1


def test_listings_name_entries_by_the_code_judges_know_and_follow_a_new_draw(event):
    """After a two-level draw the ranking names an entry by its second-level code, as the tablets and the chief
    judge's console do (judging.services.judge_code); a redraw is seen by the cached ranking."""
    from contestapp.entrants.models import Entry
    from contestapp.judging.services import judge_code
    from contestapp.results import engine

    engine.invalidate()
    entries = db.session.scalars(db.select(Entry).where(Entry.event_id == event.id).order_by(Entry.id)).all()
    ranking = engine.ranking(event)
    assert {ranking.entries[e.id].label for e in entries} == {e.code for e in entries}  # one level: the code
    for i, e in enumerate(entries):
        e.code2 = f"Z{i:03d}"
    db.session.commit()
    ranking = engine.ranking(event)  # cached: the entries' key sees the new codes
    assert all(ranking.entries[e.id].label == judge_code(e) == f"Z{i:03d}" for i, e in enumerate(entries))
    assert {ranking.label_of(r.entry) for r in ranking.ranked} <= {judge_code(e) for e in entries}
