"""Why an entry has no result yet is worded by the domain (a Message with the round's and criterion's names) and
kept in the cached ranking: the results page shows it in the reader's language, the same cached ranking serving
both languages."""
from __future__ import annotations

import pickle

from sqlalchemy import select

from contestapp.extensions import db
from contestapp.judging.models import Mark, ScoreSheet
from contestapp.results import engine
from tests.judging.conftest import jw, marks_for, signed_in  # noqa: F401  (jw: a fixture)

EN = {"Accept-Language": "en"}


def test_why_an_entry_is_unscored_in_the_readers_language(app, jw):  # noqa: F811
    judge = signed_in(app, "judge2")
    data = judge.get("/api/v1/assignments").get_json()
    sheet = judge.get(f"/api/v1/sheets/{data['rounds'][0]['sheets'][0]['id']}").get_json()
    r = judge.put(f"/api/v1/sheets/{sheet['id']}/marks", json={"version": 1, "marks": marks_for(sheet)},
                  headers={"Idempotency-Key": "all"})
    assert r.status_code == 200, r.get_json()
    r = judge.post(f"/api/v1/sheets/{sheet['id']}/submit", json={"version": r.get_json()["version"], "confirm": True})
    assert r.status_code == 200, r.get_json()
    # one criterion's mark gone from the submitted sheet (as if never given): the entry cannot be scored
    row = db.session.get(ScoreSheet, sheet["id"])
    m2 = next(c for c in jw["round"].criteria if c.code == "m2")
    db.session.delete(db.session.scalar(select(Mark).where(Mark.sheet_id == row.id, Mark.criterion_id == m2.id)))
    db.session.commit()
    ranking = engine.ranking(jw["event"])
    why = ranking.unscored[row.entry_id]
    assert why == f"{jw['round'].name}：{m2.name} 缺少评分" and why.template == "%(round)s：%(criterion)s 缺少评分"
    cached = pickle.loads(pickle.dumps(ranking))  # as the shared cache keeps it (Ranking.__getstate__)
    for kept in (cached.unscored[row.entry_id], cached.results[row.entry_id]):
        assert kept == why and (kept.template, kept.params) == (why.template, why.params)

    organiser = signed_in(app, "org1")
    url = f"/contests/{jw['contest'].id}/results/events/{jw['event'].id}"
    page = organiser.get(url, headers=EN).get_data(as_text=True)
    assert f"{jw['round'].name}: {m2.name} has no marks" in page and "No submitted marks yet" in page
    assert "缺少评分" not in page and "尚无已提交的评分" not in page
    page = organiser.get(url).get_data(as_text=True)
    assert f"{jw['round'].name}：{m2.name} 缺少评分" in page and "尚无已提交的评分" in page
