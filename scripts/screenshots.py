"""Regenerate the README's screenshots (docs/screenshots/*.png) from the demo.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds the demo (`flask demo`'s data) on a temporary SQLite file, serves it on 127.0.0.1 in a thread (as the journey
tests do), and drives Debian's chromium through playwright: the chief judge's console and marks grid, the
judge-consistency analytics, the big screen live (焊工, judging under way) at 1920x1080 and final (电工, decrypted and
finalised) at 1920x1080 and 3840x2160, and an award certificate (the certificate PDF's page rendered by pdftoppm).
PNGs are reduced to a palette so that each stays well under 400 KB. Nothing outside the temporary folder and --out is
written.
"""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
LIMIT = 400 * 1024


def small_png(data: bytes, path: Path) -> int:
    """Write the PNG reduced to a 256-colour palette (screens of flat colours and text lose nothing visible)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    colours = 256
    while True:
        out = io.BytesIO()
        image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
        if out.tell() <= LIMIT or colours <= 32:
            break
        colours //= 2
    path.write_bytes(out.getvalue())
    return out.tell()


def build_site(folder: Path):
    """The demo on a fresh SQLite database, served at a free port; returns (base url, app, server)."""
    os.environ["CONTESTAPP_INSTANCE"] = str(folder / "instance")
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    from config import TestingConfig
    from contestapp import create_app
    from contestapp.demo import create_demo
    from contestapp.extensions import db

    app = create_app(TestingConfig(f"sqlite:///{folder / 'demo.db'}"))
    with app.app_context():
        db.create_all()
        create_demo()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", app, server


def demo_ids(app) -> dict:
    """The skills demo's contest and its two events; the running event's big screen is switched on (as the
    organiser does on the results page) so that the live phase can be shown."""
    from sqlalchemy import select

    from contestapp.contests.models import Contest
    from contestapp.demo.skills import DEMO_CODE
    from contestapp.extensions import db
    from contestapp.results import services

    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.code == DEMO_CODE))
        final, live = contest.events[0], contest.events[1]
        state = services.state_of(live)
        state.board_enabled = True
        ids = {"contest": contest.id, "final": final.id, "live": live.id}
        db.session.commit()
        db.session.remove()
    return ids


def login(page, base: str, username: str) -> None:
    from contestapp.demo.common import PASSWORD

    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def wait_charts(page) -> None:
    for _ in range(100):
        if page.evaluate("() => document.getElementById('charts') && document.getElementById('charts').dataset.ready"):
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)


def certificate_png(context, base: str, contest_id: int, folder: Path) -> bytes:
    """The award certificate's PDF (the layout as printed, with the sample holder) rendered by pdftoppm."""
    response = context.request.get(f"{base}/contests/{contest_id}/certificates/layouts/award/preview?format=pdf")
    pdf = folder / "certificate.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", str(pdf), str(folder / "certificate")], check=True)
    return (folder / "certificate.png").read_bytes()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base, app, server = build_site(folder)
        ids = demo_ids(app)
        shots: dict[str, bytes] = {}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                desk = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
                page = desk.new_page()
                login(page, base, "chief")
                page.goto(f"{base}/contests/{ids['contest']}/judging/")
                shots["chief-judge-console.png"] = page.screenshot(full_page=True)
                page.locator(f"#event-{ids['live']} a[href*='/judging/rounds/']").last.click()  # the marks grid
                with page.expect_navigation():
                    page.select_option("#grid-view-select", index=1)
                shots["chief-judge-grid.png"] = page.screenshot(full_page=True)
                page.goto(f"{base}/contests/{ids['contest']}/analytics/events/{ids['final']}")
                wait_charts(page)
                shots["judge-analytics.png"] = page.screenshot(full_page=True)
                page.goto(f"{base}/contests/{ids['contest']}/analytics/events/{ids['final']}?z=1")
                wait_charts(page)
                shots["judge-analytics-z.png"] = page.locator("#h-z").locator("..").screenshot()
                desk.close()
                office = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
                login(office.new_page(), base, "organiser")
                shots["certificate-award.png"] = certificate_png(office, base, ids["contest"], folder)
                office.close()
                for name, event, width, height in [("big-screen-live-1920x1080.png", "live", 1920, 1080),
                                                   ("big-screen-final-1920x1080.png", "final", 1920, 1080),
                                                   ("big-screen-final-3840x2160.png", "final", 3840, 2160)]:
                    wall = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
                    screen = wall.new_page()
                    screen.goto(f"{base}/board/{ids[event]}")
                    screen.wait_for_timeout(500)
                    shots[name] = screen.screenshot()
                    wall.close()
                browser.close()
        finally:
            server.shutdown()
        for name, data in shots.items():
            size = small_png(data, out / name)
            print(f"{out / name}: {size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
