"""Period weights for the year score: the organiser edits them on the console (validated, all or nothing,
audited) and the year's cumulative ranking follows."""
from decimal import Decimal

from sqlalchemy import select

from contestapp.extensions import db
from tests.merit.merit_helpers import UNITS, at, client_for, merit, score  # noqa: F401


def test_organiser_edits_period_weights_and_the_year_follows(app, merit):
    from contestapp.audit.models import AuditEntry
    from contestapp.entrants.models import Entry
    from contestapp.jobs.runner import run_job
    from contestapp.merit.honours import year_ranking
    from contestapp.merit.periods import periods_of

    contest, judges = merit["contest"], merit["judges"]
    run_job("open_periods", at(2025, 4, 1))
    april, may, june = periods_of(contest)
    score(april, judges, {UNITS[1]: {"quality": ("10", "混凝土强度不足", "")}})
    run_job("close_periods", at(2025, 5, 7))
    run_job("bulletins", at(2025, 5, 7))
    run_job("open_periods", at(2025, 5, 7))
    score(may, judges, {UNITS[0]: {"quality": ("10", "模板支撑不规范", "")}})
    run_job("close_periods", at(2025, 6, 7))
    run_job("bulletins", at(2025, 6, 7))
    event = contest.events[0]

    def totals():
        db.session.expire_all()
        names = {e.id: e.entrant.name for e in db.session.scalars(select(Entry).where(Entry.event_id == event.id))}
        return {names[int(r.entry)]: r.total for r in year_ranking(contest, event)}

    before = totals()
    assert before[UNITS[0]] == before[UNITS[1]]  # 100 and 90 either way round, equal weights

    organiser = client_for(app, "organiser1")
    page = organiser.get(f"/contests/{contest.id}/merit/").get_data(as_text=True)
    assert f'name="w_{april.id}"' in page and "保存年度权重" in page
    assert 'name="w_' not in client_for(app, "assessor1").get(f"/contests/{contest.id}/merit/").get_data(as_text=True)
    url = f"/contests/{contest.id}/merit/periods/weights"
    assert client_for(app, "assessor1").post(url, data={f"w_{april.id}": "3"}).status_code == 403

    for bad, message in [({f"w_{april.id}": "3", f"w_{may.id}": "abc"}, "权重须为数字"),
                         ({f"w_{april.id}": "3", f"w_{may.id}": "-1"}, "权重须在 0 到 100 之间"),
                         ({f"w_{april.id}": "0.00001"}, "至多 4 位小数"),
                         ({f"w_{april.id}": "0", f"w_{may.id}": "0", f"w_{june.id}": "0"}, "不能全为 0")]:
        page = organiser.post(url, data=bad, follow_redirects=True).get_data(as_text=True)
        assert message in page, message
    db.session.expire_all()
    assert [p.weight for p in (april, may, june)] == [1, 1, 1]  # nothing saved from a refused form
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "merit.period_weights")) is None

    assert organiser.post(url, data={f"w_{april.id}": "3", f"w_{may.id}": "1", f"w_{june.id}": "0.5"}).status_code == 302
    db.session.expire_all()
    assert [p.weight for p in (april, may, june)] == [3, 1, Decimal("0.5")]
    after = totals()
    assert after[UNITS[0]] > after[UNITS[1]]  # April (UNITS[1] lost 10) now counts three times May
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "merit.period_weights")).all()
    assert len(audit) == 1 and audit[0].actor_id == merit["organiser"].id and "1 → 3" in audit[0].summary
    organiser.post(url, data={f"w_{april.id}": "3"})  # unchanged: no second audit entry
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "merit.period_weights")).all()) == 1
