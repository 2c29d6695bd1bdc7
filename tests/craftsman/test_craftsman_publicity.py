"""Publicity (公示) of the naming list through the results workflow: numbered snapshots readable on the results pages,
objections as results appeals holding the naming, the public page with the publicity number."""
from datetime import timedelta
from decimal import Decimal

import pytest

from contestapp.extensions import db
from tests.certificates.test_render import assert_fonts_embedded
from tests.conftest import login
from tests.craftsman.craftsman_helpers import build_world, marks_for, nominate
from tests.pdf_checks import fit_problems


def _reviewed_world(make):
    from contestapp.craftsman import calls, nominations, panel, review
    from contestapp.craftsman.models import Stage

    w = build_world(make, units=6, experts=5, vote=False)
    call, office, experts = w["call"], w["organiser"], w["experts"]
    call.quota, call.shortlist_size = 2, 3
    call.targets = []
    noms = [nominate(call, w["units"][i], i) for i in range(6)]
    calls.set_stage(call, Stage.CHECKING, office)
    for n in noms:
        nominations.decide(call, n, "eligible", "", office)
    review.start_review(call, office, acknowledged=True)  # the last unit's candidate keeps 4 experts
    for i, n in enumerate(noms):
        for j, e in enumerate(experts):
            if not panel.is_recused(e, n):
                review.record_marks(e, n, "review", marks_for(Decimal("0.9") - Decimal("0.1") * i, j))
    for s in review.make_shortlist(call, office):
        for j, e in enumerate(experts):
            if not panel.is_recused(e, s.nomination):
                review.record_marks(e, s.nomination, "defence", {"defence": 90 - j})
    db.session.commit()
    return w, noms


def test_naming_list_is_published_as_results_snapshots(app, make):
    from contestapp.craftsman import errors, naming, review
    from contestapp.results import services as results

    w, noms = _reviewed_world(make)
    call, contest, office = w["call"], w["contest"], w["organiser"]
    naming.confirm_list(call, office, acknowledged=True)
    objection = results.lodge_appeal(contest.events[0], review.entry_of(noms[0]), "某职工", "对候选人00有异议",
                                      office)
    db.session.commit()
    snap = naming.current_publicity_snapshot(contest)
    assert [r["name"] for r in snap.data["ranking"]] == ["候选人00", "候选人01"]

    c = app.test_client()
    login(c, "office")
    page = c.get(f"/craftsman/{contest.id}/naming").get_data(as_text=True)
    assert snap.number in page and "1 件异议尚未处理" in page
    shown = c.get(f"/contests/{contest.id}/results/snapshots/{snap.id}")  # readable on the results pages
    assert shown.status_code == 200 and "候选人00" in shown.get_data(as_text=True)
    r = c.post(f"/craftsman/{contest.id}/naming/name", follow_redirects=True)
    assert "公示结束后才能命名" in r.get_data(as_text=True)
    after = call.publicity_ends + timedelta(seconds=1)
    with pytest.raises(errors.CraftsmanError, match="1 件异议尚未处理"):
        naming.name_titles(call, office, now=after)

    public = app.test_client().get(f"/craftsman/publicity/{contest.id}").get_data(as_text=True)
    assert snap.number in public and "候选人00" in public and "候选人02" not in public

    results.decide_appeal(objection, False, "经核查无误", office)
    titles = naming.name_titles(call, office, now=after)
    db.session.commit()
    final = results.official_snapshot(contest.events[0])
    assert final.number.endswith("/F1") and [r["serial"] for r in final.data["ranking"]] == [t.serial for t in titles]
    assert [s.number[-2:] for s in naming.publicity_snapshots(contest)] == ["P1", "F1"]


def test_naming_list_pdf_from_the_naming_page(app, make):
    from contestapp.craftsman import naming

    w, noms = _reviewed_world(make)
    call, contest, office = w["call"], w["contest"], w["organiser"]
    c = app.test_client()
    login(c, "office")
    empty = c.get(f"/craftsman/{contest.id}/naming.pdf", follow_redirects=True)
    assert "还没有拟命名人选" in empty.get_data(as_text=True)
    naming.confirm_list(call, office, acknowledged=True)
    db.session.commit()
    snap = naming.current_publicity_snapshot(contest)
    assert f"/craftsman/{contest.id}/naming.pdf" in c.get(f"/craftsman/{contest.id}/naming").get_data(as_text=True)
    r = c.get(f"/craftsman/{contest.id}/naming.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    assert_fonts_embedded(r.data)
    assert not fit_problems(r.data, [f"{contest.name}拟命名人选公示", f"公示编号 {snap.number}", "候选人00", "候选人01"])
    naming.name_titles(call, office, now=call.publicity_ends + timedelta(seconds=1))
    db.session.commit()
    named = c.get(f"/craftsman/{contest.id}/naming.pdf")
    assert not fit_problems(named.data, [f"{contest.name}命名名单", "候选人00"])
    unit = app.test_client()
    login(unit, w["units"][0].username)
    assert unit.get(f"/craftsman/{contest.id}/naming.pdf").status_code in (403, 404)


def test_structure_targets_and_confirmed_warnings_in_the_readers_language(app, make):
    """The naming page's structure targets and, once the list is confirmed, the warnings kept with it: in the reader's
    language, a label the call form wrote translated, a label written otherwise (and a warning kept before warnings
    were kept as messages) as written."""
    from contestapp.audit.models import AuditEntry
    from contestapp.craftsman import naming

    w, _noms = _reviewed_world(make)
    call, contest, office = w["call"], w["contest"], w["organiser"]
    call.targets = [{"code": "young", "label": "40周岁及以下", "min_share": "0.5", "max_age": 40},
                    {"code": "front", "label": "一线职工", "min_share": "0.8", "front_line": True},
                    {"code": "core", "label": "三十岁以下骨干", "min_share": "1", "max_age": 30}]
    db.session.commit()
    c = app.test_client()
    login(c, "office")
    url = f"/craftsman/{contest.id}/naming"
    en = c.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Aged 40 or under: 1 of 2 people, 50.0% (at least 50.0% required): met" in en
    assert "Front-line worker: 2 of 2 people, 100.0% (at least 80.0% required): met" in en
    assert "三十岁以下骨干: 0 of 2 people, 0.0% (at least 100.0% required): not met" in en
    assert "周岁及以下" not in en and "一线职工" not in en
    zh = c.get(url).get_data(as_text=True)
    assert "40周岁及以下：1/2 人，占 50.0%（要求不低于 50.0%），已达到" in zh
    assert "三十岁以下骨干：0/2 人，占 0.0%（要求不低于 100.0%），未达到" in zh

    naming.confirm_list(call, office, acknowledged=True)
    db.session.commit()
    assert [w["template"] for w in call.confirmed_warnings] == [
        "%(label)s：%(count)s/%(total)s 人，占 %(pct)s%%（要求不低于 %(need)s%%），未达到"]
    audit = db.session.query(AuditEntry).filter_by(action="craftsman.list.confirm").one()
    assert audit.data["warnings"] == ["三十岁以下骨干：0/2 人，占 0.0%（要求不低于 100.0%），未达到"]  # Chinese record
    en = c.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "⚠ 三十岁以下骨干: 0 of 2 people, 0.0% (at least 100.0% required): not met" in en and "未达到" not in en
    assert "⚠ 三十岁以下骨干：0/2 人，占 0.0%（要求不低于 100.0%），未达到" in c.get(url).get_data(as_text=True)

    call.confirmed_warnings = ["拟命名 1 人，少于名额 2 人"]  # kept before warnings were messages: as written
    db.session.commit()
    assert "⚠ 拟命名 1 人，少于名额 2 人" in c.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "⚠ 拟命名 1 人，少于名额 2 人" in c.get(url).get_data(as_text=True)
