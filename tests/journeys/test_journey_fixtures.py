"""The journeys' own fixtures work: the demo is served on a fresh database and the clock moves for the server."""
from datetime import datetime, timedelta, timezone


def test_demo_site_serves_the_demo_and_the_clock_moves_for_it(site, desktop, clock):
    page = desktop.new_page()
    site.login(page, "organiser")
    assert "杭州市职工职业技能竞赛" in page.inner_text("body")
    later = datetime.now(timezone.utc) + timedelta(days=40)
    clock.move_to(later)
    with site.db():
        from contestapp.common.db import utcnow

        assert utcnow() >= later
