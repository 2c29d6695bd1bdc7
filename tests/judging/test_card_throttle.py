"""Login cards are throttled like passwords: per card, and per address with a much higher ceiling, so one judge's
mistyped PINs at a venue (every tablet behind one Wi-Fi address) never stop the other judges' cards."""
from datetime import timedelta

from contestapp.extensions import db

VENUE = {"REMOTE_ADDR": "10.8.0.23"}


def test_wrong_pins_lock_one_card_not_the_others_on_the_same_wifi(app, jw):
    from contestapp.judging.cards import issue_card
    from contestapp.judging.common import local_today

    today = local_today()
    cards = [issue_card(jw["contest"], jw[j], jw["organiser"], today, today + timedelta(days=1))
             for j in ("j1", "j2", "j3")]
    db.session.commit()
    wrong = "000000" if cards[0].pin != "000000" else "111111"
    typist = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        r = typist.post("/judging/card", data={"code": cards[0].code, "pin": wrong}, environ_base=VENUE)
        assert r.status_code == 401 and "登录卡号或 PIN 码错误" in r.get_data(as_text=True)
    locked = typist.post("/judging/card", data={"code": cards[0].code, "pin": cards[0].pin}, environ_base=VENUE)
    assert locked.status_code == 429 and "该账号登录失败次数过多" in locked.get_data(as_text=True)
    assert 60 <= int(locked.headers["Retry-After"]) <= app.config["LOGIN_WINDOW_SECONDS"] + 60
    for card in cards[1:]:
        r = app.test_client().post("/judging/card", data={"code": card.code, "pin": card.pin}, environ_base=VENUE)
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
