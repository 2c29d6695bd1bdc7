"""Every page, every role, no 500 (issue 12, item 5).

On the demo served live (`site`: a real HTTP server on a fresh database), each demo role signs in through the login
form and follows every same-origin link reachable from its home page, breadth-first, GET only, in Chinese (the
default) and in English (the language link's URL, /lang/en). The crawl fails on any 5xx, on a link shown to a role
that leads to an error page (4xx), and, in English, on fixed text left in Chinese: the Chinese strings of an English
page, less the demo's own data (names, units, titles: whatever the database holds, but not what the application
writes itself), records shown on purpose as Chinese (inside `lang="zh-CN"`), what the user edits (textareas) and
Chinese an English translation quotes on purpose (what a certificate prints), are untranslated messages.

Bounded: URLs are deduplicated by path with numeric ids normalised (a contest's id is kept, so each contest kind is
visited; at most VARIANTS different ids per normalised path, so a finished and a running event are both seen);
downloads (PDF, xlsx, csv, zip) are requested once per role and their status checked, their bodies not read.
"""
from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from sqlalchemy import JSON, String, Text, select

from tests.journeys.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.slow

# One account per role and contest kind (contestapp/demo/): who, the kind, the login.
ROLES = [
    ("admin", "all", "admin"),
    ("organiser", "skills, merit, craftsman", "organiser"),
    ("organiser", "points", "quzong"),
    ("chief judge", "skills", "chief"),
    ("judge", "skills", "judge1"),
    ("arbiter", "skills", "arbiter"),
    ("assessor", "merit", "kaoping1"),
    ("unit", "merit", "canjian1"),
    ("unit (county union)", "craftsman", "xihu"),
    ("unit (enterprise)", "craftsman", "qilunji"),
    ("expert", "craftsman", "zhuanjia1"),
    ("reviewer", "points", "reviewer1"),
    ("unit (grassroots union)", "points", "union01"),
    ("visitor (not signed in)", "all", ""),  # from the sign-in page and the certificate check
]
PUBLIC_STARTS = ["/login", "/verify/", "/judging/card"]
VARIANTS = 2  # distinct ids visited per normalised path
SKIP = re.compile(r"^/(logout|lang/|static/)|/sw\.js$")
# Path segments after which a number is a contest's id (kept: each contest kind is its own set of pages).
CONTEST_PREFIX = re.compile(r"^/(contests|craftsman|craftsman/publicity|craftsman/vote)/(\d+)(?=/|$)")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
ALWAYS_CHINESE = {"中文"}  # the language switch names the other language in that language
# Columns the application writes itself (computed explanations, reasons, check results, audit summaries): not the
# demo's data, so their Chinese does not excuse a page (a page shows such records inside lang="zh-CN").
WRITTEN_BY_THE_APP = {("result_snapshots", "data"), ("merit_period_standings", "detail"), ("audit_log", "summary"),
                      ("audit_log", "data"), ("craftsman_nominations", "check_results"), ("award_grants", "reason"),
                      ("recusals", "reason"), ("notices", "text"), ("notices", "detail"),
                      ("sheet_requests", "reason_detail"), ("score_sheets", "returned_detail"),
                      ("craftsman_nominations", "office_note_detail"), ("job_runs", "message"),
                      ("job_runs", "detail"), ("craftsman_calls", "targets"), ("craftsman_calls", "confirmed_warnings")}
ENGLISH = Path(__file__).resolve().parents[2] / "contestapp" / "translations" / "en.json"


@dataclass
class Page:
    url: str
    status: int
    referrer: str
    kind: str = "html"
    seconds: float = 0.0


@dataclass
class Crawl:
    role: str
    username: str
    language: str
    pages: list[Page] = field(default_factory=list)
    chinese: dict[str, set[str]] = field(default_factory=dict)  # CJK text -> paths it was seen on (English only)
    seconds: float = 0.0


class _Parse(HTMLParser):
    """Links, and the text a reader sees (text nodes and the attributes shown to them), of one page. Text inside an
    element marked `lang="zh-CN"` is Chinese on purpose (a record shown as it is printed, e.g. a score's explanation)
    and is not collected; nor is a textarea's content (what the user edits: data)."""

    SHOWN = {"title", "placeholder", "aria-label", "alt", "label"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.texts: list[str] = []
        self.lang = ""
        self._open: list[tuple[str, bool]] = []  # (tag, whether its text is exempt)

    def _exempt(self) -> bool:
        return bool(self._open) and self._open[-1][1]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang") or ""
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        lang = a.get("lang")
        exempt = (lang.lower().startswith("zh") if lang is not None and tag != "html" else self._exempt()) or tag in (
            "script", "style", "textarea")
        if not exempt:
            for name, value in attrs:
                if value and (name in self.SHOWN or (name == "value" and a.get("type") in ("submit", "button"))
                              or name.startswith("data-")):
                    self.texts.append(value)
        if tag not in self.VOID:
            self._open.append((tag, exempt))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self._open.pop()

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        if not self._exempt() and data.strip():
            self.texts.append(data.strip())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """A signed-in user's session over plain HTTP: cookies kept, redirects followed by hand (so each hop is checked)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, url: str, data: dict | None = None):
        body = urlencode(data).encode() if data is not None else None
        try:
            response = self.opener.open(urllib.request.Request(url, data=body), timeout=60)
        except urllib.error.HTTPError as exc:
            response = exc
        return response

    def get(self, url: str, *, read: bool = True, hops: int = 5):
        """(final url, status, content type, body or b"") following redirects."""
        for _ in range(hops):
            response = self.request(url)
            status = response.status if hasattr(response, "status") else response.code
            if status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                response.close()
                url = urljoin(url, response.headers["Location"])
                continue
            kind = response.headers.get("Content-Type", "")
            body = response.read() if read and "html" in kind else b""
            response.close()
            return url, status, kind, body
        raise AssertionError(f"redirect loop at {url}")

    def login(self, username: str) -> str:
        url, status, _kind, body = self.get(self.base + "/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
            rb'name="csrf_token"[^>]*value="([^"]+)"', body)
        assert status == 200 and token, body[:500]
        response = self.request(self.base + "/login", {"csrf_token": token.group(1).decode(), "username": username,
                                                        "password": DEMO_PASSWORD})
        location = response.headers.get("Location")
        assert response.status == 302 and location and "/login" not in location, (username, response.read()[:800])
        response.close()
        return urljoin(self.base, location)


def _key(path: str, query: str) -> str:
    """The page a URL stands for: numeric ids normalised, except a contest's."""
    prefix = ""
    m = CONTEST_PREFIX.match(path)
    if m:
        prefix, path = m.group(0), path[m.end():]
    names = sorted(f"{k}={'N' if v.isdigit() else v}" for k, v in parse_qsl(query, keep_blank_values=True))
    return prefix + re.sub(r"/\d+(?=/|$|\.)", "/N", path) + ("?" + "&".join(names) if names else "")


def crawl(base: str, role: str, username: str, language: str, checked: set[str] = frozenset(),
          limit: int = 400) -> Crawl:
    """`username`'s crawl in `language`; downloads in `checked` (seen by the same user in the other language) are not
    fetched again: a PDF is the same Chinese record whatever the page's language."""
    started = time.monotonic()
    browser = Browser(base)
    result = Crawl(role, username, language)
    if language != "zh_CN":
        browser.get(f"{base}/lang/{language}", read=False)
    starts = [browser.login(username)] if username else [base + path for path in PUBLIC_STARTS]
    seen: dict[str, int] = {}
    queued: set[str] = set(starts)
    queue = deque((start, "/login") for start in starts)
    origin = urlsplit(base).netloc
    while queue and len(result.pages) < limit:
        url, referrer = queue.popleft()
        parts = urlsplit(url)
        key = _key(parts.path, parts.query)
        if seen.get(key, 0) >= VARIANTS or url[len(base):] in checked:
            continue
        seen[key] = seen.get(key, 0) + 1
        t0 = time.monotonic()
        final, status, kind, body = browser.get(url)
        page = Page(url[len(base):], status, referrer, "html" if "html" in kind else kind.split(";")[0],
                    time.monotonic() - t0)
        result.pages.append(page)
        if username and urlsplit(final).path == "/login":
            raise AssertionError(f"{username} was signed out at {page.url} (from {referrer})")
        if not body:
            continue
        parsed = _Parse()
        parsed.feed(body.decode("utf-8", "replace"))
        if language == "en":
            assert parsed.lang == "en", f"{page.url} is not in English (lang={parsed.lang!r})"
            for text in parsed.texts:
                if CJK.search(text):
                    result.chinese.setdefault(text, set()).add(page.url)
        for href in parsed.links:
            target = urljoin(final, href.strip())
            t = urlsplit(target)
            if t.scheme not in ("http", "https") or t.netloc != origin or SKIP.search(t.path):
                continue
            target = t._replace(fragment="").geturl()
            if target not in queued:
                queued.add(target)
                queue.append((target, page.url))
    result.seconds = time.monotonic() - started
    return result


def _database_text(site) -> str:
    """The demo's data as one blob: every string and JSON value the database holds (names, units, titles, notes,
    contest definitions), less the columns the application writes itself."""
    from contestapp.extensions import db

    chunks = []
    with site.db() as session:
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))
                       and (table.name, c.name) not in WRITTEN_BY_THE_APP]
            if not columns:
                continue
            for row in session.execute(select(*columns)):
                for value in row:
                    if value is not None and not isinstance(value, str):
                        value = json.dumps(value, ensure_ascii=False)
                    if value and CJK.search(value):
                        chunks.append(value)
    return "\n".join(chunks)


def _quoted() -> str:
    """The Chinese an English translation keeps on purpose, quoting what is printed (e.g. "a dashed circle labelled
    盖章处"): the English texts of the translation source that contain Chinese."""
    english = json.loads(ENGLISH.read_text(encoding="utf-8"))
    return "\n".join(v for v in english.values() if CJK.search(v))


def _untranslated(text: str, data: str, quoted: str) -> list[str]:
    """The Chinese runs of a text seen in an English page that are neither the demo's data nor quoted on purpose."""
    return [run for run in CJK.findall(text) if run not in data and run not in quoted and run not in ALWAYS_CHINESE]


def test_every_page_every_role_both_languages(site, caplog):
    caplog.set_level(logging.WARNING, logger="werkzeug")  # not a line per request
    started = time.monotonic()
    crawls = []
    for role, _kind, username in ROLES:
        chinese = crawl(site.base, role, username, "zh_CN")
        downloads = {p.url for p in chinese.pages if p.kind != "html"}
        crawls += [chinese, crawl(site.base, role, username, "en", checked=downloads)]
    data, quoted = _database_text(site), _quoted()
    failures, untranslated = [], {}
    for c in crawls:
        for page in c.pages:
            if page.status >= 400:  # a server error, or a link shown to this role that leads to an error page
                failures.append(f"{page.status} {c.username} [{c.language}] {page.url} (linked from {page.referrer})")
        for text, paths in c.chinese.items():
            if _untranslated(text, data, quoted):
                untranslated.setdefault(text, set()).update(f"{c.username} {p}" for p in paths)
    print(f"\ncrawled in {time.monotonic() - started:.0f} s")
    for c in crawls:
        print(f"{c.role:<24} {c.username:<10} {c.language:<5} {len(c.pages):>4} pages "
              f"({sum(1 for p in c.pages if p.kind != 'html')} downloads) in {c.seconds:4.1f} s")
    slowest = sorted((p for c in crawls for p in c.pages), key=lambda p: -p.seconds)[:5]
    print("slowest: " + ", ".join(f"{p.url} {p.seconds:.1f} s" for p in slowest))
    report = failures + [f"untranslated {text!r} on {sorted(paths)[:3]}" for text, paths in sorted(untranslated.items())]
    assert not report, f"{len(failures)} error pages, {len(untranslated)} untranslated texts:\n" + "\n".join(report)
