"""The judge-consistency analytics page and its JSON: what the organiser and the chief judge see during the contest,
and who may not see it."""
from contestapp.extensions import db
from tests.conftest import login
from tests.results.test_results_workflow import skills  # noqa: F401  (the fixture)


def _urls(skills):
    contest, event = skills["contest"], skills["event"]
    base = f"/contests/{contest.id}/analytics/events/{event.id}"
    return base, base + "/data.json"


def test_organiser_sees_judges_figures_in_the_table_and_the_same_json(skills, client):
    page_url, data_url = _urls(skills)
    login(client, "org1")
    data = client.get(data_url).get_json()
    judges = {j["judge"]: j for j in data["judges"]}
    assert set(judges) == {"j1", "j2", "j3", "j4", "j5"} and data["observations"] > 0
    for j in judges.values():
        assert j["marks"] > 0 and j["spread"] >= 0 and -100 <= j["mean_deviation"] <= 100
    assert sum(data["distribution"]["counts"]) == 4  # the four electricians' totals
    page = client.get(page_url).get_data(as_text=True)
    assert "评分一致性" in page and 'id="chart-deviation"' in page and "echarts.min.js" in page
    first = data["judges"][0]
    assert f"{first['mean_deviation']:+.2f}" in page  # the table shows the JSON's figures
    assert "E01" not in page or data["decrypted"]  # entrants by code only; no names before decryption
    assert "周甲" not in page


def test_z_scores_on_request(skills, client):
    page_url, data_url = _urls(skills)
    login(client, "org1")
    assert "z" not in client.get(data_url).get_json()
    z = client.get(data_url + "?z=1").get_json()["z"]
    assert z["judges"] and z["entries"] and all(-5 < c[2] < 5 for c in z["cells"])
    assert 'id="chart-z"' in client.get(page_url + "?z=1").get_data(as_text=True)


def test_judges_and_the_public_cannot_see_analytics(skills, client):
    page_url, data_url = _urls(skills)
    assert client.get(page_url).status_code in (302, 401, 403)
    login(client, "j1")
    assert client.get(page_url).status_code == 403 and client.get(data_url).status_code == 403


def test_unit_flag_names_an_alias_until_decryption(skills, client, app):
    from contestapp.results import analytics_views

    event = skills["event"]
    with app.test_request_context():
        aliases = analytics_views._unit_aliases(event, {"甲公司", "乙公司"})
    assert sorted(aliases.values()) == ["单位A", "单位B"]


def test_a_flag_names_the_unit_by_alias_until_decryption(skills, client, monkeypatch):
    """Four entrants are too few for the default thresholds, so the test lowers them: whatever the judge, a flag's
    unit is an alias before decryption and the unit's name after."""
    from contestapp.domain import analytics
    from contestapp.entrants.models import Unit
    from contestapp.judging.models import Decryption
    from contestapp.results import analytics_views

    def eager(observations):
        return analytics.judge_consistency(observations, min_unit_entries=1, flag_difference=analytics.ZERO,
                                           flag_t=analytics.ZERO)

    monkeypatch.setattr(analytics_views, "judge_consistency", eager)
    page_url, data_url = _urls(skills)
    login(client, "org1")
    units = list(db.session.scalars(db.select(Unit.name).where(Unit.contest_id == skills["contest"].id)))
    assert len(units) >= 2
    data = client.get(data_url).get_json()
    flagged = [f for j in data["judges"] for f in j["flags"]]
    assert flagged and all(f["unit"].startswith("单位") and f["unit"] not in units for f in flagged)
    page = client.get(page_url).get_data(as_text=True)
    assert flagged[0]["unit"] in page and not [u for u in units if u in page]
    db.session.add(Decryption(event_id=skills["event"].id, decrypted_by_id=skills["org1"].id))
    db.session.commit()
    data = client.get(data_url).get_json()
    after = {f["unit"] for j in data["judges"] for f in j["flags"]}
    assert after and after <= set(units)
