"""A refused set-up step (issue 13: one error handler per blueprint) answers as the views' own try/except did: the
message flashed in Chinese, back to the page the step belongs to, nothing half-saved."""
from __future__ import annotations

from sqlalchemy import func, select

from contestapp.contests.models import Contest, ContestMember
from contestapp.contests.signals import template_loaded
from contestapp.extensions import db
from tests.contests.test_definition_files import EXAMPLES


def _contest(make, login_as):
    org = make.org()
    make.user("org1", "organiser", org)
    contest = make.contest(org)
    db.session.commit()
    login_as("org1")
    return contest


def test_an_unknown_status_is_refused_on_the_contest_page(client, make, login_as):
    contest = _contest(make, login_as)
    response = client.post(f"/contests/{contest.id}/status", data={"status": "bogus"},
                           headers={"Referer": "http://localhost/contests/"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contests/{contest.id}")
    assert "状态无效" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Contest, contest.id).status == "draft"


def test_an_unknown_account_is_refused_on_the_staff_page(client, make, login_as):
    contest = _contest(make, login_as)
    response = client.post(f"/contests/{contest.id}/members", data={"username": "nobody", "role": "judge"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contests/{contest.id}/members")
    assert "找不到账号 nobody" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count(ContestMember.id))) == 0


def test_an_area_refusing_to_date_an_imported_template_refuses_the_import(client, make, login_as):
    """An area above contests (a merit contest's periods) refuses with its own error: the import is refused with
    its message, back on the contests list, and no contest is left behind."""
    make.user("org1", "organiser", make.org())
    db.session.commit()
    login_as("org1")

    def refuse(contest, **_kw):
        raise ValueError("考评期无法生成：测试")

    template_loaded.connect(refuse)
    try:
        source = EXAMPLES[0]
        response = client.post("/contests/import", data={"file": (source.open("rb"), source.name)},
                               content_type="multipart/form-data")
    finally:
        template_loaded.disconnect(refuse)
    assert response.status_code == 302 and response.headers["Location"].endswith("/contests/")
    assert "考评期无法生成：测试" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Contest.id))) == 0
