"""Merit charts (ECharts page and its JSON): scores per unit over the published periods and where points were lost,
the table on the page showing the same figures as the JSON."""
from contestapp.extensions import db  # noqa: F401
from tests.merit.merit_helpers import UNITS, at, client_for, merit, run_all, score  # noqa: F401  (merit: fixture)


def test_trends_and_losses_by_item(app, merit):  # noqa: F811
    from contestapp.merit.periods import periods_of

    contest, judges = merit["contest"], merit["judges"]
    april, may, _ = periods_of(contest)
    run_all(at(2025, 4, 1))
    score(april, judges, {UNITS[1]: {"safety": ("2", "基坑临边防护缺失", "")}})
    run_all(at(2025, 5, 6))
    score(may, judges, {UNITS[1]: {"safety": ("1", "脚手架未验收", "")}})
    run_all(at(2025, 6, 6))
    org = client_for(app, "organiser1")
    event = contest.events[0]
    base = f"/contests/{contest.id}/merit/trends"
    assert org.get(base + "/").headers["Location"].endswith(f"{base}/events/{event.id}")
    data = org.get(f"{base}/events/{event.id}/data.json").get_json()
    assert len(data["trends"]["periods"]) == 2
    units = {u["name"]: u["scores"] for u in data["trends"]["units"]}
    assert set(units) == set(UNITS) and all(None not in s for s in units.values())
    assert units[UNITS[1]][0] < units[UNITS[0]][0]  # the unit with deductions scores lower
    items = data["losses"]["items"]
    assert items and items[0]["points"] > 0 and items == sorted(items, key=lambda i: -i["points"])
    assert UNITS[1] in data["losses"]["by_unit"]
    page = org.get(f"{base}/events/{event.id}").get_data(as_text=True)
    assert 'id="chart-trends"' in page and 'id="chart-losses"' in page and "js/charts.js" in page
    assert f"{units[UNITS[1]][0]:.2f}" in page and items[0]["name"] in page
    assert client_for(app, "unit_a").get(f"{base}/events/{event.id}").status_code == 403
