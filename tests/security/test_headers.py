"""Security headers on every page, and pages that satisfy their own Content-Security-Policy in a real browser."""
import pytest

from tests.conftest import PASSWORD, Factory


def test_pages_carry_csp_frame_referrer_and_nosniff_headers(client):
    for path in ("/login", "/judging/card", "/static/css/app.css", "/no-such-page"):
        r = client.get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp and "base-uri 'self'" in csp
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in r.headers  # plain HTTP: no HSTS
    assert "script-src 'self'" in client.get("/api/v1/openapi.json").headers["Content-Security-Policy"]


def test_hsts_is_sent_over_tls(client):
    r = client.get("/login", base_url="https://contest.example.gov.cn")
    assert "max-age=" in r.headers["Strict-Transport-Security"]


def test_no_page_template_runs_inline_script():
    """Behaviour lives in static/js; templates only carry data (<script type="application/json">)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path.relative_to(root)}: {tag}")
        if re.search(r"\son[a-z]+=\"", text) or "javascript:" in text:
            offenders.append(f"{path.relative_to(root)}: inline event handler or javascript: URL")
    assert offenders == []


@pytest.mark.browser
def test_the_browser_reports_no_csp_violation_on_the_main_pages(live_server, tablet):
    base, app = live_server
    from contestapp.extensions import db

    with app.app_context():
        f = Factory()
        org = f.org()
        f.user("org1", "organiser", org)
        contest = f.contest(org)
        db.session.commit()
        cid = contest.id
    page = tablet.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{base}/judging/card")
    page.goto(f"{base}/login")
    page.fill("#username", "org1")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    for path in (f"/contests/{cid}", f"/contests/{cid}/entrants/", f"/contests/{cid}/certificates/layouts/award"):
        page.goto(base + path)
    assert violations == []
