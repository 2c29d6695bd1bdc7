"""axe-core on every main page, as each demo role reaches it (issue 15 item 9): from the home page, the top bar's
links, every contest the role can open and that contest's tabs, and the links one step further inside each tab
(an event, a period, a sheet). No critical or serious violation on any of them."""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.conftest import axe_findings

pytestmark = pytest.mark.browser

ROLES = ["admin", "organiser", "chief", "arbiter", "judge1", "kaoping1", "canjian1", "xihu", "zhuanjia1", "quzong",
         "reviewer1", "union01"]
SKIP = re.compile(r"/logout|/export|\.(pdf|xlsx|csv|zip|json|png)(\?|$)|/download|/sw\.js|/static/")
PER_ROLE = 40  # enough for every main page of the role; ids are normalised so a list of 50 rows counts once


def _shape(url: str) -> str:
    """A page's kind: the path with its numbers replaced (one event page stands for all of them)."""
    return re.sub(r"/\d+", "/N", urlparse(url).path)


def _links(page, base: str, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
    return [h.split("#")[0] for h in hrefs if h.startswith(base) and not SKIP.search(h)]


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)  # what the pages look like does not depend on the database
@pytest.mark.parametrize("role", ROLES)
def test_main_pages_have_no_critical_or_serious_axe_finding(site, desktop, role):
    page = desktop.new_page()
    site.login(page, role)
    seen: set[str] = set()
    findings: dict[str, list[str]] = {}
    queue = [page.url]
    depth = {page.url: 0}
    while queue and len(seen) < PER_ROLE:
        url = queue.pop(0)
        if _shape(url) in seen:
            continue
        seen.add(_shape(url))
        response = page.goto(url)
        assert response is not None and response.status < 500, f"{url} answered {response and response.status}"
        if response.status >= 400 or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        found = axe_findings(page)
        if found:
            findings[urlparse(url).path] = found
        if depth[url] < 3:  # home → contest → tab → one item inside it
            for link in _links(page, site.base, "main a[href], nav a[href], header a[href]"):
                if link not in depth:
                    depth[link] = depth[url] + 1
                    queue.append(link)
    assert len(seen) >= 2, f"{role} reached only {seen}"
    assert findings == {}, "\n".join(f"{path}\n  " + "\n  ".join(lines) for path, lines in findings.items())
