"""Draws, login cards, confirmation, decryption, ties, PDFs, and anonymity of everything a judge receives."""
from __future__ import annotations

import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from contestapp.audit.models import AuditEntry
from contestapp.extensions import db
from contestapp.judging.cards import issue_card
from contestapp.judging.common import JudgingError, local_today, round_confirmed
from contestapp.judging.draws import draw_event, latest_draw, verify_draw
from contestapp.judging.models import JudgeCard, LotDraw, ScoreSheet, TieDecision
from tests.judging.conftest import Fresh, marks_for, secrets_of, signed_in


def test_a_seeded_draw_is_reproducible_and_codes_reveal_nothing(app, jw):
    event = jw["event"]
    draw = latest_draw(event)
    assert draw.seed == "12345" and verify_draw(draw, event)
    codes = [e.code for e in jw["entries"]] + [e.code2 for e in jw["entries"]]
    assert len(set(codes)) == len(codes)
    assert all(e.code != e.number and e.code != str(e.workstation) for e in jw["entries"])
    assert sorted(e.workstation for e in jw["entries"]) == list(range(1, 9))
    # codes sorted by value do not follow registration order
    by_code = [e.id for e in sorted(jw["entries"], key=lambda e: e.code)]
    assert by_code != sorted(by_code)
    # the same seed gives the same lots
    before = {e.id: (e.workstation, e.code, e.code2) for e in jw["entries"]}
    draw_event(event, jw["organiser"], levels=2, seed=12345)
    db.session.flush()
    assert {e.id: (e.workstation, e.code, e.code2) for e in jw["entries"]} == before
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "draw.seeded")) == 2


def test_no_redraw_once_marks_exist(app, jw):
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.judge_id == jw["j2"].id).limit(1))
    c = signed_in(app, "judge2")
    s = c.get(f"/api/v1/sheets/{sheet.id}").get_json()
    assert c.put(f"/api/v1/sheets/{sheet.id}/marks", json={"version": 1, "marks": marks_for(s)[:1]},
                 headers={"Idempotency-Key": "k"}).status_code == 200
    with pytest.raises(JudgingError, match="已有评分"):
        draw_event(jw["event"], jw["organiser"])


def test_manual_draw_import_is_all_or_nothing(app, jw):
    org = signed_in(app, "org1")
    cid, eid = jw["contest"].id, jw["event"].id
    entries = sorted(jw["entries"], key=lambda e: e.number)
    before = {e.id: e.code for e in entries}
    bad = "参赛编号,工位号,加密号\n" + "\n".join(f"{e.number},{i + 1},M{100 + i}" for i, e in enumerate(entries[:-1]))
    bad += f"\n{entries[-1].number},1,M999\n"  # duplicate workstation
    r = org.post(f"/contests/{cid}/judging/events/{eid}/draw-import",
                 data={"m-file": (__import__("io").BytesIO(bad.encode()), "lots.csv")},
                 content_type="multipart/form-data")
    assert r.status_code == 302
    assert {e.id: e.code for e in entries} == before
    good = "参赛编号,工位号,加密号\n" + "\n".join(f"{e.number},{i + 1},M{100 + i}" for i, e in enumerate(entries))
    r = org.post(f"/contests/{cid}/judging/events/{eid}/draw-import",
                 data={"m-file": (__import__("io").BytesIO(good.encode()), "lots.csv")},
                 content_type="multipart/form-data")
    assert r.status_code == 302
    assert latest_draw(jw["event"]).method == "manual"
    assert sorted(e.code for e in jw["entries"]) == [f"M{100 + i}" for i in range(8)]


def test_card_login_for_the_contest_days_only_and_revocation(app, jw):
    contest = jw["contest"]
    today = services_today(app)
    card = issue_card(contest, jw["j2"], jw["organiser"], today, today + timedelta(days=1))
    db.session.commit()
    tablet = Fresh(app)
    assert tablet.post("/judging/card", data={"code": card.code, "pin": "000000" if card.pin != "000000" else "1"}
                       ).status_code == 401
    r = tablet.post("/judging/card", data={"code": f"{card.code[:4]}-{card.code[4:]}", "pin": card.pin})
    assert r.status_code == 302 and r.headers["Location"].endswith("/judging/")
    assert tablet.get("/api/v1/assignments").status_code == 200
    # reissue revokes the old card: the tablet is logged out at its next call
    new = issue_card(contest, jw["j2"], jw["organiser"], today, today)
    db.session.commit()
    assert db.session.get(JudgeCard, card.id).revoked_at is not None
    assert tablet.get("/api/v1/assignments").status_code == 401
    assert Fresh(app).post("/judging/card", data={"code": card.code, "pin": card.pin}).status_code == 401
    # outside the contest days the card does not log in
    later = issue_card(contest, jw["j3"], jw["organiser"], today + timedelta(days=3), today + timedelta(days=4))
    db.session.commit()
    r = Fresh(app).post("/judging/card", data={"code": later.code, "pin": later.pin})
    assert r.status_code == 401 and "仅在" in r.get_data(as_text=True)
    assert Fresh(app).post("/judging/card", data={"code": new.code, "pin": new.pin}).status_code == 302


def services_today(app):
    return local_today()


def test_cards_draw_sheet_and_score_sheets_are_pdfs_with_embedded_fonts(app, jw, tmp_path):
    contest, cid = jw["contest"], jw["contest"].id
    for j in ("j1", "j2", "j3"):
        issue_card(contest, jw[j], jw["organiser"])
    db.session.commit()
    org = signed_in(app, "org1")
    chief = signed_in(app, "chief1")
    urls = [(org, f"/contests/{cid}/judging/cards.pdf"), (org, f"/contests/{cid}/judging/events/{jw['event'].id}/draw.pdf"),
            (chief, f"/contests/{cid}/judging/rounds/{jw['round'].id}/judges/{jw['j2'].id}/sheets.pdf")]
    for client, url in urls:
        r = client.get(url)
        assert r.status_code == 200 and r.data.startswith(b"%PDF"), url
        path = tmp_path / "x.pdf"
        path.write_bytes(r.data)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        rows = fonts.splitlines()[2:]
        assert rows and all(" yes yes " in row for row in rows), fonts  # embedded + subset, no Helvetica
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert jw["event"].name in text or "登录卡" in text
    cards_text = subprocess.run(["pdftotext", str(tmp_path / "x.pdf"), "-"], capture_output=True, text=True).stdout
    assert "签字" in cards_text


def complete_round(app, jw):
    """Every judge marks and submits every sheet of the practical round."""
    for username in ("judge1", "judge2", "judge3"):
        c = signed_in(app, username)
        for s in c.get("/api/v1/assignments").get_json()["rounds"][0]["sheets"]:
            sheet = c.get(f"/api/v1/sheets/{s['id']}").get_json()
            r = c.put(f"/api/v1/sheets/{s['id']}/marks", json={"version": sheet["version"], "marks": marks_for(sheet)},
                      headers={"Idempotency-Key": f"{username}-{s['id']}"})
            assert r.status_code == 200, r.get_json()
            r = c.post(f"/api/v1/sheets/{s['id']}/submit", json={"version": r.get_json()["version"], "confirm": True})
            assert r.status_code == 200, r.get_json()


def test_confirm_then_decrypt_is_logged_and_judges_never_see_names(app, jw):
    cid, rid, eid = jw["contest"].id, jw["round"].id, jw["event"].id
    chief = signed_in(app, "chief1")
    secrets = secrets_of(jw["contest"])
    assert chief.post(f"/contests/{cid}/judging/events/{eid}/decrypt").status_code == 302
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "event.decrypt")) == 0
    assert chief.get(f"/contests/{cid}/judging/events/{eid}/decrypted").status_code == 403
    r = chief.post(f"/contests/{cid}/judging/rounds/{rid}/confirm")
    assert r.status_code == 302 and round_confirmed(rid) is None  # not every sheet signed
    complete_round(app, jw)
    page = chief.get(f"/contests/{cid}/judging/rounds/{rid}").get_data(as_text=True)
    assert "确认本轮" in page and not any(s in page for s in secrets)
    chief.post(f"/contests/{cid}/judging/rounds/{rid}/confirm")
    assert round_confirmed(rid) is not None
    # a confirmed round takes no more marks
    judge = signed_in(app, "judge2")
    sheet = judge.get("/api/v1/assignments").get_json()["rounds"][0]["sheets"][0]
    assert judge.put(f"/api/v1/sheets/{sheet['id']}/marks", json={"version": sheet["version"], "marks": [
        {"criterion_id": int(next(iter(sheet["marks"]))), "value": "1"}]},
        headers={"Idempotency-Key": "late"}).status_code == 409
    console = chief.get(f"/contests/{cid}/judging/").get_data(as_text=True)
    assert not any(s in console for s in secrets)
    assert chief.post(f"/contests/{cid}/judging/events/{eid}/decrypt").status_code == 302
    page = chief.get(f"/contests/{cid}/judging/events/{eid}/decrypted").get_data(as_text=True)
    assert all(e.entrant.name in page for e in jw["entries"])
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.decrypt"))
    assert entry.actor_id == jw["chief"].id and entry.at is not None
    # after decryption too, judges still get codes only
    for username in ("judge1", "judge2", "judge3"):
        body = signed_in(app, username).get("/api/v1/assignments").get_data(as_text=True)
        assert not any(s in body for s in secrets)


JUDGE_PAGES = ["/judging/", "/judging/card", "/api/v1/assignments", "/api/v1/openapi.json"]


def test_nothing_a_judge_receives_names_an_entrant(app, jw):
    """Every judge-facing page and API response (success and error) is searched for names, units, ID numbers and
    phones of every entrant."""
    secrets = secrets_of(jw["contest"])
    assert len(secrets) > 20
    seen = []
    judge = signed_in(app, "judge2")
    for url in JUDGE_PAGES:
        seen.append(judge.get(url))
    data = seen[2].get_json()
    for s in data["rounds"][0]["sheets"][:3]:
        sheet = judge.get(f"/api/v1/sheets/{s['id']}")
        seen.append(sheet)
        body = sheet.get_json()
        seen.append(judge.put(f"/api/v1/sheets/{s['id']}/marks", json={"version": 1, "marks": marks_for(body)},
                              headers={"Idempotency-Key": f"a{s['id']}"}))
        seen.append(judge.put(f"/api/v1/sheets/{s['id']}/marks", json={"version": 1, "marks": marks_for(body)},
                              headers={"Idempotency-Key": f"b{s['id']}"}))  # 409 stale, with the sheet
        seen.append(judge.put(f"/api/v1/sheets/{s['id']}/marks", json={"version": 2, "marks": [
            {"criterion_id": body["criteria"][0]["id"], "value": "99"}]}, headers={"Idempotency-Key": f"c{s['id']}"}))
        seen.append(judge.post(f"/api/v1/sheets/{s['id']}/submit", json={"version": 2, "confirm": True}))
    marked = data["rounds"][0]["sheets"][3]["id"]  # a draft with marks: voided, not deleted
    body = judge.get(f"/api/v1/sheets/{marked}").get_json()
    seen.append(judge.put(f"/api/v1/sheets/{marked}/marks", json={"version": 1, "marks": marks_for(body)[:1]},
                          headers={"Idempotency-Key": f"d{marked}"}))
    seen.append(judge.post(f"/api/v1/sheets/{marked}/recusal", json={"reason": "亲属关系"}))
    submitted = data["rounds"][0]["sheets"][0]["id"]  # submitted: a request to the chief judge (202)
    seen.append(judge.post(f"/api/v1/sheets/{submitted}/recusal", json={"reason": "亲属关系"}))
    seen.append(judge.get(f"/api/v1/sheets/{marked}"))
    seen.append(judge.get("/api/v1/assignments"))
    today = local_today()
    card = issue_card(jw["contest"], jw["j3"], jw["organiser"], today, today)
    db.session.commit()
    tablet = Fresh(app)
    seen.append(tablet.get("/judging/card"))
    seen.append(tablet.post("/judging/card", data={"code": card.code, "pin": card.pin}))
    seen.append(tablet.get("/judging/"))
    seen.append(tablet.get("/api/v1/assignments"))
    statuses = {r.status_code for r in seen}
    assert {200, 202, 302, 403, 409, 422} <= statuses, statuses
    for r in seen:
        text = r.get_data(as_text=True)
        leaked = [s for s in secrets if s in text]
        assert not leaked, (r.request.path if hasattr(r, "request") else "", leaked)
    # judges are refused every console page (names appear there after decryption)
    cid = jw["contest"].id
    for url in (f"/contests/{cid}/judging/", f"/contests/{cid}/judging/rounds/{jw['round'].id}",
                f"/contests/{cid}/judging/events/{jw['event'].id}/decrypted", f"/contests/{cid}/judging/recusals",
                f"/contests/{cid}/entrants/", "/audit/"):
        assert judge.get(url).status_code == 403, url


def test_chief_sees_recusals_with_panel_effect_and_records_a_tie(app, jw):
    cid = jw["contest"].id
    judge = signed_in(app, "judge2")
    sheet = judge.get("/api/v1/assignments").get_json()["rounds"][0]["sheets"][0]
    judge.post(f"/api/v1/sheets/{sheet['id']}/recusal", json={"reason": "同村亲属"})
    chief = signed_in(app, "chief1")
    page = chief.get(f"/contests/{cid}/judging/recusals").get_data(as_text=True)
    assert "同村亲属" in page and "与参赛者同单位" in page
    assert "少于规则要求的 5 名" in page and "平均" in page  # 3 judges, min 5, fallback mean
    codes = [e.code2 for e in jw["entries"][:2]]
    r = chief.post(f"/contests/{cid}/judging/events/{jw['event'].id}/ties",
                   data={"t-order": ",".join(codes), "t-reason": "实操用时相同，依据现场记录裁定"})
    assert r.status_code == 302
    tie = db.session.scalar(select(TieDecision))
    assert tie.entry_ids == [jw["entries"][0].id, jw["entries"][1].id] and tie.decided_by == jw["chief"].id
    for url in (f"/contests/{cid}/judging/", f"/contests/{cid}/judging/rounds/{jw['round'].id}",
                f"/contests/{cid}/judging/sheets/{sheet['id'] + 1}"):
        assert chief.get(url).status_code == 200, url
    org = signed_in(app, "org1")
    assert org.get(f"/contests/{cid}/judging/setup").status_code == 200


def test_spread_alerts_follow_the_rounds_rule(app, jw):
    cid, rid = jw["contest"].id, jw["round"].id
    entry = next(e for e in jw["entries"] if e.entrant.unit.name != "单位0")
    values = {"judge1": "10", "judge2": "20", "judge3": "12"}  # spread 10 > 3
    for username, v in values.items():
        c = signed_in(app, username)
        s = next(x for x in c.get("/api/v1/assignments").get_json()["rounds"][0]["sheets"] if x["code"] == entry.code2)
        sheet = c.get(f"/api/v1/sheets/{s['id']}").get_json()
        marks = marks_for(sheet, lambda crit: v if crit["code"] == "m1" else None)
        marks = [m if m["value"] is not None else dict(m, value=d["value"])
                 for m, d in zip(marks, marks_for(sheet))]
        r = c.put(f"/api/v1/sheets/{s['id']}/marks", json={"version": 1, "marks": marks}, headers={"Idempotency-Key": "s"})
        c.post(f"/api/v1/sheets/{s['id']}/submit", json={"version": r.get_json()["version"], "confirm": True})
    page = signed_in(app, "chief1").get(f"/contests/{cid}/judging/rounds/{rid}").get_data(as_text=True)
    assert "评分差 10 超过 3" in page and entry.code2 in page
