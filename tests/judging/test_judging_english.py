"""The judging area's fixed error messages reach the reader in their language: the tablet API's JSON errors and the
card-login page. Services raise them in Chinese, marked N_() (the CLI and logs keep Chinese); the API's error
handler and the views translate them when they show them, so Chinese readers get the very same text as before."""
from __future__ import annotations

import html
import re
from datetime import timedelta
from io import BytesIO

from contestapp.extensions import db
from contestapp.judging.cards import issue_card, revoke_card
from contestapp.judging.common import local_today
from tests.judging.conftest import Fresh, marks_for, signed_in

EN = {"Accept-Language": "en"}
HAN = re.compile(r"[\u4e00-\u9fff]")


def first_sheet(client):
    data = client.get("/api/v1/assignments").get_json()
    sid = data["rounds"][0]["sheets"][0]["id"]
    return client.get(f"/api/v1/sheets/{sid}").get_json()


def error_of(response):
    return response.get_json()["error"]


def test_tablet_api_errors_in_the_readers_language(app, jw):
    c = signed_in(app, "judge2")
    sheet = first_sheet(c)
    crit = sheet["criteria"][0]
    url = f"/api/v1/sheets/{sheet['id']}/marks"
    body = {"version": sheet["version"], "marks": [{"criterion_id": crit["id"], "value": "20"}]}

    # no Idempotency-Key: 400
    for headers, text in ((EN, "The Idempotency-Key request header is missing (at most 80 characters)"),
                          ({}, "缺少 Idempotency-Key 请求头（最长 80 字符）")):
        r = c.put(url, json=body, headers=headers)
        assert r.status_code == 400 and error_of(r) == {"code": "key_required", "message": text}, r.get_json()
    assert c.put(f"{url}?lang=en", json=body).get_json()["error"]["message"].startswith("The Idempotency-Key")

    # a criterion that is not on the sheet: 422, the problem list in the reader's language too
    bad = {"version": sheet["version"], "marks": [{"criterion_id": 10 ** 9, "value": "1"}]}
    for headers, text in ((EN, "The criterion does not exist or is not assigned to you"),
                          ({}, "评分项不存在或未分配给您")):
        r = c.put(url, json=bad, headers={"Idempotency-Key": "bad-crit", **headers})
        assert r.status_code == 422 and error_of(r)["code"] == "invalid_mark", r.get_json()
        assert error_of(r)["message"] == text
        assert error_of(r)["detail"] == [{"criterion_id": 10 ** 9, "message": text}]

    # a body that is not JSON: 400
    for headers, text in ((EN, "The request body must be JSON"), ({}, "请求体须为 JSON")):
        r = c.put(url, data="marks", headers={"Idempotency-Key": "not-json", **headers})
        assert r.status_code == 400 and error_of(r)["message"] == text

    # another judge's sheet: 404
    other = first_sheet(signed_in(app, "judge3"))
    for headers, text in ((EN, "Score sheet not found"), ({}, "评分表不存在")):
        r = c.get(f"/api/v1/sheets/{other['id']}", headers=headers)
        assert r.status_code == 404 and error_of(r) == {"code": "not_found", "message": text}

    # a sheet changed on another device: 409, what the tablet shows most often
    assert c.put(url, json=body, headers={"Idempotency-Key": "k-1"}).status_code == 200
    for key, headers, text in (
            ("k-2", EN, "This score sheet was changed on another device; refresh, check it and enter your marks again. "
                        "Marks not yet sent from this device have been kept"),
            ("k-3", {}, "该评分表已在其他设备上修改，请刷新后核对再录入；本机未发送的评分已保留")):
        r = c.put(url, json=body, headers={"Idempotency-Key": key, **headers})
        assert r.status_code == 409 and error_of(r)["code"] == "stale" and error_of(r)["message"] == text


def test_card_login_errors_in_the_readers_language(app, jw):
    today = local_today()
    card = issue_card(jw["contest"], jw["j2"], jw["organiser"], today, today + timedelta(days=1))
    db.session.commit()
    wrong = "000000" if card.pin != "000000" else "111111"
    r = Fresh(app).post("/judging/card?lang=en", data={"code": card.code, "pin": wrong})
    page = r.get_data(as_text=True)
    assert r.status_code == 401 and "Wrong login card number or PIN" in page and "登录卡号或 PIN 码错误" not in page
    r = Fresh(app).post("/judging/card", data={"code": card.code, "pin": wrong})
    assert r.status_code == 401 and "登录卡号或 PIN 码错误" in r.get_data(as_text=True)

    # a tablet whose card was revoked is signed out at its next call, told so in its language
    tablet = Fresh(app)
    assert tablet.post("/judging/card", data={"code": card.code, "pin": card.pin}).status_code == 302
    revoke_card(card, jw["organiser"])
    db.session.commit()
    r = tablet.get("/api/v1/assignments", headers=EN)
    assert r.status_code == 401 and error_of(r)["message"] == "The login card is no longer valid; sign in again"
    r = Fresh(app).post("/judging/card", data={"code": card.code, "pin": card.pin}, headers=EN)
    assert r.status_code == 401 and "This login card has been voided; ask the organiser for a new one" in r.get_data(
        as_text=True)


def test_a_mark_out_of_range_is_refused_in_the_readers_language(app, jw):
    """The range rule is the domain's (`CriterionSpec.check_mark`): its figures reach an English tablet in English."""
    c = signed_in(app, "judge2")
    sheet = first_sheet(c)
    crit = next(x for x in sheet["criteria"] if x["kind"] == "judgement" and not x["choices"])
    url = f"/api/v1/sheets/{sheet['id']}/marks"
    body = {"version": sheet["version"], "marks": [{"criterion_id": crit["id"], "value": "999"}]}
    low, high = crit["min"], crit["max"]
    for key, headers, text in (
            ("range-en", EN, f"{crit['name']}: the mark must be between {low} and {high}"),
            ("range-zh", {}, f"{crit['name']}：分数须在 {low} 到 {high} 之间")):
        r = c.put(url, json=body, headers={"Idempotency-Key": key, **headers})
        assert r.status_code == 422 and error_of(r)["code"] == "invalid_mark", r.get_json()
        assert error_of(r)["message"] == text
    r = c.put(url, json={**body, "marks": [{"criterion_id": crit["id"], "value": "1.23456"}]},
              headers={"Idempotency-Key": "places-en", **EN})
    assert error_of(r)["message"] == f"{crit['name']}: at most 4 decimal places"

    # every problem of the request is listed in `detail`, each in the reader's language like `message`
    other = next(x for x in sheet["criteria"]
                 if x["id"] != crit["id"] and x["kind"] == "judgement" and not x["choices"])
    both = {"version": sheet["version"], "marks": [{"criterion_id": crit["id"], "value": "999"},
                                                   {"criterion_id": other["id"], "value": "abc"}]}
    for key, headers, first in (("two-en", EN, f"{crit['name']}: the mark must be between {low} and {high}"),
                                ("two-zh", {}, f"{crit['name']}：分数须在 {low} 到 {high} 之间")):
        r = c.put(url, json=both, headers={"Idempotency-Key": key, **headers})
        detail = error_of(r)["detail"]
        assert [d["criterion_id"] for d in detail] == [crit["id"], other["id"]] and detail[0]["message"] == first
        assert detail[1]["message"].startswith(f"{other['name']}: " if headers else f"{other['name']}：")
        assert (re.search(HAN, detail[1]["message"][len(other["name"]):]) is None) == bool(headers), detail


def test_a_sheet_is_not_submitted_incomplete_or_after_it_was_returned_in_the_readers_language(app, jw):
    """The criteria still without a mark and the chief judge's reason for returning a sheet are named in the
    tablet's language (the tablet shows the API's `message`); Chinese readers get the same text as before."""
    c = signed_in(app, "judge2")
    sheet = first_sheet(c)
    submit = f"/api/v1/sheets/{sheet['id']}/submit"
    names = [x["name"] for x in sheet["criteria"] if x["kind"] not in ("bonus", "veto")]
    assert len(names) > 1
    for headers, text in ((EN, "Not marked yet: " + ", ".join(names)), ({}, "以下评分项尚未评分：" + "、".join(names))):
        r = c.post(submit, json={"version": sheet["version"], "confirm": True}, headers=headers)
        assert r.status_code == 422 and error_of(r)["code"] == "incomplete", r.get_json()
        assert error_of(r)["message"] == text and error_of(r)["detail"] == names

    r = c.put(f"/api/v1/sheets/{sheet['id']}/marks", json={"version": sheet["version"], "marks": marks_for(sheet)},
              headers={"Idempotency-Key": "all"})
    assert c.post(submit, json={"version": r.get_json()["version"], "confirm": True}).status_code == 200
    chief = signed_in(app, "chief1")
    url = f"/contests/{jw['contest'].id}/judging/sheets/{sheet['id']}/return"
    assert chief.post(url, data={"r-reason": "模块一请复核"}).status_code == 302
    body = {"version": r.get_json()["version"], "marks": marks_for(sheet)}  # sent from a tablet not yet refreshed
    for key, headers, text in (
            ("late-en", EN, "The chief judge has returned this score sheet (模块一请复核); refresh, check it and enter "
                            "your marks again"),
            ("late-zh", {}, "该评分表已被裁判长退回（模块一请复核），请刷新后核对再录入")):
        r = c.put(f"/api/v1/sheets/{sheet['id']}/marks", json=body, headers={"Idempotency-Key": key, **headers})
        assert r.status_code == 409 and error_of(r)["code"] == "stale" and error_of(r)["message"] == text


def test_console_refusals_with_names_and_counts_in_the_readers_language(app, jw):
    """Confirming a round with unsigned sheets, decrypting before every round is confirmed and a tie naming unknown
    codes: refused in the reader's language, the counts and names filled in."""
    from contestapp.judging.signoff import round_sheets

    cid, rid, eid = jw["contest"].id, jw["round"].id, jw["event"].id
    base = f"/contests/{cid}/judging"
    chief = signed_in(app, "chief1")
    first_sheet(signed_in(app, "judge1"))  # the sheets exist once a judge has opened the tablet
    n = len(round_sheets(jw["round"]))  # none signed yet

    def refused(url, data, english, chinese):
        for headers, text in ((EN, english), ({}, chinese)):
            page = chief.post(url, data=data, headers=headers, follow_redirects=True).get_data(as_text=True)
            assert text in page, (text, re.findall(r"flash-error[^>]*>[^<]*<?[^<]*", page))

    refused(f"{base}/rounds/{rid}/confirm", {},
            f"{n} score sheet(s) not yet signed and submitted: the round cannot be confirmed",
            f"还有 {n} 张评分表未签名提交，不能确认")
    refused(f"{base}/events/{eid}/decrypt", {},
            f"These rounds are not confirmed yet, so the event cannot be decrypted: {jw['round'].name}",
            f"以下轮次尚未确认，不能解密：{jw['round'].name}")
    refused(f"{base}/events/{eid}/ties", {"t-order": "NOPE1,NOPE2", "t-reason": "同分"},
            "Unknown codes: NOPE1, NOPE2", "未知的加密号：NOPE1、NOPE2")


def test_manual_draw_problems_are_listed_in_the_readers_language(app, jw):
    """Each problem of a hand-drawn lots file (by row) and the summary above them, on the draw page."""
    org = signed_in(app, "org1")
    entries = sorted(jw["entries"], key=lambda e: e.number)
    rows = ["参赛编号,工位号,加密号,二次加密号", "X999,1,A1,B1", f"{entries[0].number},0,A2,B2",
            f"{entries[1].number},2,,B3", f"{entries[2].number},3,{entries[2].number},B4",
            f"{entries[3].number},4,A5,", f"{entries[4].number},5,A6,A6", f"{entries[5].number},5,A7,B7"]
    rest = sorted(e.number for e in entries[6:])
    english = ["8 problem(s); nothing was imported", "Row 2: Entry number X999 is not in this event",
               "Row 3: The workstation must be a positive whole number", "Row 4: The code is required",
               "Row 5: The code must differ from the entry number and the workstation",
               "Row 6: The second code is required (other rows have one)", "Row 7: The two codes must differ",
               "Row 8: Workstation 5 appears more than once",
               "These entry numbers were not drawn: " + ", ".join([entries[0].number, *rest])]
    chinese = ["8 个问题，未导入任何内容", "第 2 行：参赛编号 X999 不在该赛项", "第 3 行：工位号须为正整数", "第 4 行：加密号必填",
               "第 5 行：加密号不能与参赛编号或工位号相同", "第 6 行：二次加密号必填（其他行已填写）", "第 7 行：两级加密号不能相同",
               "第 8 行：工位号 5 重复", "以下参赛编号未抽签：" + "、".join([entries[0].number, *rest])]
    url = f"/contests/{jw['contest'].id}/judging/events/{jw['event'].id}/draw-import"
    for headers, texts in ((EN, english), ({}, chinese)):
        page = org.post(url, data={"m-file": (BytesIO("\n".join(rows).encode()), "lots.csv")}, headers=headers,
                        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
        for text in texts:
            assert html.escape(text) in page, text
