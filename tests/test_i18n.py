"""English is the second language: every UI message has an English text, the compiled catalogue is current, key pages
render their chrome in English for `Accept-Language: en`, and Chinese stays the default.

After adding UI strings: put the English in contestapp/translations/en.json and run `python scripts/i18n.py`.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "contestapp" / "translations"
MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"

# Messages that may stay without English (none today). Add a msgid here only with a reason.
ALLOWED_WITHOUT_ENGLISH: set[str] = set()

# the language switch names the other language in that language
NATIVE_NAMES = {"中文"}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff60]")


def _msgid(message_id) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


@pytest.fixture(scope="module")
def extracted() -> dict[str, str]:
    """msgid -> first location, extracted in-process exactly as scripts/i18n.py does (babel.cfg, keywords + _l)."""
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found: dict[str, str] = {}
    for folder, method_map in (("contestapp", [("**.py", "python")]), ("templates", [("**.html", "jinja2")])):
        for filename, lineno, message, _comments, _context in extract_from_dir(
                str(ROOT / folder), method_map=method_map, keywords=keywords):
            key = _msgid(message)
            if key:
                found.setdefault(key, f"{folder}/{filename}:{lineno}")
    assert len(found) > 300, "extraction found suspiciously few messages"
    return found


@pytest.fixture(scope="module")
def english() -> dict[str, str]:
    return json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))


def test_every_message_has_english(extracted, english):
    missing = sorted(f"{where}  {key}" for key, where in extracted.items()
                     if not english.get(key, "").strip() and key not in ALLOWED_WITHOUT_ENGLISH)
    assert not missing, ("no English in contestapp/translations/en.json for:\n" + "\n".join(missing)
                         + "\n(add it, then run `python scripts/i18n.py`)")


def test_english_keeps_the_placeholders(english):
    placeholder = re.compile(r"%\([a-z_0-9]+\)s|%%")
    wrong = [key for key, value in english.items()
             if sorted(placeholder.findall(key)) != sorted(placeholder.findall(value))]
    assert not wrong, f"placeholders differ between Chinese and English: {wrong}"


def test_compiled_catalogue_is_current(extracted, english):
    with MO.open("rb") as f:
        catalog = read_mo(f)
    compiled = {_msgid(m.id): m.string for m in catalog if m.id}
    stale = sorted(key for key in extracted
                   if key in english and compiled.get(key) != english[key])
    assert not stale, (f"{len(stale)} messages are not (or differently) in {MO.relative_to(ROOT)}, e.g. {stale[:5]}; "
                       "run `python scripts/i18n.py`")


# --- pages ----------------------------------------------------------------------------------------------------------

class _Chrome(HTMLParser):
    """Collects the text inside the given tags (nested tags included), e.g. nav, h1, th, button, label."""

    def __init__(self, tags: set[str]):
        super().__init__()
        self.tags = tags
        self.depth = 0
        self.texts: list[str] = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag in self.tags:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.tags and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and data.strip():
            self.texts.append(data.strip())


def chrome(html: str, tags: set[str]) -> _Chrome:
    parser = _Chrome(tags)
    parser.feed(html)
    return parser


def assert_english(response, tags: set[str], expect: list[str]):
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    page = chrome(html, tags)
    assert page.lang == "en"
    assert page.texts, f"no text in {tags}"
    chinese = [t for t in page.texts if CJK.search(t) and t not in NATIVE_NAMES]
    assert not chinese, f"Chinese left in {sorted(tags)}: {chinese}"
    for text in expect:
        assert text in page.texts, (text, page.texts)


EN = {"Accept-Language": "en"}


@pytest.fixture
def world(make):
    org = make.org()
    make.user("org1", "organiser", org)
    judge = make.user("judge1", "judge", org)
    contest = make.contest(org)
    make.member(contest, judge)
    make.roster(contest, 3)
    from contestapp.extensions import db

    db.session.commit()
    return contest


def test_login_page_in_english(client):
    response = client.get("/login", headers=EN)
    assert_english(response, {"header", "main"}, ["Sign in", "Username", "Password", "Remember me"])
    response = client.post("/login", data={}, headers=EN)  # form errors in English too
    assert_english(response, {"main"}, ["Enter your username", "Enter your password"])


def test_contests_and_entrants_in_english(world, client, login_as):
    login_as("org1")
    assert_english(client.get("/contests/", headers=EN), {"nav", "h1", "th", "button"}, ["Contests"])
    # the entrant list: its <h1> is the contest's (Chinese) name, so check the tabs, table headers and buttons
    response = client.get(f"/contests/{world.id}/entrants/", headers=EN)
    assert_english(response, {"nav", "th", "button"}, ["Entrants"])


def test_judge_tablet_home_in_english(world, client, login_as):
    login_as("judge1")
    assert_english(client.get("/judging/", headers=EN), {"h1", "h2", "button", "label"}, ["My score sheets"])


def test_verify_page_in_english(client):
    assert_english(client.get("/verify/", headers=EN), {"h1", "h2", "label", "button"}, [])


def test_chinese_is_the_default(world, client, login_as):
    page = client.get("/login").get_data(as_text=True)
    assert chrome(page, {"html"}).lang == "zh-CN"
    assert "<h1>登录</h1>" in page
    assert "<h1>登录</h1>" in client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    # an unknown language falls back to Chinese
    assert "<h1>登录</h1>" in client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    login_as("org1")
    assert "<h1>竞赛</h1>" in client.get("/contests/").get_data(as_text=True)


def test_the_language_switch_wins_over_the_browser(client):
    client.get("/lang/zh_CN")
    assert "<h1>登录</h1>" in client.get("/login", headers=EN).get_data(as_text=True)
    client.get("/lang/en")
    assert "<h1>Sign in</h1>" in client.get("/login").get_data(as_text=True)


def test_the_domain_and_i18n_share_one_message_class():
    from contestapp import i18n
    from contestapp.domain import messages

    assert (i18n.Message, i18n.N_, i18n.said, i18n.joined, i18n.verbatim) == (
        messages.Message, messages.N_, messages.said, messages.joined, messages.verbatim)


def test_names_users_gave_stay_as_they_are_in_a_list(app):
    """A list of labels is translated item by item; a list of names users gave (`verbatim`) is not, even a name that
    happens to be a label of the catalogue (a criterion named 用时（秒）)."""
    from contestapp.i18n import N_, Message, tr, verbatim

    names = Message(N_("以下评分项尚未评分：%(names)s"), names=tuple(map(verbatim, ["模块一", "用时（秒）"])))
    labels = Message(N_("以下评分项尚未评分：%(names)s"), names=(N_("用时（秒）"),))
    assert names == "以下评分项尚未评分：模块一、用时（秒）" and labels == "以下评分项尚未评分：用时（秒）"
    with app.app_context(), app.test_request_context("/", headers=EN):
        assert tr(names) == "Not marked yet: 模块一, 用时（秒）"
        assert tr(labels) == "Not marked yet: Time (seconds)"


def test_a_domain_reason_in_the_readers_language(app):
    """A mark refusal and a scoring error worded by the pure domain: Chinese as a string, English through `tr`."""
    from decimal import Decimal as D

    from contestapp.domain import CriterionSpec, Mark, PanelRule, ScoringError, score_criterion
    from contestapp.i18n import tr

    spec = CriterionSpec("m1", "模块一", "judgement", D(30))
    with pytest.raises(ScoringError) as exc:
        score_criterion(spec, PanelRule(min_judges=1), (Mark("J1", "m1", D(31)),))
    assert str(exc.value) == "模块一：裁判 J1 的评分 31 无效（分数须在 0 到 30 之间）"
    for headers, text in ((EN, "模块一: the mark 31 of judge J1 is not valid (the mark must be between 0 and 30)"),
                          ({}, "模块一：裁判 J1 的评分 31 无效（分数须在 0 到 30 之间）")):
        # a fresh app context each time: Flask-Babel keeps the locale it chose in it
        with app.app_context(), app.test_request_context("/", headers=headers):
            assert tr(exc.value) == text
