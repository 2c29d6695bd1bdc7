"""A judge typing on a slow connection: the answer to the previous save redraws the sheet while the judge is typing
the next mark. Before, the redraw replaced the field and what was typed was lost (the Enter then went to an empty
field); the text, the focus and the commit now survive the redraw."""
from __future__ import annotations

import pytest
from tests.conftest import wait_for_js

pytestmark = pytest.mark.browser

ALL_SENT = "document.getElementById('net').textContent.indexOf('全部评分已发送') >= 0"


def test_a_mark_being_typed_survives_the_previous_saves_answer(site, tablet):
    page = tablet.new_page()
    site.login(page, "judge6")  # the demo's marker: 焊工's objective criteria, half of them not started
    page.wait_for_selector("a.entry")
    section = page.locator("section.card", has=page.locator("h2", has_text="焊工 · 实际操作"))
    entry = section.locator('a.entry[data-status="not_started"]').first
    code = entry.get_attribute("data-code")
    entry.tap()
    page.wait_for_selector('#criteria input[data-criterion="bend"]')

    held = []
    page.route("**/api/v1/sheets/*/marks", lambda route: held.append(route))  # the Wi-Fi is slow: answers wait
    bend = page.locator('#criteria input[data-criterion="bend"]')
    bend.fill("10")
    with page.expect_request("**/api/v1/sheets/*/marks"):
        bend.press("Enter")
    assert len(held) == 1
    page.locator('#criteria input[data-criterion="time"]').tap()
    wait_for_js(page, "document.activeElement && document.activeElement.dataset.criterion === 'time'")  # the cursor
    page.keyboard.type("63")  # the judge is halfway through 6300 seconds...
    held[0].continue_()  # ...when the answer for 弯曲试验 arrives and the sheet is redrawn
    page.unroute("**/api/v1/sheets/*/marks")
    wait_for_js(page, ALL_SENT)
    assert page.evaluate("document.activeElement.dataset.criterion") == "time"
    page.keyboard.type("00")
    page.keyboard.press("Enter")
    wait_for_js(page, "document.getElementById('net').textContent.indexOf('全部评分已发送') >= 0 && "
                           "document.querySelector('#criteria input[data-criterion=\"time\"]').value === '6300'")

    page.evaluate("localStorage.clear()")  # nothing kept on the tablet: what the server has
    page.reload()
    wait_for_js(page, "document.querySelector('#criteria input[data-criterion=\"time\"]') !== null && "
                           "document.querySelector('#criteria input[data-criterion=\"time\"]').value !== ''")
    assert page.inner_text("#sheet-code") == code
    assert page.input_value('#criteria input[data-criterion="bend"]') == "10"
    assert page.input_value('#criteria input[data-criterion="time"]') == "6300"
