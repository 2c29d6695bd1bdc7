"""Experts score on tablets through the judging flow: the review (and the shortlisted candidates' defence) are judging
Assignments with sheets by code; the craftsman recusal rule is the judging Recusal; marks sent through the API are
what the shortlist and the final ranking count."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contestapp.extensions import db
from tests.conftest import login
from tests.craftsman.craftsman_helpers import build_world, marks_for, nominate

QUALITY = [Decimal("0.9"), Decimal("0.5"), Decimal("0.8"), Decimal("0.6"), Decimal("0.7"), Decimal("0.4")]


def _tablet(app, username):
    client = app.test_client()
    login(client, username)
    return client


def _score(client, sheet, criteria, values, key):
    by_code = {c["code"]: c["id"] for c in criteria}
    r = client.put(f"/api/v1/sheets/{sheet['id']}/marks", headers={"Idempotency-Key": key},
                   json={"version": sheet["version"],
                         "marks": [{"criterion_id": by_code[k], "value": str(v)} for k, v in values.items()]})
    assert r.status_code == 200, r.get_json()
    r = client.post(f"/api/v1/sheets/{sheet['id']}/submit", json={"version": r.get_json()["version"], "confirm": True})
    assert r.status_code == 200 and r.get_json()["status"] == "submitted", r.get_json()


def test_experts_score_review_and_defence_on_tablets(app, make):
    from contestapp.craftsman import calls, errors, nominations, review
    from contestapp.craftsman.models import Stage
    from contestapp.judging.models import Assignment, Recusal, ScoreSheet

    w = build_world(make, units=6, experts=5, vote=False)
    call, office, experts = w["call"], w["organiser"], w["experts"]
    call.quota, call.shortlist_size = 2, 3
    # candidate 5 comes from the last unit, where the last expert works: that pair is recused
    noms = [nominate(call, w["units"][i], i) for i in range(6)]
    calls.set_stage(call, Stage.CHECKING, office)
    for n in noms:
        nominations.decide(call, n, "eligible", "", office)
    assert review.start_review(call, office, acknowledged=True) == 6  # candidate 5 keeps 4 experts: confirmed
    db.session.commit()

    # one mechanism: the rule's pair is one judging Recusal, the tablet assignments exist for the review round
    recusals = db.session.execute(select(Recusal.judge_id, Recusal.entry_id, Recusal.source)).all()
    entry5 = review.entry_of(noms[5])
    assert recusals == [(experts[-1].id, entry5.id, "unit")]
    assert db.session.scalar(select(func.count(Assignment.id))) == 5
    codes = {n.id: review.entry_of(n).code for n in noms}
    assert all(codes.values()) and len(set(codes.values())) == 6

    for j, expert in enumerate(experts):
        client = _tablet(app, expert.username)
        data = client.get("/api/v1/assignments").get_json()
        (rnd,) = data["rounds"]
        assert rnd["round"] == "专家评审"
        expected = {codes[n.id] for n in noms} - ({codes[noms[5].id]} if expert is experts[-1] else set())
        sheets = {s["code"]: s for s in rnd["sheets"]}
        assert set(sheets) == expected
        assert not any(n.name in str(data) for n in noms)  # codes only on the tablet
        for i, n in enumerate(noms):
            if codes[n.id] in sheets:
                _score(client, sheets[codes[n.id]], rnd["criteria"], marks_for(QUALITY[i], j), f"r-{j}-{i}")
        if expert is experts[-1]:  # the recused expert is refused on the paper path too (same Recusal)
            with pytest.raises(errors.CraftsmanError, match="回避"):
                review.record_marks(expert, noms[5], "review", marks_for(QUALITY[5], j))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ScoreSheet.id)).where(ScoreSheet.status == "submitted")) == 29

    progress = review.tablet_progress(w["contest"])
    assert [(p.round, p.submitted, p.sheets) for p in progress] == [("专家评审", 6, 6)] * 4 + [("专家评审", 5, 5)]
    office_client = _tablet(app, "office")
    page = office_client.get(f"/craftsman/{w['contest'].id}/review").get_data(as_text=True)
    assert "tablet-progress" in page and "5/5" in page

    # the shortlist counts the tablet marks
    standings = review.review_standings(call)
    assert [noms.index(s.nomination) for s in standings] == [0, 2, 4, 3, 1, 5]
    assert "去掉1个最高分和1个最低分后取平均" in standings[0].explanation
    shortlist = review.make_shortlist(call, office)
    assert [noms.index(s.nomination) for s in shortlist] == [0, 2, 4]
    db.session.commit()

    # the defence round opens on the tablets for the shortlisted only
    for j, expert in enumerate(experts):
        client = _tablet(app, expert.username)
        rounds = {r["round"]: r for r in client.get("/api/v1/assignments").get_json()["rounds"]}
        defence = rounds["现场答辩"]
        assert {s["code"] for s in defence["sheets"]} == {codes[noms[i].id] for i in (0, 2, 4)}
        for i in (0, 2, 4):
            sheet = next(s for s in defence["sheets"] if s["code"] == codes[noms[i].id])
            _score(client, sheet, defence["criteria"], {"defence": 90 - 10 * (i // 2) + j % 3}, f"d-{j}-{i}")
    db.session.expire_all()
    assert [(p.submitted, p.sheets) for p in review.tablet_progress(w["contest"]) if p.round == "现场答辩"] == [(3, 3)] * 5
    with pytest.raises(errors.CraftsmanError, match="答辩"):  # not shortlisted: no defence
        review.record_marks(experts[0], noms[1], "defence", {"defence": 80})
    final = review.final_standings(call)
    assert [noms.index(s.nomination) for s in final] == [0, 2, 4]
    assert all(s.defence is not None for s in final)


def test_expert_sees_candidates_materials_with_their_codes(app, make):
    from contestapp.craftsman import calls, nominations, review
    from contestapp.craftsman.models import Stage

    w = build_world(make, units=3, experts=5, vote=False)
    call, office = w["call"], w["organiser"]
    noms = [nominate(call, w["units"][i], i) for i in range(3)]
    calls.set_stage(call, Stage.CHECKING, office)
    for n in noms:
        nominations.decide(call, n, "eligible", "", office)
    review.start_review(call, office, acknowledged=True)  # candidate 2 keeps 4 experts: confirmed
    db.session.commit()
    page = _tablet(app, w["experts"][0].username).get("/craftsman/expert").get_data(as_text=True)
    for n in noms:
        assert n.name in page and review.entry_of(n).code in page
    # the recused expert does not see the candidate of their unit
    page = _tablet(app, w["experts"][-1].username).get("/craftsman/expert").get_data(as_text=True)
    assert noms[2].name not in page and noms[0].name in page


def test_conflict_declared_on_the_tablet_blocks_the_paper_path_and_the_materials(app, make):
    from contestapp.craftsman import calls, errors, nominations, review
    from contestapp.craftsman.models import Stage

    w = build_world(make, units=3, experts=5, vote=False)
    call, office, expert = w["call"], w["organiser"], w["experts"][0]
    noms = [nominate(call, w["units"][i], i) for i in range(3)]
    calls.set_stage(call, Stage.CHECKING, office)
    for n in noms:
        nominations.decide(call, n, "eligible", "", office)
    review.start_review(call, office, acknowledged=True)  # candidate 2 keeps 4 experts: confirmed
    db.session.commit()
    assert nominations.may_see_nomination(expert, noms[1])
    client = _tablet(app, expert.username)
    (rnd,) = client.get("/api/v1/assignments").get_json()["rounds"]
    sheet = next(s for s in rnd["sheets"] if s["code"] == review.entry_of(noms[1]).code)
    r = client.post(f"/api/v1/sheets/{sheet['id']}/recusal", json={"reason": "候选人是本人亲属"})
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    with pytest.raises(errors.CraftsmanError, match="已回避"):
        review.record_marks(expert, noms[1], "review", marks_for(Decimal("0.8"), 0))
    assert not nominations.may_see_nomination(expert, noms[1])
    assert [n for n, _ in nominations.expert_candidates(w["contest"], expert)] == [noms[0], noms[2]]
