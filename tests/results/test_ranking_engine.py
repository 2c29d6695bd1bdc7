"""The ranking (panel statistics kept by the database, one aggregate query, the domain's engine) equals the scoring of
single marks: on mixed rules, drafts and returned sheets, uneven panels, after changes; and it re-scores only what
changed."""
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


def marked_event(make, definition: dict, entries: int, prefix: str, mark):
    """A contest from `definition`, its first event with `entries` entries and 5 judges' submitted paper sheets;
    `mark(criterion)` gives each mark (None: no mark)."""
    from contestapp.contests.definition import create_contest
    from contestapp.judging.models import Mark, ScoreSheet

    org = make.org("测试总工会")
    judges = [make.user(f"{prefix}{i}", "judge", org) for i in range(JUDGES)]
    contest = create_contest(definition, org, None)
    db.session.flush()
    ev = contest.events[0]
    for i in range(entries):
        entry = new_entry(ev, f"选手{i}", f"N{i:03d}", f"{i:03d}")
        for rnd in ev.rounds:
            for judge in judges:
                sheet = ScoreSheet(entry=entry, round=rnd, judge=judge, status="submitted", source="paper")
                db.session.add(sheet)
                for c in rnd.criteria:
                    value = mark(c)
                    if value is not None:
                        sheet.marks.append(Mark(criterion_id=c.id, value=value))  # entry/round copied on insert
    db.session.commit()
    return ev


@pytest.fixture
def event(app, make):
    rng = random.Random(11)

    def mark(c):
        if c.code == "bon" and rng.random() < 0.6:
            return None
        if c.code == "paper":
            return D(rng.randint(120, 200)) / 2
        if c.step == D("0.5") or c.code == "bon":
            return D(rng.randint(0, int(c.max * 2))) / 2
        return D(rng.randint(500, 1000)) / 100

    return marked_event(make, definition(), 40, "rj", mark)


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


def test_the_aggregate_query_reads_the_panel_statistics_in_key_order(event):
    """One row per (round, entry) from panel_stats, grouped in primary-key order (no sort, no marks read)."""
    from contestapp.results import aggregate, engine

    shape = engine._shape(event)
    stmt = aggregate.plain_select(shape)
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        assert "panel_stats" in plan and "marks" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    assert len(db.session.execute(stmt).all()) == 80  # one per entry and round


def test_the_triggers_keep_the_statistics_equal_to_a_rebuild_from_the_marks(event):
    """Whoever writes (ORM, Core, deletes, status changes), panel_stats equals what the marks give."""
    from sqlalchemy import update

    from contestapp.judging.models import Mark, ScoreSheet
    from contestapp.results import aggregate
    from contestapp.results.models import PanelStat

    def stats():
        return sorted(tuple(r) for r in db.session.execute(db.select(
            PanelStat.round_id, PanelStat.entry_id, PanelStat.criterion_id, PanelStat.n, PanelStat.total,
            PanelStat.low, PanelStat.high)))

    sheets = db.session.scalars(db.select(ScoreSheet).order_by(ScoreSheet.id)).all()
    sheets[0].status = "returned"
    db.session.delete(sheets[7].marks[0])
    db.session.delete(sheets[12])
    db.session.execute(update(Mark).where(Mark.sheet_id == sheets[20].id).values(value=D(5)))  # Core, no ORM
    db.session.commit()
    kept = stats()
    aggregate.rebuild([r.id for r in event.rounds])
    assert stats() == kept


def test_one_changed_mark_rescores_one_entry(event, monkeypatch):
    from contestapp.judging.models import ScoreSheet
    from contestapp.results import aggregate, engine

    engine.invalidate()
    engine.ranking(event)  # cold: every entry
    loads = []
    real = aggregate.load
    monkeypatch.setattr(aggregate, "load", lambda shape, number, only=None: loads.append(only) or real(
        shape, number, only))
    sheet = db.session.scalars(db.select(ScoreSheet).order_by(ScoreSheet.id)).first()
    sheet.marks[0].value = D(0)
    db.session.commit()
    both(event)
    assert loads[0] == {sheet.entry_id}
    loads.clear()
    engine.ranking(event)  # nothing changed: the cached ranking
    assert loads == []


def test_a_writing_transaction_neither_reads_nor_fills_the_shared_cache(event):
    """Changes not yet committed are this transaction's own: its ranking sees them, and nobody else gets it."""
    from contestapp.entrants.models import Entry
    from contestapp.results import engine

    engine.invalidate()
    before = [(r.entry, r.rank) for r in engine.ranking(event).ranked]
    entry = db.session.scalar(db.select(Entry).where(Entry.event_id == event.id, Entry.number == "N001"))
    entry.status = "withdrawn"
    db.session.flush()
    assert "N001" not in [r.entry for r in engine.ranking(event).ranked]
    db.session.rollback()
    assert [(r.entry, r.rank) for r in engine.ranking(event).ranked] == before


def test_listings_name_entries_by_the_code_judges_know_and_follow_a_new_draw(event):
    """After a two-level draw the ranking names an entry by its second-level code, as the tablets and the chief
    judge's console do (judging.common.judge_code); a redraw is seen by the cached ranking."""
    from contestapp.entrants.models import Entry
    from contestapp.judging.common import judge_code
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


def test_rebuild_stats_command_gives_what_the_triggers_kept(app, event):
    from contestapp.results.models import PanelStat

    def stats():
        return sorted(tuple(r) for r in db.session.execute(db.select(
            PanelStat.round_id, PanelStat.entry_id, PanelStat.criterion_id, PanelStat.n, PanelStat.total)))

    kept = stats()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["results", "rebuild-stats"])
    assert result.exit_code == 0 and "已重算" in result.output, result.output
    db.session.remove()
    assert stats() == kept and len(kept) > 200  # (40 entries x 6 criteria, less bonuses nobody gave)
