"""The mark-correction picker (更正评分 by choosing entry, criterion and judge): the rows go through the text format's
own validation (services.mark_change, parse_mark, the criterion's check), a refused list changes nothing and comes
back as chosen with a Chinese message on its row, and the audit log keeps the old value."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import select

from contestapp.extensions import db
from tests.results.final_helpers import make_final, ready_event


@pytest.fixture
def reopened(app, make):
    from contestapp.results import services

    world = ready_event(make)
    make_final(world)
    world["contest"].organisation_id = world["org1"].organisation_id
    services.reopen(world["event"], "E01 登分错误，需更正", world["org1"])
    db.session.commit()
    return world


def _entry(event, number):
    from contestapp.entrants.models import Entry

    return db.session.scalar(select(Entry).where(Entry.event_id == event.id, Entry.number == number))


def _value(event, number, target, judge):
    from contestapp.results import services

    db.session.expire_all()
    round_code, _dot, criterion = target.partition(".")
    return services.find_mark(event, _entry(event, number), round_code, criterion, judge).value


def _post(client, world, rows, reason="理论试卷登分错误"):
    base = f"/contests/{world['contest'].id}/results/events/{world['event'].id}"
    data = {"reason": reason, "entry": [], "target": [], "judge": [], "value": []}
    for number, target, judge, value in rows:
        entry = _entry(world["event"], number) if number else None
        data["entry"].append(str(entry.id) if entry else "")
        data["target"].append(target)
        data["judge"].append(judge)
        data["value"].append(value)
    return client.post(base + "/mark-corrections", data=data)


def test_the_page_offers_lists_not_a_text_format(reopened, client, login_as):
    login_as("org1")
    page = client.get(f"/contests/{reopened['contest'].id}/results/events/{reopened['event'].id}").get_data(True)
    assert 'data-correction-picker' in page and 'name="changes"' not in page
    assert '<select name="target"' in page and 'value="practical.m2"' in page and "模块二：PLC编程与调试" in page
    assert '<select name="judge"' in page and 'value="j3"' in page
    assert "js/correction-picker.js" in page and "<script>" not in page  # CSP: no inline script


def test_the_entry_marks_json_gives_the_old_values(reopened, client, login_as):
    event = reopened["event"]
    login_as("org1")
    body = client.get(f"/contests/{reopened['contest'].id}/results/events/{event.id}/entries/"
                      f"{_entry(event, 'E01').id}/marks.json").get_json()
    assert {"criterion": "practical.m2", "judge": "j2", "value": "27"} in body["marks"]
    assert {"criterion": "theory.paper", "judge": "j1", "value": "80"} in body["marks"]


def test_several_rows_are_corrected_at_once_and_the_audit_keeps_the_old_values(reopened, client, login_as):
    from contestapp.audit.models import AuditEntry

    login_as("org1")
    response = _post(client, reopened, [("E01", "theory.paper", "j1", "85"), ("E02", "practical.m2", "j2", "２８")])
    assert response.status_code == 302
    assert _value(reopened["event"], "E01", "theory.paper", "j1") == D(85)
    assert _value(reopened["event"], "E02", "practical.m2", "j2") == D(28)  # full-width digits read by parse_mark
    logs = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mark.change")
                                   .order_by(AuditEntry.id)))
    assert [(log.data["old"], log.data["new"]) for log in logs] == [("80", "85"), ("26", "28")]
    assert logs[0].data["reason"] == "更正：理论试卷登分错误"
    page = client.get(response.headers["Location"]).get_data(True)
    assert "评分已更正（原分数已记入审计日志）" in page
    assert 'id="correction-notes"' in page and "E01 理论试卷（机考） j1：80 → 85（更正：理论试卷登分错误）" in page


@pytest.mark.parametrize("rows, message, row_index", [
    ([("E01", "theory.paper", "j2", "85")], "找不到评分：E01 的 theory.paper 没有裁判 j2 提交的分数", 0),
    ([("E01", "practical.m1", "j2", "29"), ("E02", "practical.m1", "j2", "35")], "分数须在 0 到 30 之间", 1),
    ([("E01", "practical.m1", "j2", "二十")], "新分数须为数字", 0),
    ([("", "practical.m1", "j2", "20")], "请选择参赛者", 0),
])
def test_a_refused_row_changes_nothing_and_is_kept_with_a_chinese_message(reopened, client, login_as, rows, message,
                                                                          row_index):
    from contestapp.audit.models import AuditEntry

    login_as("org1")
    before = _value(reopened["event"], "E01", "practical.m1", "j2")
    response = _post(client, reopened, rows)
    page = response.get_data(True)
    assert response.status_code == 400
    assert message in page and "不能保存" in page
    assert _value(reopened["event"], "E01", "practical.m1", "j2") == before
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mark.change")) is None
    # kept as chosen: every row, its values, and the reason
    assert page.count("data-correction-row>") == len(rows) + 1  # + the row template
    assert f'value="{rows[row_index][3]}"' in page and "理论试卷登分错误</textarea>" in page
    assert page.count('class="row-invalid"') == 1


def test_no_rows_or_no_reason_is_refused(reopened, client, login_as):
    login_as("org1")
    page = _post(client, reopened, []).get_data(True)
    assert "请至少添加一行要更正的评分" in page
    page = _post(client, reopened, [("E01", "theory.paper", "j1", "85")], reason="错").get_data(True)
    assert "请填写更正原因（至少 4 个字）" in page
    assert _value(reopened["event"], "E01", "theory.paper", "j1") == D(80)


def test_the_text_format_and_the_picker_share_one_rule(reopened):
    from contestapp.results import services

    event = reopened["event"]
    typed = services.parse_mark_changes(event, "E01 practical.m2 j2 28")
    chosen = services.mark_change(event, _entry(event, "E01"), "practical.m2", "j2", "28")
    assert typed == [chosen]
    with pytest.raises(services.ResultsError, match="新分数须为数字"):
        services.parse_mark_changes(event, "E01 practical.m2 j2 1e3")


# --- the arbitration ruling uses the same picker, limited to the appeal's entry ----------------------------------

@pytest.fixture
def appealed(app, make):
    from datetime import timedelta

    from contestapp.results import services
    from tests.results.final_helpers import T0, publish

    world = ready_event(make)
    publish(world)
    world["contest"].organisation_id = world["org1"].organisation_id
    world["appeal"] = services.lodge_appeal(world["event"], _entry(world["event"], "E02"), "E02 选手", "模块一漏计",
                                            world["arb"], T0 + timedelta(minutes=90))
    db.session.commit()
    return world


def _rule(client, world, rows, outcome="upheld", decision="调阅记录属实，模块一改分"):
    data = {"outcome": outcome, "decision": decision, "entry": [], "target": [], "judge": [], "value": []}
    for number, target, judge, value in rows:
        data["entry"].append(str(_entry(world["event"], number).id))
        data["target"].append(target)
        data["judge"].append(judge)
        data["value"].append(value)
    return client.post(f"/contests/{world['contest'].id}/results/appeals/{world['appeal'].id}/decide", data=data)


def test_a_ruling_changes_marks_chosen_in_the_picker(appealed, client, login_as):
    login_as("arb")
    page = client.get(f"/contests/{appealed['contest'].id}/results/events/{appealed['event'].id}").get_data(True)
    assert f'id="ruling-{appealed["appeal"].id}"' in page and 'name="changes"' not in page
    response = _rule(client, appealed, [("E02", "practical.m1", "j2", "28")])
    assert response.status_code == 302
    assert _value(appealed["event"], "E02", "practical.m1", "j2") == D(28)
    db.session.expire_all()
    assert appealed["appeal"].status == "upheld" and appealed["appeal"].changes[0]["old"] == "27"


@pytest.mark.parametrize("rows, message", [
    ([("E01", "practical.m1", "j2", "28")], "只能修改本申诉所涉参赛者 E02 的评分"),
    ([("E02", "practical.m1", "j2", "31")], "分数须在 0 到 30 之间"),
])
def test_a_refused_ruling_is_kept_with_its_rows_and_decision(appealed, client, login_as, rows, message):
    login_as("arb")
    response = _rule(client, appealed, rows)
    page = response.get_data(True)
    assert response.status_code == 400 and message in page
    assert "调阅记录属实，模块一改分</textarea>" in page and '<option value="upheld" selected>' in page
    assert f'value="{rows[0][3]}"' in page
    db.session.expire_all()
    assert appealed["appeal"].status == "pending"
    assert _value(appealed["event"], "E02", "practical.m1", "j2") == D(27)


def test_a_rejected_appeal_with_no_rows_needs_no_marks(appealed, client, login_as):
    login_as("arb")
    assert _rule(client, appealed, [], outcome="rejected", decision="记录无误，驳回").status_code == 302
    db.session.expire_all()
    assert appealed["appeal"].status == "rejected"
