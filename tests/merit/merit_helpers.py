"""Shared set-up for merit and job tests (imported, not a conftest): a project with four units, two assessors,
a unit account and monthly periods April to June 2025."""
import subprocess
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from contestapp.extensions import db

CST = ZoneInfo("Asia/Shanghai")
UNITS = ["中铁一局三标项目部", "中建八局二工区", "华东监理部", "市政设计院项目部"]


def at(y, m, d, h=9):
    return datetime(y, m, d, h, 0, tzinfo=CST)


def csv_bytes(rows):
    return "\n".join(",".join(r) for r in rows).encode("utf-8")


@pytest.fixture
def merit(app, make):
    from contestapp.merit import participants, periods

    org = make.org("地铁建设指挥部", "project")
    organiser = make.user("organiser1", "organiser", org)
    judges = [make.user(f"assessor{i}", "judge", org) for i in (1, 2)]
    unit_user = make.user("unit_a", "unit", org)
    contest = make.contest(org, "merit-project.json", code="metro-q2")
    for j in judges:
        make.member(contest, j)
    make.member(contest, unit_user)
    periods.save_project(contest, {"name": "地铁3号线工程", "owner": "市轨道交通集团", "budget": Decimal("1850000"),
                                    "location": "城东", "starts_on": date(2025, 4, 1), "ends_on": date(2025, 6, 30),
                                    "schedule": "monthly", "deadline_days": 5, "red_flags": 1}, organiser)
    table = [["名称", "类别", "参建角色", "所属单位", "身份证号", "账号"],
             [UNITS[0], "项目部", "施工", "", "", "unit_a"], [UNITS[1], "工区", "施工", "", "", ""],
             [UNITS[2], "项目部", "监理", "", "", ""], [UNITS[3], "标段", "设计", "", "", ""]]
    checked = participants.check_participants(contest, csv_bytes(table), "units.csv")
    assert checked.ok, checked.problems
    participants.import_participants(contest, checked, organiser)
    periods.generate_periods(contest, organiser)
    db.session.commit()
    return {"contest": contest, "judges": judges, "organiser": organiser, "unit_user": unit_user}


def sheets_of(period, judge):
    from contestapp.judging.models import ScoreSheet
    from contestapp.merit.periods import rounds_of

    rnd = next(iter(rounds_of(period).values()))
    rows = db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == rnd.id, ScoreSheet.judge_id == judge.id))
    return {s.entry.entrant.name: s for s in rows}


def score(period, judges, plan):
    """plan: unit name -> {criterion code: (value, note, document_no)} (both assessors give the same marks)."""
    from contestapp.merit.sheets import SheetInput, save_assessment

    for judge in judges:
        for name, sheet in sheets_of(period, judge).items():
            if sheet.status == "submitted":
                continue
            values = {code: SheetInput(Decimal(v), note, doc) for code, (v, note, doc) in plan.get(name, {}).items()}
            save_assessment(sheet, judge, values, submit=True)
    db.session.commit()


def run_all(now):
    from contestapp.jobs import tasks  # noqa: F401
    from contestapp.jobs.runner import run_job

    return {name: run_job(name, now) for name in ("close_periods", "open_periods", "remind_missing", "bulletins")}


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True).stdout


def pdf_fonts(path):
    lines = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return [line.split() for line in lines]




def client_for(app, username):
    """A signed-in test client that works beside others in one test: the test's app context is shared by every
    request, so Flask-Login's cached user (g._login_user) must be dropped before each request."""
    from flask import g
    from flask.testing import FlaskClient

    from tests.conftest import login

    class Client(FlaskClient):
        def open(self, *args, **kwargs):
            g.pop("_login_user", None)
            try:
                return super().open(*args, **kwargs)
            finally:
                g.pop("_login_user", None)

    client = Client(app, app.response_class, use_cookies=True)
    login(client, username)
    return client
