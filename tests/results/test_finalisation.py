"""Finalisation (定稿) only once publicity is over, no appeal is possible or waiting, and every judged round is
confirmed; the results page says why its button is disabled, and keeps the appeal form while appeals are possible.

Before this, results could be finalised the moment they were published (inside the publicity period, before the
appeal deadline), and the appeal form then disappeared."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from contestapp.domain import publicity as rules
from contestapp.extensions import db
from tests.results.final_helpers import T0, publish, ready_event

TUE = datetime(2025, 5, 20, 10, 0, tzinfo=timezone.utc)
FRI = datetime(2025, 5, 23, 10, 0, tzinfo=timezone.utc)


# --- the rule (pure) ------------------------------------------------------------------------------------------------

def test_publicity_counts_working_days():
    assert rules.add_working_days(TUE, 5) == TUE + timedelta(days=7)
    assert rules.add_working_days(FRI, 5) == FRI + timedelta(days=7)
    assert rules.add_working_days(FRI, 1) == FRI + timedelta(days=3)  # Monday


def test_appeals_close_at_the_deadline_or_without_a_recorded_end_at_the_publicity_end():
    end = TUE + timedelta(days=7)
    assert rules.appeals_close_at(TUE, 2, end) == TUE + timedelta(hours=2)
    assert rules.appeals_close_at(None, 2, end) == end
    assert rules.appeals_close_at(None, 2, None) is None
    assert rules.appeals_open(TUE, "draft", None) and rules.appeals_open(end, "publicity", end)
    assert not rules.appeals_open(end + timedelta(seconds=1), "publicity", end)
    assert not rules.appeals_open(TUE, "final", None) and not rules.appeals_open(TUE, "reopened", None)


def codes(*args, **kwargs):
    return [h.code for h in rules.finalise_holds(*args, **kwargs)]


def test_finalise_holds_name_every_reason_to_wait():
    published_end = TUE + timedelta(days=7)
    assert codes("draft", TUE, None, None, 0) == ["draft"]
    assert codes("final", TUE, published_end, None, 0) == ["final"]
    assert codes("reopened", TUE, published_end, None, 0) == ["reopened"]
    # the moment it is published: publicity, the appeal window (2 hours after the end), an appeal, a round
    assert codes("publicity", TUE, published_end, TUE + timedelta(hours=2), 1, ["实际操作"]) == [
        "publicity", "appeal_window", "appeals_pending", "unconfirmed"]
    # no recorded end: appeals close with publicity, said once
    assert codes("publicity", TUE, published_end, published_end, 0) == ["publicity"]
    # publicity over but a long appeal window still open
    assert codes("publicity", published_end, published_end, published_end + timedelta(days=1), 0) == ["appeal_window"]
    assert codes("publicity", published_end + timedelta(seconds=1), published_end, published_end, 0) == []
    hold = rules.finalise_holds("publicity", TUE, published_end, None, 2)
    assert hold[0].params == {"until": published_end} and hold[1].params == {"n": 2}


# --- the service ----------------------------------------------------------------------------------------------------

@pytest.fixture
def world(app, make):
    return ready_event(make)


def test_results_cannot_be_finalised_the_moment_they_are_published(world):
    from contestapp.results import services

    event = world["event"]
    publish(world)
    with pytest.raises(services.ResultsError, match="公示期至 2025-05-27 18:00 结束"):
        services.finalise(event, world["org1"], T0 + timedelta(hours=1, minutes=5))
    assert services.state_of(event).stage == "publicity" and event.final_at is None
    assert services.official_snapshot(event) is None


def test_finalisation_waits_for_the_appeal_deadline_and_pending_appeals(world):
    from contestapp.results import services

    event, org1 = world["event"], world["org1"]
    services.update_settings(event, org1, appeal_hours=240, publicity_days=5, board_enabled=False,
                             public_names=False)
    publish(world)
    state = services.state_of(event)
    after_publicity = state.publicity_ends_at + timedelta(minutes=1)
    appeal = services.lodge_appeal(event, None, "领队", "计时有误", org1, after_publicity)  # 10 days after the end
    with pytest.raises(services.ResultsError, match="申诉期至 2025-05-30 17:00 截止"):
        services.finalise(event, org1, after_publicity)
    past_deadline = T0 + timedelta(hours=241)
    with pytest.raises(services.ResultsError, match="还有 1 件申诉待仲裁"):
        services.finalise(event, org1, past_deadline)
    assert services.end_publicity_if_due(past_deadline) == {"finalised": [], "waiting": [event.id]}
    services.decide_appeal(appeal, False, "计时有据，维持", world["arb"], now=past_deadline)
    snap = services.finalise(event, org1, past_deadline)
    assert snap.number.endswith("/F1") and event.final_at == past_deadline
    assert services.state_of(event).stage == "final"


def test_finalisation_waits_for_the_chief_judges_confirmation(world):
    from contestapp.judging.signoff import confirm_round
    from contestapp.results import services

    event, org1 = world["event"], world["org1"]
    services.record_end(event, org1, T0)
    services.publish_preliminary(event, org1, T0 + timedelta(hours=1))
    later = services.state_of(event).publicity_ends_at + timedelta(hours=1)
    assert services.finalise_holds(event, later) == [("以下轮次尚未经裁判长确认：%(rounds)s", {"rounds": "实际操作"})]
    assert services.end_publicity_if_due(later) == {"finalised": [], "waiting": [event.id]}
    confirm_round(world["practical"], world["chief"])
    assert services.end_publicity_if_due(later) == {"finalised": [event.id], "waiting": []}


def test_without_a_recorded_end_appeals_stay_open_until_publicity_ends(world):
    from contestapp.judging.signoff import confirm_round
    from contestapp.results import services

    event, org1 = world["event"], world["org1"]
    confirm_round(world["practical"], world["chief"])
    services.publish_preliminary(event, org1, T0)
    end = services.state_of(event).publicity_ends_at
    services.lodge_appeal(event, None, "选手", "理论登分", org1, end - timedelta(hours=1))
    with pytest.raises(services.ResultsError, match="公示期已结束，不再受理申诉"):
        services.lodge_appeal(event, None, "选手", "晚了", org1, end + timedelta(minutes=1))


# --- the page -------------------------------------------------------------------------------------------------------

def _page(client, world, lang=None):
    if lang:
        client.set_cookie("lang", lang)
    url = f"/contests/{world['contest'].id}/results/events/{world['event'].id}"
    return url, client.get(url).get_data(as_text=True)


def test_the_page_disables_finalisation_with_its_reasons_and_keeps_the_appeal_form(world, client, login_as):
    """Inside publicity: the button is disabled, the reasons are listed, the appeal form is there; a forged post is
    refused with the reason. After publicity: the button works and the page says appeals closed."""
    from contestapp.results import services

    world["contest"].organisation_id = world["org1"].organisation_id
    db.session.commit()
    with time_machine.travel(T0 - timedelta(minutes=30), tick=False):
        services.update_settings(world["event"], world["org1"], appeal_hours=2, publicity_days=5,
                                 board_enabled=False, public_names=False)
        db.session.commit()
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        publish(world)
    with time_machine.travel(T0 + timedelta(hours=1, minutes=30), tick=False):
        login_as("org1")  # (signed in at the travelled time: a session from the future would not count)
        url, html = _page(client, world)
        assert 'id="finalise" class="btn btn-primary" type="button" disabled' in html
        assert "暂不能定稿" in html and "公示期至 2025-05-27 18:00 结束，期满后才能定稿" in html
        assert "申诉期至 2025-05-20 19:00 截止" in html
        assert 'id="lodge-appeal"' in html  # appeals still possible: the form stays
        refused = client.post(url + "/finalise", follow_redirects=True).get_data(as_text=True)
        assert "公示期至 2025-05-27 18:00 结束" in refused
        assert services.state_of(world["event"]).stage == "publicity"
        _url, english = _page(client, world, "en")
        assert "Cannot be finalised yet" in english and "The publicity period runs until 2025-05-27 18:00" in english
        client.set_cookie("lang", "zh_CN")
    with time_machine.travel(datetime(2025, 5, 27, 11, 0, tzinfo=timezone.utc), tick=False):
        login_as("org1")
        url, html = _page(client, world)
        assert "暂不能定稿" not in html and 'id="lodge-appeal"' not in html
        assert "申诉期已于 2025-05-20 19:00 截止" in html
        done = client.post(url + "/finalise", follow_redirects=True).get_data(as_text=True)
        assert "成绩已定稿，奖项已评定" in done and "成绩已定稿，不再受理申诉" in done
