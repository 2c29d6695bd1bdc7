"""The shared date-time field: typed as wall-clock time in the contest's zone (北京时间 by default), stored as an aware
UTC datetime, shown back as the same wall-clock time; unreadable text is refused in Chinese."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from contestapp.common.forms import DateTimeTextError, ZonedDateTimeField, local_datetime, zone_label


class _Form(FlaskForm):
    class Meta:
        csrf = False

    at = ZonedDateTimeField("时间")


def test_the_field_round_trips_through_utc(app):
    with app.test_request_context():
        form = _Form(formdata=MultiDict({"at": "2025-05-20T15:30"}))
        assert form.validate()
        assert form.at.data == datetime(2025, 5, 20, 7, 30, tzinfo=timezone.utc)  # 北京时间 is UTC+8
        shown = _Form(formdata=None, data={"at": form.at.data})
        assert shown.at._value() == "2025-05-20T15:30"
        assert 'type="datetime-local"' in str(shown.at()) and 'value="2025-05-20T15:30"' in str(shown.at())
        assert shown.at.zone_label == "北京时间"


def test_the_contest_zone_and_the_configured_zone(app):
    with app.test_request_context():
        urumqi = SimpleNamespace(time_zone="Asia/Urumqi")  # a contest with its own zone (UTC+6)
        assert local_datetime("2025-05-20T15:30", urumqi) == datetime(2025, 5, 20, 9, 30, tzinfo=timezone.utc)
        assert zone_label(urumqi) == "乌鲁木齐时间"
        app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
        try:
            assert local_datetime("2025-05-20 15:30") == datetime(2025, 5, 20, 15, 30, tzinfo=timezone.utc)
        finally:
            app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Shanghai"


def test_unreadable_or_empty_text(app):
    with app.test_request_context():
        assert local_datetime("  ") is None
        with pytest.raises(DateTimeTextError, match="时间格式不正确"):
            local_datetime("5月20日下午")
        form = _Form(formdata=MultiDict({"at": "2025-13-40T25:00"}))
        assert not form.validate()
        assert "时间格式不正确" in form.at.errors[0]
        assert form.at._value() == "2025-13-40T25:00"  # kept as typed


def test_an_unreadable_end_time_is_refused_in_chinese_and_nothing_recorded(app, make, client, login_as):
    from contestapp.extensions import db
    from contestapp.results import services
    from tests.results.final_helpers import ready_event

    world = ready_event(make)
    world["contest"].organisation_id = world["org1"].organisation_id
    db.session.commit()
    login_as("org1")
    base = f"/contests/{world['contest'].id}/results/events/{world['event'].id}"
    page = client.post(base + "/end", data={"ended_at": "明天中午"}, follow_redirects=True)
    assert page.status_code == 200 and "时间格式不正确" in page.get_data(as_text=True)
    db.session.expire_all()
    assert services.state_of(world["event"]).ended_at is None
    client.post(base + "/end", data={"ended_at": "2025-05-20T12:00"})
    db.session.expire_all()
    assert services.state_of(world["event"]).ended_at == datetime(2025, 5, 20, 4, 0, tzinfo=timezone.utc)
