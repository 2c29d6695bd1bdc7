"""Why an entry has no result yet is worded by the domain (a Message with the round's and criterion's names) and
kept in the cached ranking: the results page shows it in the reader's language, the same cached ranking serving
both languages. The results' refusals naming entries, ties or events are in the reader's language too."""
from __future__ import annotations

import pickle
from dataclasses import replace

import pytest
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


def test_ties_awaiting_the_chief_judge_hold_publication_in_the_readers_language(app, make, client, login_as):
    """Publication waits for the chief judge's tie decisions; the refusal names the tied entries in the reader's
    language (the labels as the results page shows them)."""
    from tests.results.test_team_rounds_stale_ties import TEAMS, TIED, build

    engine.invalidate()
    contest, event = build(make, {**TEAMS, **TIED})
    make.user("org9", "organiser", contest.organisation)
    db.session.commit()
    login_as("org9")
    for headers, text in ((EN, "Tied places await the chief judge&#39;s decision: T2, T3"),
                          ({}, "存在待裁判长裁定的并列名次：T2、T3")):
        page = client.post(f"/contests/{contest.id}/results/events/{event.id}/publish", headers=headers,
                           follow_redirects=True).get_data(as_text=True)
        assert text in page, text


def test_refusals_naming_an_entry_or_an_event_in_the_readers_language(app, make, monkeypatch):
    """Several ties are listed tie by tie; a ranking its explanations disagree with is not published, naming the
    entry; an unknown event (the CLI's reference) is named. Chinese as before, English through `tr`."""
    from contestapp.i18n import tr
    from contestapp.results import services
    from tests.results.test_team_rounds_stale_ties import TEAMS, build

    def both(exc, english, chinese):
        assert str(exc) == chinese
        for headers, text in ((EN, english), ({}, chinese)):
            with app.app_context(), app.test_request_context("/", headers=headers):
                assert tr(exc) == text

    engine.invalidate()
    contest, event = build(make, TEAMS)
    with pytest.raises(services.ResultsError) as exc:
        services.event_of(contest, "没有的赛项")
    both(exc.value, "No event 没有的赛项", "找不到赛项 没有的赛项")

    monkeypatch.setattr(engine, "explain_all", lambda event, spec: {})  # as if the two engines disagreed
    with pytest.raises(services.ResultsError) as exc:
        services.snapshot_data(event, services.utcnow())
    both(exc.value, "T2: the result details disagree with the ranking; contact the administrator",
         "T2：成绩明细与排名计算不一致，请联系管理员")

    tied = replace(engine.ranking(event), pending=[("T1", "T2"), ("K1", "K2", "K3")])  # two ties at once
    monkeypatch.setattr(engine, "ranking", lambda event: tied)
    with pytest.raises(services.ResultsError) as exc:
        services.snapshot_data(event, services.utcnow())
    both(exc.value, "Tied places await the chief judge's decision: T1, T2; K1, K2, K3",
         "存在待裁判长裁定的并列名次：T1、T2；K1、K2、K3")
