"""The per-process ranking cache never shows what is no longer in the database: a deleted entrant, or an event
rebuilt with the same ids (a restored backup, a test database)."""
from contestapp.extensions import db
from tests.results.test_ranking_engine import event  # noqa: F401  (the 40-entry fixture)


def test_a_deleted_entrant_leaves_the_ranking(event):  # noqa: F811
    from contestapp.entrants.models import Entrant, Entry
    from contestapp.results import engine

    assert len(engine.ranking(event).ranked) == 40
    gone = db.session.scalar(db.select(Entry).where(Entry.event_id == event.id).order_by(Entry.id))
    db.session.delete(db.session.get(Entrant, gone.entrant_id))
    db.session.commit()
    ranked = engine.ranking(event).ranked
    assert len(ranked) == 39 and gone.number not in {r.entry for r in ranked}


def test_a_withdrawn_entry_is_listed_as_unscored_not_ranked(event):  # noqa: F811
    from contestapp.entrants.models import Entry
    from contestapp.results import engine

    engine.ranking(event)
    entry = db.session.scalar(db.select(Entry).where(Entry.event_id == event.id).order_by(Entry.id.desc()))
    entry.status = "withdrawn"
    db.session.commit()
    ranking = engine.ranking(event)
    assert len(ranking.ranked) == 39 and ranking.unscored[entry.id] == "已退赛"


def test_entries_inserted_in_one_statement_each_get_a_version_and_move_the_event(event):  # noqa: F811
    """A roster import inserts its entries in one statement (on PostgreSQL a statement trigger versions them all at
    once): each new entry has a version, the event's version moves, and the ranking lists them as unscored."""
    from sqlalchemy import insert, select

    from contestapp.entrants.models import Entrant, Entry
    from contestapp.results import aggregate, engine
    from contestapp.results.models import EntryVersion

    before = engine.ranking(event)
    db.session.commit()
    people = [Entrant(contest_id=event.contest_id, kind="person", name=f"新人{i}") for i in range(3)]
    db.session.add_all(people)
    db.session.flush()
    db.session.execute(insert(Entry), [dict(event_id=event.id, entrant_id=p.id, number=f"N{i}", status="active")
                                       for i, p in enumerate(people)])
    db.session.commit()
    new = db.session.scalars(select(Entry.id).where(Entry.number.in_(["N0", "N1", "N2"]))).all()
    versions = dict(db.session.execute(select(EntryVersion.entry_id, EntryVersion.version)
                                       .where(EntryVersion.entry_id.in_(new))).all())
    assert len(new) == 3 and set(versions) == set(new) and None not in versions.values()
    assert aggregate.event_version(event.id) != before.version
    after = engine.ranking(event)
    assert len(after.ranked) == 40 and all(i in after.unscored for i in new)


def test_a_re_rank_reads_again_only_the_entries_that_moved_and_sees_every_change_of_their_listing(event):  # noqa: F811
    """After a change the ranking reuses the listing (number, code, name, unit) of every entry whose version did not
    move, and reads the others again: a renamed entrant, a renamed unit and a new code show at once."""
    from sqlalchemy import update

    from contestapp.entrants.models import Entrant, Entry, Unit
    from contestapp.judging.models import Mark, ScoreSheet
    from contestapp.results import engine

    entries = db.session.scalars(db.select(Entry).where(Entry.event_id == event.id).order_by(Entry.id)).all()
    first, second, third = entries[:3]
    unit = Unit(contest_id=event.contest_id, name="一车间")
    db.session.add(unit)
    db.session.flush()
    db.session.get(Entrant, second.entrant_id).unit_id = unit.id
    db.session.commit()
    before = engine.ranking(event)
    assert before.entries[second.id].unit == "一车间"

    sheet = db.session.scalar(db.select(ScoreSheet).where(ScoreSheet.entry_id == first.id))
    db.session.execute(update(Mark).where(Mark.sheet_id == sheet.id).values(value=Mark.value))  # one entry moves
    db.session.commit()
    after = engine.ranking(event)
    assert after.version != before.version
    # (the listing's rows: the previous ranking's own for the unmoved entries, a new one for the one re-read)
    kept = [i for i in after.entries if after.entries.rows[i] is before.entries.rows[i]]
    assert kept == [e.id for e in entries if e.id != first.id]
    assert after.entries[first.id] == before.entries[first.id]  # re-read, unchanged

    db.session.get(Entrant, first.entrant_id).name = "改名选手"
    db.session.get(Unit, unit.id).name = "二车间"
    third.code = "T-99"
    db.session.commit()
    now = engine.ranking(event)
    assert (now.entries[first.id].name, now.entries[second.id].unit, now.entries[third.id].label) == \
        ("改名选手", "二车间", "T-99")
    assert [r.entry for r in now.ranked] == [r.entry for r in before.ranked]
    assert sum(now.entries.rows[i] is after.entries.rows[i] for i in now.entries) == 37


def test_the_shared_cache_holds_the_events_latest_ranking_and_a_listing_of_plain_values(event):  # noqa: F811
    """One cache entry per event: after a change, the new ranking replaces the previous one. A ranking keeps its
    listing as tuples of plain values (what the garbage collector stops tracking); reading an entry gives its
    EntryInfo."""
    from sqlalchemy import update

    from contestapp.judging.models import Mark, ScoreSheet
    from contestapp.results import aggregate, engine

    engine.invalidate()
    first = engine.ranking(event)
    db.session.commit()
    assert engine.shared(event.id).version == first.version
    sheet = db.session.scalar(db.select(ScoreSheet).order_by(ScoreSheet.id))
    db.session.execute(update(Mark).where(Mark.sheet_id == sheet.id).values(value=Mark.value))
    db.session.commit()
    second = engine.ranking(event)
    db.session.commit()
    assert second.version == aggregate.event_version(event.id) != first.version
    stored = engine.shared(event.id)
    assert stored.version == second.version
    assert [(r.entry, r.rank, r.total) for r in stored.ranked] == [(r.entry, r.rank, r.total) for r in second.ranked]
    assert all(type(row) is tuple and all(v is None or type(v) in (int, str) for v in row)
               for row in second.entries.rows.values())
    info = second.entries[sheet.entry_id]
    assert (info.id, info.key, info.label) == (sheet.entry_id, info.number, info.code or info.number)
