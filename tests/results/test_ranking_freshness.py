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
