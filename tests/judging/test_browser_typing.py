"""In a real browser on a tablet: a mark being typed is not wiped when the sheet is drawn again because an earlier
mark's save came back (the craftsman journey's experts lost marks that way on a busy server)."""
import pytest
from tests.conftest import wait_for_js

pytestmark = pytest.mark.browser


def test_a_mark_being_typed_survives_the_answer_to_an_earlier_save(live_server, tablet):
    from contestapp.extensions import db
    from contestapp.judging.assignments import assign
    from contestapp.judging.draws import draw_event
    from tests.conftest import Factory, sign_in

    base, app = live_server
    with app.app_context():
        make = Factory()
        org = make.org()
        contest = make.contest(org)
        make.roster(contest, 1)
        event = contest.events[0]
        practical = next(r for r in event.rounds if r.code == "practical")
        draw_event(event, None, seed=1)
        assign(contest, make.user("typist", "judge", org), [practical], ["m1", "safety"], None)
        db.session.commit()
    page = tablet.new_page()
    sign_in(page, base, "typist")
    held = []

    def hold_the_first(route):  # the first save's answer waits until released; later ones go through
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/v1/sheets/*/marks", hold_the_first)
    page.locator("a.entry").first.tap()
    page.fill('input[data-criterion="safety"]', "1")
    page.press('input[data-criterion="safety"]', "Enter")
    wait_for_js(page, "document.getElementById('net').textContent.indexOf('1') >= 0")  # 1 mark being sent
    page.tap('input[data-criterion="m1"]')
    # a tap focuses the field once the browser has recognised the gesture, after tap() returns: a judge sees the
    # cursor there before typing (on a loaded machine, keys sent at once went to the field still focused)
    wait_for_js(page, "document.activeElement && document.activeElement.dataset.criterion === 'm1'")
    page.keyboard.type("2")  # typing the next mark, key by key, while the first is on its way
    held[0].continue_()
    wait_for_js(page, "document.getElementById('net').textContent.indexOf('全部评分已发送') >= 0")
    page.keyboard.type("5")
    assert page.input_value('input[data-criterion="m1"]') == "25"
    page.keyboard.press("Enter")
    wait_for_js(page, "document.getElementById('net').textContent.indexOf('全部评分已发送') >= 0")
    assert page.input_value('input[data-criterion="safety"]') == "1"
    with app.app_context():
        from sqlalchemy import select

        from contestapp.judging.models import Mark

        assert sorted(str(v) for v in db.session.scalars(select(Mark.value))) == ["1", "25"]
        db.session.remove()
