"""The merit console through HTTP: organiser pages, the assessors' sheet with required reasons, the unit's
self-assessment, charts (inline SVG), the year's honours, the bulletin download, 1+X evidence permissions."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from contestapp.extensions import db
from tests.merit.merit_helpers import UNITS, at, client_for, merit, run_all, score, sheets_of  # noqa: F401


def test_console_pages_and_forms(app, merit):
    from contestapp.merit.models import SelfSheet
    from contestapp.merit.periods import periods_of

    contest, judges = merit["contest"], merit["judges"]
    april, may, _ = periods_of(contest)
    run_all(at(2025, 4, 1))
    cid = contest.id

    # An assessor fills a sheet: a deduction without a reason is refused with a Chinese message, nothing is lost.
    judge = client_for(app, "assessor1")
    sheet = sheets_of(april, judges[0])[UNITS[1]]
    page = judge.get(f"/contests/{cid}/merit/assess")
    assert UNITS[1] in page.get_data(as_text=True)
    r = judge.post(f"/contests/{cid}/merit/assess/{sheet.id}", data={"v_safety": "1", "submit": "1"},
                   follow_redirects=True)
    assert "请填写扣分/加分/否决的原因" in r.get_data(as_text=True)
    r = judge.post(f"/contests/{cid}/merit/assess/{sheet.id}",
                   data={"v_safety": "1", "n_safety": "基坑临边防护缺失", "submit": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    assert sheet.status == "submitted" and {m.criterion.code: m.value for m in sheet.marks}["safety"] == 1
    other = sheets_of(april, judges[1])[UNITS[1]]
    assert judge.get(f"/contests/{cid}/merit/assess/{other.id}").status_code == 404  # not this assessor's sheet

    # The unit's account fills its own column; it sees only its own unit.
    unit = client_for(app, "unit_a")
    listing = unit.get(f"/contests/{cid}/merit/self").get_data(as_text=True)
    assert UNITS[0] in listing and UNITS[1] not in listing
    own = db.session.scalar(select(SelfSheet).join(SelfSheet.entry).where(SelfSheet.period_id == april.id)
                            .where(SelfSheet.entry.has(entrant_id=sheets_of(april, judges[0])[UNITS[0]].entry.entrant_id)))
    r = unit.post(f"/contests/{cid}/merit/self/{own.id}", data={"v_quality": "2", "n_quality": "资料归档滞后",
                                                               "submit": "1"})
    assert r.status_code == 302
    foreign = db.session.scalar(select(SelfSheet).where(SelfSheet.id != own.id, SelfSheet.period_id == april.id))
    assert unit.get(f"/contests/{cid}/merit/self/{foreign.id}").status_code == 404

    score(april, judges, {UNITS[0]: {"honour_owner": ("3", "业主季度表彰", "")}})
    run_all(at(2025, 5, 6))

    org = client_for(app, "organiser1")
    for path in ("/", "/charts", "/year", f"/periods/{april.id}", f"/periods/{may.id}"):
        response = org.get(f"/contests/{cid}/merit{path}")
        assert response.status_code == 200, path
    charts = org.get(f"/contests/{cid}/merit/charts").get_data(as_text=True)
    assert "<svg" in charts and "polyline" not in charts or "<circle" in charts  # one period: points, no line yet
    assert "比安全" in charts  # where the points were lost
    pdf = org.get(f"/contests/{cid}/merit/periods/{april.id}/bulletin.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert org.get(f"/contests/{cid}/merit/periods/{may.id}/bulletin.pdf").status_code == 404

    r = org.post(f"/contests/{cid}/merit/rewards", data={"rows": "1-1,流动红旗奖金,5000\n倒数1-1,末位约谈,-2000"})
    assert r.status_code == 302
    r = org.post(f"/contests/{cid}/merit/year/honours", follow_redirects=True)
    assert "先进集体" in r.get_data(as_text=True)

    # Early close and publish by the organiser: the same steps as the jobs, once.
    score(may, judges, {})
    r = org.post(f"/contests/{cid}/merit/periods/{may.id}/publish", follow_redirects=True)
    assert "已生成排名与通报" in r.get_data(as_text=True)
    r = org.post(f"/contests/{cid}/merit/periods/{may.id}/publish", follow_redirects=True)
    assert "已通报" in r.get_data(as_text=True)
    page = org.get(f"/contests/{cid}/merit/periods/{may.id}").get_data(as_text=True)
    assert "流动红旗奖金" in page and "末位约谈" in page


def test_participants_import_is_all_or_nothing(app, make):
    from contestapp.entrants.models import Entrant

    org = make.org("某指挥部", "project")
    make.user("org2", "organiser", org)
    contest = make.contest(org, "merit-project.json", code="m2")
    db.session.commit()
    client = client_for(app, "org2")
    bad = "名称,类别,参建角色,所属单位\n一标项目部,项目部,施工,\n二标项目部,项目部,监工,\n钢筋班组,班组,,三标\n".encode()
    from io import BytesIO

    r = client.post(f"/contests/{contest.id}/merit/import", data={"file": (BytesIO(bad), "u.csv")},
                    content_type="multipart/form-data")
    text = r.get_data(as_text=True)
    assert r.status_code == 400 and "参建角色应为" in text and "本竞赛没有班组考评赛项" in text
    assert db.session.scalar(select(Entrant.id).where(Entrant.contest_id == contest.id)) is None
    good = "名称,类别,参建角色\n一标项目部,项目部,施工\n监理部,标段,监理\n".encode("gb18030")
    r = client.post(f"/contests/{contest.id}/merit/import", data={"file": (BytesIO(good), "u.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    assert len(db.session.scalars(select(Entrant).where(Entrant.contest_id == contest.id)).all()) == 2
    assert client.get(f"/contests/{contest.id}/merit/import/template.xlsx").data[:2] == b"PK"


def test_evidence_is_served_only_to_permitted_users(app, make):
    from io import BytesIO

    from contestapp.entrants.models import Entry, Unit
    from contestapp.merit import periods, sheets
    from contestapp.merit.models import Evidence, UnitProfile

    org = make.org("某县总工会", "county")
    organiser = make.user("cty", "organiser", org)
    chair_a, chair_b = make.user("union_a", "unit", org), make.user("union_b", "unit", org)
    contest = make.contest(org, "points-1x.json", code="p2")
    make.roster(contest, 8)
    for user in (chair_a, chair_b):
        make.member(contest, user)
    units = db.session.scalars(select(Unit).where(Unit.contest_id == contest.id).order_by(Unit.name)).all()
    db.session.add_all([UnitProfile(contest_id=contest.id, unit_id=units[0].id, user_id=chair_a.id),
                        UnitProfile(contest_id=contest.id, unit_id=units[1].id, user_id=chair_b.id)])
    periods.save_project(contest, {"name": "积分", "schedule": "yearly", "starts_on": date(2025, 1, 1),
                                    "ends_on": date(2025, 12, 31)}, organiser)
    db.session.commit()
    entry_a = sheets.entries_of_unit(contest, units[0])[0]
    crit = next(c for c in contest.events[0].rounds[0].criteria if c.code == "wages")

    a = client_for(app, "union_a")
    r = a.post(f"/contests/{contest.id}/merit/evidence", content_type="multipart/form-data",
               data={"entry_id": entry_a.id, "criterion_id": crit.id, "note": "集体合同",
                     "file": (BytesIO(b"%PDF-1.4 test"), "集体合同.pdf")})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    ev = db.session.scalar(select(Evidence))
    assert a.get(f"/contests/{contest.id}/merit/evidence/{ev.id}").data == b"%PDF-1.4 test"
    r = a.post(f"/contests/{contest.id}/merit/evidence", content_type="multipart/form-data",
               data={"entry_id": entry_a.id, "criterion_id": crit.id, "file": (BytesIO(b"MZ"), "x.pdf")},
               follow_redirects=True)
    assert "文件内容与扩展名不符" in r.get_data(as_text=True)
    b = client_for(app, "union_b")
    assert b.get(f"/contests/{contest.id}/merit/evidence/{ev.id}").status_code == 404
    from flask import g

    g.pop("_login_user", None)
    assert app.test_client().get(f"/contests/{contest.id}/merit/evidence/{ev.id}").status_code == 302  # to login
    o = client_for(app, "cty")
    assert o.get(f"/contests/{contest.id}/merit/evidence/{ev.id}").status_code == 200
    assert o.post(f"/contests/{contest.id}/merit/evidence/{ev.id}/review", data={"confirm": "1"}).status_code == 302
    assert a.post(f"/contests/{contest.id}/merit/evidence/{ev.id}/review", data={"confirm": "1"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Evidence, ev.id).status == "confirmed"
    assert Entry and Decimal
