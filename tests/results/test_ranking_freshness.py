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
