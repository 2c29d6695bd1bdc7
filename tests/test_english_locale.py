"""Every page in English: each role signs in with the English locale and opens every page it can reach in a
demo-like world (the `flask demo` skills contest with published results, certificates and an appeal; a merit
project with scored periods, honours and a 1+X evidence contest; a craftsman selection walked through its stages).
No Chinese may remain on a page once the user data shown on it is taken out: names of people, units, contests,
events, rounds, criteria, and other values users typed or imported (listed column by column in DATA_COLUMNS).
A new untranslated label therefore fails this test, on whichever page it appears.

Also: every HTML page of the application is reached at least once (so a new page is walked too, or the world below
needs extending), and the judge's tablet page carries the tablet script's strings in the page's language.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO

import pytest
from sqlalchemy import select

from contestapp.extensions import db
from tests.conftest import PASSWORD, ROOT, RecordingSender
from tests.judging.conftest import jw, signed_in  # noqa: F401  (jw: a fixture)
from tests.merit.merit_helpers import at, merit, score  # noqa: F401  (merit: a fixture)

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
EN = {"Accept-Language": "en"}
DEMO_PASSWORD = "demo12345"
# the language switch names the other language in that language
NATIVE_NAMES = ("中文",)

# --- user data: what users typed or imported, shown as it is in every language ----------------------------------
# (model, column): plain columns are taken whole; JSON columns give every string inside them.
DATA_COLUMNS = {
    "auth.Organisation": ["name"],
    "auth.User": ["display_name", "unit_name"],
    "contests.Contest": ["name", "location", "rules"],
    "contests.Event": ["name", "rules"],
    "contests.Round": ["name", "rules"],
    "contests.Criterion": ["name", "rules"],
    "entrants.Entrant": ["name", "trade", "vocational_level", "category"],
    "entrants.Unit": ["name", "role"],
    "judging.LotDraw": ["witnesses"],
    "judging.Recusal": ["reason"],
    "judging.ScoreSheet": ["returned_reason"],
    "judging.TieDecision": ["reason"],
    "judging.MarkNote": ["note", "document_no"],
    "results.Appeal": ["appellant", "text", "decision"],
    "results.ResultSnapshot": ["reason", "data"],
    "awards.AwardGrant": ["name"],  # its reason is the system's Chinese record (no page shows it)
    "certificates.Certificate": ["holder", "unit", "award", "event_name", "fields", "revoke_reason"],
    "certificates.CertificateSetup": ["issuer", "date_text"],
    "certificates.CertificateLayout": ["document"],
    "merit.Project": ["name", "owner", "location"],
    "merit.Period": ["name"],
    "merit.HonourRule": ["label"],
    "merit.RankReward": ["label"],
    "merit.Honour": ["label", "entrant_name", "unit_name"],
    "merit.SelfMark": ["note"],
    "merit.AnnualReview": ["note"],
    "merit.Evidence": ["filename", "note", "review_note"],
    "craftsman.CraftsmanCall": ["title", "notice", "eligibility"],  # targets' labels and warnings: the system's
    "craftsman.Nomination": ["name", "employer", "employer_type", "job", "trade", "vocational_level", "honours",
                             "innovations", "statement", "summary", "office_note", "direct_reason"],
    "craftsman.NominationFile": ["original_name"],
    "craftsman.CraftsmanTitle": ["holder", "unit", "title"],
    "audit.AuditEntry": ["actor_name"],
}


def data_values() -> list[str]:
    """Every string with Chinese in it held in a DATA_COLUMNS column, longest first (so a name is taken out whole
    before a shorter name inside it)."""
    import importlib

    found: set[str] = set()

    def collect(value):
        if isinstance(value, str):
            if HAN.search(value):
                found.add(value.strip())
        elif isinstance(value, dict):
            for k, v in value.items():
                collect(k)
                collect(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                collect(v)

    for path in (ROOT / "contestapp" / "certificates" / "layouts").glob("*.json"):  # the built-in layouts
        collect(json.loads(path.read_text(encoding="utf-8")))
    for name, columns in DATA_COLUMNS.items():
        area, model = name.split(".")
        cls = getattr(importlib.import_module(f"contestapp.{area}.models"), model)
        for row in db.session.execute(select(*(getattr(cls, c) for c in columns))):
            for value in row:
                collect(value)
    # a multi-line text is shown line by line, or as paragraphs; the merit charts cut long names (merit/charts.py:
    # a series' name to 12 characters, a bar's to 16) and show a period's name without 考评
    for text in list(found):
        found.update(line.strip() for line in text.splitlines() if HAN.search(line))
        found.update(v for v in (text[:12], text[:16], text.replace("考评", "")) if HAN.search(v))
    return sorted(found, key=len, reverse=True)


class _Texts(HTMLParser):
    """The text a user can see or hear: text nodes, the attributes that are read out or shown, inline scripts.

    Text inside an element marked lang="zh-CN" is left out: Chinese on purpose, e.g. a result's explanation
    (成绩明细, written by the scoring domain), the audit trail's summaries, a job's log (records kept as written)."""

    ATTRS = {"placeholder", "title", "aria-label", "alt", "label", "data-confirm"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.script: str | None = None
        self.open: list[tuple[str, bool]] = []  # (tag, marked Chinese)

    @property
    def chinese_on_purpose(self) -> bool:
        return any(zh for _tag, zh in self.open)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        zh = (attrs.get("lang") or "").lower().startswith("zh") and tag != "html"
        if not (zh or self.chinese_on_purpose):
            for name, value in attrs.items():
                if value and (name in self.ATTRS or (name == "value" and tag in ("input", "button")
                                                      and attrs.get("type") in ("submit", "button", "reset"))):
                    self.texts.append(value)
        if tag == "script":
            self.script = attrs.get("type") or "text/javascript"
        if tag not in self.VOID:
            self.open.append((tag, zh))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "script":
            self.script = None
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                break

    def handle_data(self, data):
        if self.chinese_on_purpose:
            return
        if self.script == "application/json":
            self.texts.extend(_strings_of(json.loads(data)))
        elif self.script is not None:  # inline script: its string literals, \\u escapes read
            self.texts.append(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), data))
        elif data.strip():
            self.texts.append(data)


def _strings_of(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings_of(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings_of(v)]
    return []


def chinese_left(html: str, data: list[str]) -> list[str]:
    """The pieces of visible text that still hold Chinese once the user data in them is taken out."""
    parser = _Texts()
    parser.feed(html)
    texts = [t for t in parser.texts if HAN.search(t)]
    joined = "\n".join(texts)
    shown = [value for value in data if value in joined]
    left = []
    for text in texts:
        for value in shown:
            if value in text:
                text = text.replace(value, "\u2063")
        for name in NATIVE_NAMES:
            text = text.replace(name, "")
        if HAN.search(text):
            left.append(" ".join(text.replace("\u2063", "…").split()))
    return left


# --- the world -----------------------------------------------------------------------------------------------------

def build_skills() -> dict:
    """`flask demo` (the first event final with its appeal ruled and awards, the second half-way), then:
    certificates issued from the final event (one revoked) and a batch queued; on the second event an appeal lodged,
    a sheet returned to its judge and a paper keying entered twice with one disagreement."""
    from contestapp.auth.models import User
    from contestapp.certificates import batches, issuing, verification
    from contestapp.contests.models import Contest
    from contestapp.demo import DEMO_CODE, _assigned_codes, create_demo
    from contestapp.entrants.models import Entry
    from contestapp.judging.signoff import return_sheet
    from contestapp.judging.models import ScoreSheet
    from contestapp.results import services as results
    from contestapp.results.marks import check_files, store_batch

    create_demo()
    contest = db.session.scalar(select(Contest).where(Contest.code == DEMO_CODE))
    users = {u.username: u for u in db.session.scalars(select(User))}
    organiser, chief = users["organiser"], users["chief"]
    first, second = contest.events
    assert results.state_of(first).stage == "final"
    entry = db.session.scalars(select(Entry).where(Entry.event_id == first.id).order_by(Entry.id)).first()
    results.lodge_appeal(second, None, "领队", "第二赛项计时有误", organiser)
    issued = issuing.issue(contest, issuing.requests_from(contest, "awards", "award", first), actor=organiser)
    issuing.revoke(issued.certificates[0], "姓名有误，已重新颁发", organiser)
    batch = batches.create_batch(contest, "issued", "award", None, "full", None, organiser)
    batches.queue_batch(batch, "http://localhost")  # waiting for the jobs process (none runs here)

    submitted = db.session.scalars(select(ScoreSheet).join(ScoreSheet.round).where(
        ScoreSheet.round.has(event_id=second.id), ScoreSheet.status == "submitted").order_by(ScoreSheet.id)).first()
    return_sheet(submitted, chief, "第二项评分与记录不符，请复核")
    open_sheet = db.session.scalars(select(ScoreSheet).join(ScoreSheet.round).where(
        ScoreSheet.round.has(event_id=second.id), ScoreSheet.status != "submitted").order_by(ScoreSheet.id)).first()
    keyings = []
    for value in (0, 1):
        rows = ["event,round,entry,criterion,judge,value"]
        codes = set(_assigned_codes(open_sheet))
        for k, c in enumerate(c for c in open_sheet.round.criteria if c.code in codes):
            rows.append(f"{second.code},{open_sheet.round.code},{open_sheet.entry.number},{c.code},"
                        f"{open_sheet.judge.username},{c.min if k else c.min + value}")
        checked = check_files(contest, "\n".join(rows).encode(), "paper.csv")
        assert checked.ok, checked.problems
        keyings.append(store_batch(contest, checked, organiser, "paper.csv", None, keyings[0] if keyings else None))
    db.session.commit()
    return {"contest": contest, "event": first, "round": first.rounds[0], "criterion": first.rounds[0].criteria[0],
            "entry": entry, "sheet": submitted, "judge": submitted.judge, "snapshot": results.official_snapshot(first),
            "certificate_batch": batch, "marks_batch": keyings[0], "serial": issued.certificates[1].serial,
            "signature": verification.sign_serial(issued.certificates[1].serial)}


def build_merit(merit, make) -> dict:
    """The metro project of tests/merit: April scored (a deduction with its reason, a bonus), April closed and
    published, the second period open; honours tied across a quota; a unit's self-assessment; and a 1+X points
    contest with one piece of evidence uploaded."""
    from contestapp.entrants.models import Unit
    from contestapp.merit import honours, periods, sheets
    from contestapp.merit.models import SelfSheet, UnitProfile
    from tests.merit.merit_helpers import UNITS, run_all, sheets_of

    contest, judges = merit["contest"], merit["judges"]
    april, may, _ = periods.periods_of(contest)
    run_all(at(2025, 4, 1))
    score(april, judges, {UNITS[1]: {"safety": ("1", "基坑临边防护缺失", "")},
                          UNITS[0]: {"honour_owner": ("3", "业主季度表彰", "业主〔2025〕12号")}})
    own = db.session.scalars(select(SelfSheet).where(SelfSheet.period_id == april.id).order_by(SelfSheet.id)).first()
    run_all(at(2025, 5, 6))
    rule = honours.ensure_honour_rules(contest)[0]
    rule.quota = 1
    honours.assign_honours(contest, merit["organiser"])
    open_sheet = next(iter(sheets_of(may, judges[0]).values()))
    noted = sheets_of(april, judges[0])[UNITS[1]]  # submitted, with a deduction and its reason

    org = make.org("某县总工会", "county")
    make.user("county", "organiser", org)
    chair = make.user("union_a", "unit", org)
    points = make.contest(org, "points-1x.json", code="p1x")
    make.roster(points, 4)
    make.member(points, chair)
    unit = db.session.scalars(select(Unit).where(Unit.contest_id == points.id).order_by(Unit.name)).first()
    db.session.add(UnitProfile(contest_id=points.id, unit_id=unit.id, user_id=chair.id))
    periods.save_project(points, {"name": "职工积分制", "schedule": "yearly", "starts_on": date(2025, 1, 1),
                                   "ends_on": date(2025, 12, 31)}, merit["organiser"])
    entry = sheets.entries_of_unit(points, unit)[0]
    criterion = next(c for c in points.events[0].rounds[0].criteria if c.code == "wages")
    evidence = sheets.store_evidence(points, entry, criterion, "集体合同.pdf", b"%PDF-1.4 test", "2025年集体合同",
                                       chair)
    db.session.commit()
    return {"contest": contest, "period": april, "sheet": open_sheet, "noted": noted, "judge": judges[0], "rule": rule,
            "self_sheet": own, "points": points, "evidence": evidence}


def craftsman_stages(app, make):
    """A craftsman selection, yielded at each stage: nominations (one a draft), checks (one ineligible, one returned,
    one direct), expert review, the shortlist and public vote, publicity of the confirmed list (a target missed),
    and titles named after an objection was decided."""
    from contestapp.craftsman import calls, naming, nominations, panel, review, vote
    from contestapp.craftsman.models import Stage
    from contestapp.domain.idcard import make_id_number
    from contestapp.results import services as results
    from tests.craftsman.craftsman_helpers import build_world, marks_for, nominate

    w = build_world(make, units=6, experts=6)
    call, contest, office, experts = w["call"], w["contest"], w["organiser"], w["experts"]
    call.quota, call.shortlist_size = 4, 5
    app.extensions["craftsman_sms"] = sms = RecordingSender()
    old = {"id_number": make_id_number("330881", date(1960, 3, 3), 6, "M")}  # 65 on the reference date
    noms = [nominate(call, w["units"][i % 6], i, front_line=i > 1, **(old if i == 6 else {})) for i in range(8)]
    draft = nominate(call, w["units"][0], 20, submit=False)
    db.session.commit()
    ctx = {"contest_id": contest.id, "nomination_id": noms[0].id, "craftsman.unit_nomination:nomination_id": draft.id,
           "file_id": noms[0].files[0].id if noms[0].files else None}
    yield ctx

    calls.set_stage(call, Stage.CHECKING, office)
    nominations.decide(call, noms[6], "ineligible", "", office)
    nominations.decide(call, noms[7], "return", "请补充技能等级证书", office)
    nominations.decide(call, noms[5], "direct", "省级技能大赛一等奖（直接认定）", office)
    for n in noms[:5]:
        nominations.decide(call, n, "eligible", "", office)
    db.session.commit()
    yield ctx

    review.start_review(call, office)
    quality = {n.id: Decimal("0.9") - Decimal("0.05") * k for k, n in enumerate(noms[:5])}
    for n in noms[:5]:
        for j, expert in enumerate(experts):
            if not panel.is_recused(expert, n):
                review.record_marks(expert, n, "review", marks_for(quality[n.id], j))
    db.session.commit()
    yield ctx

    for s in review.make_shortlist(call, office):
        for j, expert in enumerate(experts):
            if not panel.is_recused(expert, s.nomination):
                review.record_marks(expert, s.nomination, "defence",
                                      {"defence": (Decimal(100) * quality[s.nomination.id] + j % 3).to_integral_value()})
    calls.set_stage(call, Stage.VOTE, office)
    for k in range(3):
        phone = f"1390000{k:04d}"
        vote.request_code(call, phone, f"10.1.0.{k}", f"dev{k}")
        vote.cast_vote(call, noms[k], phone, sms.code_for(phone), f"10.1.0.{k}", f"dev{k}")
    db.session.commit()
    yield ctx

    naming.confirm_list(call, office, acknowledged=True)
    objection = results.lodge_appeal(contest.events[0], None, "匿名群众", "反映某候选人材料不实", office)
    db.session.commit()
    yield ctx

    results.decide_appeal(objection, False, "经核查，材料属实", office)
    naming.name_titles(call, office, now=call.publicity_ends + timedelta(seconds=1))
    db.session.commit()
    yield ctx


# --- the walk ------------------------------------------------------------------------------------------------------

# GET endpoints that answer with something other than a page (files, JSON, redirects): not walked
NOT_PAGES = {
    "static", "main.health", "auth.set_language", "api_v1.assignments", "api_v1.openapi", "api_v1.sheet",
    "board.board_data", "awards.pdf", "awards.xlsx", "certificates.batch_download", "certificates.batch_status", "jobs.queued_status",
    "certificates.calibration", "certificates.layout_preview", "contests.export_definition", "entrants.export",
    "entrants.template", "judging_console.cards_pdf", "judging_console.draw_sheet", "judging_console.sheets_pdf",
    "merit.evidence_file", "merit.import_template", "merit.bulletin", "results.export", "results.marks_export",
    "craftsman.certificates", "craftsman.material", "craftsman.naming_pdf", "craftsman.photo", "judging.service_worker",
    "analytics.data", "merit_charts.data", "merit_charts.index", "results.entry_marks",
}


class Walk:
    """Opens every page for each signed-in user (and anonymously), in English, and gathers the Chinese left."""

    def __init__(self, app):
        self.app = app
        self.left: dict[str, list[str]] = defaultdict(list)  # Chinese text -> pages (user url)
        self.rendered: set[str] = set()                       # endpoints seen as an HTML page
        self.pages = 0

    def client(self, username, password):
        from tests.conftest import login

        client = self.app.test_client()
        client.set_cookie("lang", "en")
        if username:
            login(client, username, password)
        return client

    def __call__(self, users: list[tuple[str | None, str]], contexts: list[dict]):
        from tests.test_access import build_url

        data = data_values()
        rules = [r for r in self.app.url_map.iter_rules() if "GET" in r.methods and r.endpoint not in NOT_PAGES]
        for username, password in users:
            client = self.client(username, password)
            seen = set()
            for rule in rules:
                for ctx in contexts:
                    values = {arg: ctx.get(f"{rule.endpoint}:{arg}", ctx.get(arg)) for arg in rule.arguments}
                    if any(v is None for v in values.values()):
                        continue
                    url = build_url(rule, values)
                    if url in seen:
                        continue
                    seen.add(url)
                    response = client.get(url, headers=EN)
                    if response.mimetype != "text/html" or 300 <= response.status_code < 400:
                        continue  # error pages are pages too
                    self.pages += 1
                    if response.status_code == 200:
                        self.rendered.add(rule.endpoint)
                    html = response.get_data(as_text=True)
                    assert '<html lang="en">' in html, url
                    for text in chinese_left(html, data):
                        self.left[text].append(f"{username or 'anonymous'} {url}")

    def report(self) -> str:
        lines = []
        for text, pages in sorted(self.left.items(), key=lambda kv: kv[1][0]):
            lines.append(f"{text!r}  on {len(pages)} page(s), e.g. {pages[0]}")
        return "\n".join(lines)


def test_every_page_in_english(app, make, merit):  # noqa: F811
    walk = Walk(app)
    skills = build_skills()
    s = {"contest_id": skills["contest"].id, "event_id": skills["event"].id, "round_id": skills["round"].id,
         "criterion_id": skills["criterion"].id, "entry_id": skills["entry"].id, "sheet_id": skills["sheet"].id,
         "judge_id": skills["judge"].id, "snapshot_id": skills["snapshot"].id, "layout": "award",
         "certificates.batch:batch_id": skills["certificate_batch"].id,
         "jobs.queued:job_id": skills["certificate_batch"].job_id,
         "results.batch:batch_id": skills["marks_batch"].id,
         "serial": f"{skills['serial']}?sig={skills['signature']}",  # the link printed on the certificate
         "user_id": skills["judge"].id}
    m = build_merit(merit, make)
    metro = {"contest_id": m["contest"].id, "period_id": m["period"].id, "sheet_id": m["sheet"].id,
             "merit.self_sheet:sheet_id": m["self_sheet"].id, "merit.sheet_notes:sheet_id": m["noted"].id,
             "rule_id": m["rule"].id,
             "event_id": m["contest"].events[0].id}
    points = {"contest_id": m["points"].id, "evidence_id": m["evidence"].id}
    demo = [(name, DEMO_PASSWORD) for name in ("admin", "organiser", "chief", "arbiter", "judge1")]
    walk([(None, ""), *demo, ("organiser1", PASSWORD), ("assessor1", PASSWORD), ("unit_a", PASSWORD),
          ("county", PASSWORD), ("union_a", PASSWORD)], [s, metro, points])
    for ctx in craftsman_stages(app, make):
        walk([(None, ""), ("office", PASSWORD), ("unit0", PASSWORD), ("expert0", PASSWORD)], [ctx])
    assert not walk.left, f"Chinese left on English pages:\n{walk.report()}"
    pages = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint not in NOT_PAGES}
    missing = sorted(pages - walk.rendered)
    assert not missing, f"pages never rendered: {missing}; extend the world above so each is walked"


# --- the tablet's scripts ------------------------------------------------------------------------------------------

# (static/js/tablet-sw.js is not among them: its one text, the notice for a tablet offline before it ever kept the
# page, is in both languages, as no page is there to give it in one)
SCRIPTS = [ROOT / "static" / "js" / name for name in ("tablet.js", "marks.js", "tablet-offline.js")]


def tablet_text(client) -> dict[str, str]:
    html = client.get("/judging/").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="tablet-text">(.*?)</script>', html, re.S)
    assert found, "the tablet page carries its scripts' texts"
    return json.loads(found.group(1))


@pytest.fixture
def judge_client(app, make, client):
    org = make.org()
    make.user("tabletjudge", "judge", org)
    db.session.commit()
    from tests.conftest import login

    login(client, "tabletjudge")
    return client


def test_the_tablet_scripts_get_their_texts_from_the_page_in_its_language(judge_client):
    from contestapp.contests.models import CriterionKind
    from contestapp.judging.models import SheetStatus

    client = judge_client
    client.set_cookie("lang", "en")
    english = tablet_text(client)
    client.set_cookie("lang", "zh_CN")
    chinese = tablet_text(client)
    assert english.keys() == chinese.keys()
    # every key the scripts ask for is on the page (statuses and kinds are asked for by their codes)
    code = "\n".join(path.read_text(encoding="utf-8") for path in SCRIPTS)
    wanted = set(re.findall(r'\bt\("([\w.]+)"', code)) - {"status.", "kind."}
    wanted |= {f"status.{s}" for s in (*SheetStatus, "not_started", "void", "submitting")}
    wanted |= {f"kind.{k}" for k in CriterionKind}
    assert wanted - english.keys() == set()
    # the scripts hold no Chinese of their own: the template is the one source
    assert not HAN.search(code), "a Chinese text in static/js: put it in templates/judging/_tablet_text.html"
    # Chinese as before, English in English, the same {placeholders}
    assert chinese["unsent"] == "未发送" and english["unsent"] == "Not yet sent"
    assert chinese["net.offline_unsent"].replace("{n}", "3") == "离线：评分保存在本机，3 项未发送，联网后自动发送"
    assert english["status.submitted"] == "Submitted" and english["kind.deduction"] == "Deduction"
    left = {k: v for k, v in english.items() if HAN.search(v)}
    assert not left, f"tablet texts without English: {left}"
    placeholder = re.compile(r"\{\w+\}")
    assert all(sorted(placeholder.findall(english[k])) == sorted(placeholder.findall(chinese[k])) for k in english)


def test_the_english_catalogue_keeps_brace_placeholders():
    english = json.loads((ROOT / "contestapp" / "translations" / "en.json").read_text(encoding="utf-8"))
    placeholder = re.compile(r"\{\w+\}")
    wrong = [k for k, v in english.items() if sorted(placeholder.findall(k)) != sorted(placeholder.findall(v))]
    assert not wrong, f"{{placeholders}} differ between Chinese and English: {wrong}"


def test_labels_named_by_the_domain_have_english():
    """The pure domain names schedules and vocational levels in Chinese (values that are stored); the forms mark
    them for the catalogue (merit/forms.py, craftsman/forms.py): a new one needs its mark and its English."""
    from babel.messages.mofile import read_mo

    from contestapp.domain.eligibility import LEVEL_NAMES
    from contestapp.domain.periods import SCHEDULE_LABELS

    with (ROOT / "contestapp" / "translations" / "en" / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    for label in (*SCHEDULE_LABELS.values(), *LEVEL_NAMES):
        assert compiled.get(label), f"no English for {label}"


@pytest.mark.parametrize("rule", [
    {}, {"aggregate": "median"}, {"aggregate": "trimmed", "drop_high": 1, "drop_low": 1, "min_judges": 3},
    {"aggregate": "trimmed", "drop_high": 2, "drop_low": 1, "reduce": "sum", "places": 2, "min_judges": 5},
    {"places": 3}])
def test_the_recusal_page_states_the_panel_rule_as_the_domain_does(app, rule):
    """judging/console.rule_text gives PanelRule.describe() in the page's language: in Chinese, the same text."""
    from flask_babel import refresh

    from contestapp.domain.types import PanelRule
    from contestapp.judging.console import rule_text

    panel = PanelRule(**rule)
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        refresh()  # the test's app context is shared: forget the locale of an earlier request
        assert rule_text(panel) == panel.describe()
    with app.test_request_context("/", headers=EN):
        refresh()
        assert not HAN.search(rule_text(panel)), rule_text(panel)


def test_a_services_fixed_message_is_shown_in_the_readers_language(app, make, client):
    """Services raise their fixed messages marked N_() (still Chinese in Python: the CLI and logs); the views
    translate them when they show them."""
    org = make.org()
    make.user("org1", "organiser", org)
    contest = make.contest(org)
    db.session.commit()
    from tests.conftest import login

    login(client, "org1")
    url = f"/contests/{contest.id}/results/events/{contest.events[0].id}/appeals"
    page = client.post(url, data={"appellant": "", "text": ""}, headers=EN, follow_redirects=True)
    assert "Give the appellant and the appeal" in page.get_data(as_text=True)
    page = client.post(url, data={"appellant": "", "text": ""}, follow_redirects=True)
    assert "请填写申诉人和申诉内容" in page.get_data(as_text=True)


def test_craftsman_refusals_and_recusals_name_their_fields_and_units_in_the_readers_language(app, make):
    """The fields a nomination still lacks (in the refusal, each field translated) and the automatic recusal of an
    expert from a candidate of their own unit (on the recusals page) are in English for an English reader."""
    from contestapp.craftsman import calls, nominations, review
    from contestapp.craftsman.models import Stage
    from tests.conftest import login
    from tests.craftsman.craftsman_helpers import build_world, nominate, nomination_values

    w = build_world(make, units=6, experts=5, vote=False)
    call, office = w["call"], w["organiser"]
    noms = [nominate(call, w["units"][i], i) for i in range(6)]  # candidate 5: the last expert's own unit
    draft = nominations.save_nomination(call, w["units"][0], None, nomination_values(6, employer="", summary=""))
    db.session.commit()
    unit = app.test_client()
    login(unit, "unit0")
    url = f"/craftsman/unit/nominations/{draft.id}/submit"
    english = unit.post(url, headers=EN, follow_redirects=True).get_data(as_text=True)
    assert "The nomination form still lacks: Employer, Short profile, Supporting material (at least one file)" in english
    assert "推荐表还缺少" not in english
    chinese = unit.post(url, follow_redirects=True).get_data(as_text=True)
    assert "推荐表还缺少：工作单位、事迹简介、证明材料（至少一份）" in chinese

    calls.set_stage(call, Stage.CHECKING, office)
    for n in noms:
        nominations.decide(call, n, "eligible", "", office)
    review.start_review(call, office, acknowledged=True)
    db.session.commit()

    organiser = app.test_client()
    login(organiser, office.username)
    page = organiser.get(f"/contests/{w['contest'].id}/judging/recusals", headers=EN).get_data(as_text=True)
    assert "Same unit as the candidate (nominating unit or employer): recused automatically" in page, page
    page = organiser.get(f"/contests/{w['contest'].id}/judging/recusals").get_data(as_text=True)
    assert "与候选人同单位（推荐单位或工作单位），自动回避" in page


def test_craftsman_and_merit_refusals_with_values_are_in_the_readers_language(app, make, merit):  # noqa: F811
    """Refusals built with values (i18n.Message) are shown in English to an English reader and in the same Chinese
    as before to a Chinese one: a craftsman review refusal, a limit of the public vote, merit's participants file
    without its required columns and a row problem of that file."""
    from contestapp.craftsman import calls, nominations
    from contestapp.craftsman.models import Stage
    from contestapp.craftsman.sms import LogSender
    from tests.conftest import login
    from tests.craftsman.craftsman_helpers import build_world, nominate

    def both(client, url, data, english, chinese, status=200):
        for headers, text in ((EN, english), ({}, chinese)):
            page = client.post(url, data=data() if callable(data) else data, headers=headers, follow_redirects=True)
            assert page.status_code == status, page.status_code
            assert text in page.get_data(as_text=True), text

    w = build_world(make, units=4, experts=7)
    call, office = w["call"], w["organiser"]
    noms = [nominate(call, w["units"][i], i) for i in range(4)]
    calls.set_stage(call, Stage.CHECKING, office)
    for n in noms[:3]:
        nominations.decide(call, n, "eligible", "", office)
    db.session.commit()
    organiser = app.test_client()
    login(organiser, office.username)
    both(organiser, f"/craftsman/{w['contest'].id}/review/start", {"acknowledge": "1"},
         "1 nomination(s) still await the eligibility check", "还有 1 份推荐表未审查")

    noms[0].shortlisted = True
    call.stage = Stage.VOTE
    db.session.commit()
    app.extensions["craftsman_sms"] = LogSender()
    voter = app.test_client()
    url = f"/craftsman/vote/{w['contest'].id}/code"
    assert voter.post(url, data={"phone": "13912345678"}).status_code == 302  # the code is sent
    both(voter, url, {"phone": "13912345678"}, "A code has just been sent; please try again in 1 minute",
         "验证码已发送，请 1 分钟后再试", status=429)

    contest = merit["contest"]
    client = app.test_client()
    login(client, "organiser1")
    url = f"/contests/{contest.id}/merit/import"
    both(client, url, lambda: {"file": (BytesIO("名称,参建角色\n某项目部,施工\n".encode()), "u.csv")},
         "Required columns are missing: 类别. Please use the participants import template.",
         "缺少必需的列：类别。请使用参建单位导入模板。")
    both(client, url, lambda: {"file": (BytesIO("名称,类别\n某项目部,车间\n".encode()), "u.csv")},
         "The type must be 项目部, 标段 or 工区 (a unit), 班组 (a team) or 个人 (a person)",
         "类别应为 项目部、标段、工区、班组 或 个人", status=400)


def test_roster_and_recusal_refusals_are_in_the_readers_language(app, jw):
    """The roster check's refusals (a file without its required columns, a row's problems, an ID number's reason
    from the domain) and a judge's recusal without a reason (the field's label translated with the message) are in
    English for an English reader and the same Chinese as before for a Chinese one."""
    from contestapp.domain.idcard import make_id_number

    contest = jw["contest"]
    organiser = signed_in(app, "org1")
    url = f"/contests/{contest.id}/entrants/import"

    def upload(text, headers):
        page = organiser.post(url, data={"file": (BytesIO(text.encode()), "roster.csv")}, headers=headers,
                              follow_redirects=True)
        return page.status_code, page.get_data(as_text=True)

    for headers, text in ((EN, "Required columns are missing: 身份证号、参赛赛项. Please use the roster template."),
                          ({}, "缺少必需的列：身份证号、参赛赛项。请使用报名表模板。")):
        assert text in upload("姓名,单位\n张三,某单位\n", headers)[1], text

    good = make_id_number("330102", date(1990, 1, 1), 3, "M")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    roster = (f"姓名,性别,身份证号,单位,参赛赛项\n张三,未知,{good},某单位,{jw['event'].name}\n"
              f"李四,男,{bad},某单位,没有的赛项\n")
    for headers, texts in ((EN, ("The gender should be “男” (male) or “女” (female)",
                                 "The ID number&#39;s check digit is wrong", "There is no event “没有的赛项”")),
                           ({}, ("性别应为“男”或“女”", "身份证号校验位错误", "赛项“没有的赛项”不存在"))):
        status, page = upload(roster, headers)
        assert status == 400
        for text in texts:
            assert text in page, text

    judge = signed_in(app, "judge2")
    sid = judge.get("/api/v1/assignments").get_json()["rounds"][0]["sheets"][0]["id"]
    for headers, text in ((EN, "Reason for recusal is required"), ({}, "请填写回避理由")):
        r = judge.post(f"/api/v1/sheets/{sid}/recusal", json={"reason": ""}, headers=headers)
        assert r.status_code == 422 and r.get_json()["error"]["message"] == text, r.get_json()
    r = judge.post(f"/api/v1/sheets/{sid}/recusal", json={"reason": "x" * 501}, headers=EN)
    assert r.get_json()["error"]["message"] == "Reason for recusal is too long (at most 500 characters)"


def test_upload_limits_and_paper_marks_problems_are_in_the_readers_language(app, jw):
    """An upload over the row limit (common.uploads), a CSV line the reader cannot parse, a marks file without its
    columns and a marks file's row problems are in English for an English reader, the same Chinese as before for a
    Chinese one."""
    contest, event = jw["contest"], jw["event"]
    organiser = signed_in(app, "org1")

    def post(url, files, headers):
        page = organiser.post(url, data={k: (BytesIO(v.encode()), n) for k, (v, n) in files.items()},
                              headers=headers, follow_redirects=True)
        return page.status_code, page.get_data(as_text=True)

    roster = f"/contests/{contest.id}/entrants/import"
    app.config["UPLOAD_MAX_ROWS"] = 2
    try:
        for headers, text in ((EN, "The file has more rows than the limit of 2; please split it"),
                              ({}, "文件行数超过上限 2 行，请拆分后分批上传")):
            assert text in post(roster, {"file": ("姓名,单位\n甲,某单位\n乙,某单位\n丙,某单位\n", "r.csv")}, headers)[1]
    finally:
        app.config.pop("UPLOAD_MAX_ROWS")
    for headers, text in ((EN, "Line 2 of the CSV file is malformed (unmatched quotes)"),
                          ({}, "CSV 文件第 2 行格式有误（引号不成对），请用 Excel 另存为 CSV 后重试")):
        assert text in post(roster, {"file": ('姓名,单位\n"甲,某单位\n', "r.csv")}, headers)[1], text

    marks = f"/contests/{contest.id}/results/marks/batches"
    for headers, text in ((EN, "m.csv: columns missing: criterion, judge, value (the header must be "
                               "event,round,entry,criterion,judge,value)"),
                          ({}, "m.csv：缺少列 criterion, judge, value（表头须为 event,round,entry,criterion,judge,value）")):
        assert text in post(marks, {"file": ("event,round,entry\nX,Y,Z\n", "m.csv")}, headers)[1], text
    number = jw["entries"][0].number
    rows = ("event,round,entry,criterion,judge,value\n没有的赛项,practical,1,c,judge1,5\n"
            f"{event.code},没有的轮次,{number},c,judge1,5\n{event.code},practical,{number},c,没有的裁判,abc\n")
    for headers, texts in ((EN, ("No event 没有的赛项", f"Event {event.code} has no round 没有的轮次",
                                 "No judge account 没有的裁判", "The mark abc is not a valid number (at most 4 decimals)")),
                           ({}, ("找不到赛项 没有的赛项", f"赛项 {event.code} 没有轮次 没有的轮次", "找不到裁判账号 没有的裁判",
                                 "分数 abc 不是有效数字（最多 4 位小数）"))):
        status, page = post(marks, {"file": (rows, "m.csv")}, headers)
        assert status == 400
        for text in texts:
            assert text in page, text
