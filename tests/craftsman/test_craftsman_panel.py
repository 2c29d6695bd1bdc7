"""Issue 12's craftsman defects, guarded: recusal follows the units a person really belongs to, and a panel that
recusal leaves too small is reported (in Chinese, candidate by candidate) before the review starts, which is refused
or needs the organiser's explicit confirmation."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from contestapp.extensions import db
from tests.conftest import login
from tests.craftsman.craftsman_helpers import build_world, craftsman_definition, nominate


def _checked(call, office, noms):
    from contestapp.craftsman import calls, nominations

    calls.set_stage(call, "checking", office)
    for n in noms:
        nominations.decide(call, n, "eligible", "", office)
    db.session.commit()


def _legacy_world(make):
    """What every account defaulting to the top organisation produced: units and experts all in the federation."""
    from contestapp.contests.definition import create_contest
    from contestapp.craftsman import calls

    top = make.org("江山市总工会", "city")
    contest = create_contest(craftsman_definition(), top, None)
    office = make.user("office", "organiser", top)
    units = [make.user(f"unit{k}", "unit", top) for k in range(3)]
    for j in range(5):
        make.member(contest, make.user(f"expert{j}", "judge", top))
    call = calls.save_call(contest, {
        "title": "江山工匠", "quota": 2, "shortlist_size": 3, "reference_date": date(2025, 4, 30),
        "deadline": datetime.now(timezone.utc) + timedelta(days=3), "eligibility": {}, "targets": [],
        "vote_enabled": False, "vote_weight": "0", "publicity_days": 5}, office)
    return contest, call, office, units


def test_a_unit_account_in_the_organising_federation_cannot_nominate(app, make, client):
    from contestapp.craftsman import errors

    contest, call, office, units = _legacy_world(make)
    db.session.commit()
    with pytest.raises(errors.CraftsmanError, match="主办单位"):
        nominate(call, units[0], 0)
    db.session.rollback()
    login(client, "unit0")
    page = client.get("/craftsman/unit").get_data(as_text=True)
    assert "本账号属于评选的主办单位，不能推荐候选人" in page and "推荐候选人</a>" not in page


def test_every_candidate_without_a_possible_score_is_named_and_the_review_does_not_start(app, make, client):
    """The issue's case: every expert shares the nominating unit with every candidate. Before, the review started
    with 0 sheets and no warning."""
    from contestapp.craftsman import errors, review
    from contestapp.craftsman.models import Nomination
    from contestapp.judging.models import ScoreSheet

    contest, call, office, units = _legacy_world(make)
    noms = []
    for k, unit in enumerate(units):  # (nominations made before the organising federation was refused)
        n = nominate(call, make.user(f"tmp{k}", "unit", make.org(f"临时单位{k}", "unit")), k)
        n.unit_org = unit.organisation
        noms.append(n)
    db.session.flush()
    _checked(call, office, noms)
    login(client, "office")

    console = client.get(f"/craftsman/{contest.id}/").get_data(as_text=True)
    assert "回避后有 3 名候选人的评审专家不足" in console and "查看每位候选人的评审专家" in console
    page = client.get(f"/craftsman/{contest.id}/review/start").get_data(as_text=True)
    assert "以下候选人回避后没有足够的评审专家，无法评分（评分规则至少需要 1 名），不能开始评审" in page
    for n in noms:
        assert f"{n.name}（江山市总工会）：可评专家 0 名" in page
    assert "以下专家的所属单位是主办单位 江山市总工会 本身" in page
    assert 'id="start" disabled' in page

    response = client.post(f"/craftsman/{contest.id}/review/start", data={"acknowledge": "1"}, follow_redirects=True)
    assert "回避后有候选人没有足够的评审专家，无法评分，不能开始评审" in response.get_data(as_text=True)
    db.session.expire_all()
    assert call.stage == "checking" and db.session.scalar(select(func.count(ScoreSheet.id))) == 0
    assert all(n.entrant_id is None for n in db.session.scalars(select(Nomination)))
    with pytest.raises(errors.PanelTooSmall) as refused:
        review.start_review(call, office, acknowledged=True)
    assert [c.nomination.name for c in refused.value.check.blocked] == [n.name for n in noms]


def test_a_short_panel_is_listed_and_starts_only_when_confirmed(app, make, client):
    from contestapp.audit.models import AuditEntry
    from contestapp.craftsman import panel

    w = build_world(make, units=3, experts=5, vote=False)  # the last expert works at the last unit
    noms = [nominate(w["call"], w["units"][k], k) for k in range(3)]
    _checked(w["call"], w["organiser"], noms)
    contest = w["contest"]
    login(client, "office")

    # the old button leads to the page with the panel, it does not start anything
    response = client.post(f"/craftsman/{contest.id}/stage", data={"stage": "review"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/craftsman/{contest.id}/review/start")
    page = client.get(f"/craftsman/{contest.id}/review/start").get_data(as_text=True)
    assert "以下候选人回避后可评专家少于 5 名" in page
    assert "候选人02（推荐单位2）：可评专家 4 名" in page and "候选人00（推荐单位0）：可评专家" not in page
    assert "expert4（同属 推荐单位2）" in page
    assert 'name="acknowledge"' in page and 'id="start" disabled' not in page

    response = client.post(f"/craftsman/{contest.id}/review/start", follow_redirects=True)
    assert "回避后有候选人的评审专家少于要求人数，请确认后再开始评审" in response.get_data(as_text=True)
    db.session.expire_all()
    assert w["call"].stage == "checking"

    response = client.post(f"/craftsman/{contest.id}/review/start", data={"acknowledge": "1"}, follow_redirects=True)
    assert "专家评审开始：3 名候选人进入评审" in response.get_data(as_text=True)
    db.session.expire_all()
    assert w["call"].stage == "review"
    started = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "craftsman.review.start"))
    assert "已确认回避后专家不足 5 名：候选人02（4 名）" in started.summary
    # once started, the page sends the organiser to the review
    assert client.get(f"/craftsman/{contest.id}/review/start").status_code == 302
    assert panel.experts_of(contest)  # (the panel itself is unchanged)


def test_recusal_follows_the_units_a_person_belongs_to(app, make):
    """An expert is recused from the candidates of the unit the account belongs to, from candidates employed there
    though nominated by someone else, and from those of the employer named on the account -- never because of the
    federation that runs the selection."""
    from contestapp.craftsman import panel
    from contestapp.craftsman.panel import shared_unit

    w = build_world(make, units=2, experts=5)
    fed = w["contest"].organisation
    turbine = make.org("杭州汽轮机股份有限公司", "unit", w["unit_orgs"][0])
    at_turbine = make.user("turbine_expert", "judge", turbine)
    named = make.user("college_expert", "judge", make.org("杭州技师学院", "unit", fed), unit_name="江山 某某制造有限公司1")
    at_federation = make.user("fed_expert", "judge", fed)
    employed = nominate(w["call"], w["units"][0], 0, employer="杭州汽轮机股份有限公司")
    other = nominate(w["call"], w["units"][1], 1)
    own = nominate(w["call"], make.user("turbine_unit", "unit", turbine), 2)
    assert panel.is_recused(at_turbine, employed) and shared_unit(at_turbine, employed) == "杭州汽轮机股份有限公司"
    assert panel.is_recused(at_turbine, own) and not panel.is_recused(at_turbine, other)
    assert panel.is_recused(named, other) and shared_unit(named, other) == "江山某某制造有限公司1"
    assert not any(panel.is_recused(at_federation, n) for n in (employed, other, own))
