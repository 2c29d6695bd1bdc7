"""The judging area's fixed error messages reach the reader in their language: the tablet API's JSON errors and the
card-login page. Services raise them in Chinese, marked N_() (the CLI and logs keep Chinese); the API's error
handler and the views translate them when they show them, so Chinese readers get the very same text as before."""
from __future__ import annotations

from datetime import timedelta

from contestapp.extensions import db
from contestapp.judging.cards import issue_card, revoke_card
from contestapp.judging.common import local_today
from tests.judging.conftest import Fresh, signed_in

EN = {"Accept-Language": "en"}


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

    # a criterion that is not on the sheet: 422 (the problem list keeps the service's Chinese)
    bad = {"version": sheet["version"], "marks": [{"criterion_id": 10 ** 9, "value": "1"}]}
    for headers, text in ((EN, "The criterion does not exist or is not assigned to you"),
                          ({}, "评分项不存在或未分配给您")):
        r = c.put(url, json=bad, headers={"Idempotency-Key": "bad-crit", **headers})
        assert r.status_code == 422 and error_of(r)["code"] == "invalid_mark", r.get_json()
        assert error_of(r)["message"] == text
        assert error_of(r)["detail"] == [{"criterion_id": 10 ** 9, "message": "评分项不存在或未分配给您"}]

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
