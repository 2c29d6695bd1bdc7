"""The big screen's data (大屏): live during judging -- progress, the results of confirmed rounds, the ranking -- by
code only; after decryption the final ranking with names, units and awards when names are allowed."""
import json
from datetime import timedelta

from contestapp.extensions import db
from tests.results.test_results_workflow import T0, skills  # noqa: F401  (the fixture)


def _open(event, names=True):
    from contestapp.results import services

    services.update_settings(event, None, appeal_hours=2, publicity_days=5, board_enabled=True, public_names=names)
    db.session.commit()


def _names(event):
    from contestapp.entrants.models import Entrant, Entry

    return list(db.session.scalars(db.select(Entrant.name).join(Entry, Entry.entrant_id == Entrant.id)
                                   .where(Entry.event_id == event.id)))


def test_live_board_shows_confirmed_rounds_by_code_and_no_identity(skills, client):
    from contestapp.judging.models import RoundConfirmation

    event = skills["event"]
    _open(event)
    theory = next(r for r in event.rounds if r.code == "theory")
    db.session.add(RoundConfirmation(round_id=theory.id, confirmed_by_id=skills["org1"].id))
    db.session.commit()
    response = client.get(f"/board/{event.id}/data.json")
    data = response.get_json()
    assert data["phase"] == "live" and not data["names"]
    [confirmed] = data["rounds"]
    assert confirmed["round"] == "theory" and confirmed["rows"][0]["label"].startswith("E")
    scores = [float(r["score"]) for r in confirmed["rows"]]
    assert scores == sorted(scores, reverse=True)
    assert all(r["unit"] == "" and r["award"] == "" for r in data["rows"])
    body = response.get_data(as_text=True)
    assert not [n for n in _names(event) if n in body]  # no entrant's name anywhere before decryption
    page = client.get(f"/board/{event.id}").get_data(as_text=True)
    assert "评分进行中" in page and not [n for n in _names(event) if n in page]


def test_final_board_has_names_units_and_awards_only_when_allowed(skills, client):
    from contestapp.judging.models import Decryption
    from contestapp.results import services

    event, org1 = skills["event"], skills["org1"]
    db.session.add(Decryption(event_id=event.id, decrypted_by_id=org1.id))
    _open(event, names=False)  # decrypted, but the organiser keeps names off public pages
    data = client.get(f"/board/{event.id}/data.json").get_json()
    assert data["phase"] == "final" and not data["names"] and data["rounds"] == []
    assert not [n for n in _names(event) if n in json.dumps(data, ensure_ascii=False)]
    assert all(r["unit"] == "" and r["award"] == "" for r in data["rows"])  # not final yet: no awards
    _open(event, names=True)
    services.record_end(event, org1, T0)
    services.publish_preliminary(event, org1, T0 + timedelta(hours=1))
    assert services.end_publicity_if_due(T0 + timedelta(days=8))["finalised"] == [event.id]
    db.session.commit()
    data = client.get(f"/board/{event.id}/data.json").get_json()
    assert data["phase"] == "final" and data["names"]
    first, second = data["rows"][:2]
    assert first["label"] in _names(event) and first["unit"]
    assert (first["award"], second["award"]) == ("二等奖", "三等奖")  # 4 entrants: 30% -> 1 place, 60% -> 2


def test_board_page_interval_is_bounded_and_unchanged_data_costs_a_304(skills, client):
    event = skills["event"]
    _open(event)
    assert 'data-page-seconds="2"' in client.get(f"/board/{event.id}?page=0").get_data(as_text=True)
    assert 'data-page-seconds="120"' in client.get(f"/board/{event.id}?page=9999").get_data(as_text=True)
    assert 'data-page-seconds="12"' in client.get(f"/board/{event.id}?page=abc").get_data(as_text=True)
    first = client.get(f"/board/{event.id}/data.json")
    again = client.get(f"/board/{event.id}/data.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
