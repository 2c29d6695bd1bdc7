"""Reminder e-mail: an optional, validated address on the account (form and CLI), and the reminder job sending one
mail per person and day through a real SMTP conversation with a local sink, recorded in mail_log."""
from sqlalchemy import func, select

from contestapp.extensions import db
from tests.jobs.smtp_sink import SmtpSink
from tests.merit.merit_helpers import at, merit  # noqa: F401


def _smtp_env(monkeypatch, port, **extra):
    monkeypatch.setenv("CONTESTAPP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CONTESTAPP_SMTP_PORT", str(port))
    monkeypatch.setenv("CONTESTAPP_SMTP_FROM", "jingsai@example.org")
    for key, value in extra.items():
        monkeypatch.setenv(f"CONTESTAPP_SMTP_{key}", value)


def test_reminders_are_mailed_once_per_person_and_day(app, merit, monkeypatch):
    from contestapp.jobs.models import MailLog, Notice
    from contestapp.jobs.runner import run_job

    judge1, judge2 = merit["judges"]
    judge1.email, merit["unit_user"].email = "assessor1@example.org", "unit-a@example.org"  # judge2 has none
    db.session.commit()
    run_job("open_periods", at(2025, 4, 1))
    with SmtpSink() as sink:
        _smtp_env(monkeypatch, sink.port, USER="mailer", PASSWORD="s3cret")
        assert run_job("remind_missing", at(2025, 5, 3)).message == "发送提醒 3 条，邮件 2 封"
        assert run_job("remind_missing", at(2025, 5, 3, 15)).message == "发送提醒 0 条，邮件 0 封"  # same day
        assert run_job("remind_missing", at(2025, 5, 4)).message == "发送提醒 3 条，邮件 2 封"  # the next day
    assert len(sink.messages) == 4
    assert sink.logins == [[b"mailer", b"s3cret"]] * 4
    sender, rcpts, message = sink.messages[0]
    assert sender == "jingsai@example.org" and rcpts == ["assessor1@example.org"]
    assert "劳动竞赛提醒" in message["Subject"] and "2025-05-03" in message["Subject"]
    assert "4 份考评表未提交" in message.get_content() and "2025-05-06 00:00" in message.get_content()
    unit_mail = next(m for _, to, m in sink.messages if to == ["unit-a@example.org"])
    assert "自评表尚未提交" in unit_mail.get_content()
    logged = db.session.execute(select(MailLog.user_id, MailLog.day, MailLog.address).order_by(MailLog.id)).all()
    assert sorted(logged) == sorted([(judge1.id, "2025-05-03", "assessor1@example.org"),
                                     (merit["unit_user"].id, "2025-05-03", "unit-a@example.org"),
                                     (judge1.id, "2025-05-04", "assessor1@example.org"),
                                     (merit["unit_user"].id, "2025-05-04", "unit-a@example.org")])
    emailed = dict(db.session.execute(select(Notice.user_id, func.count(Notice.id)).where(Notice.emailed.is_(True))
                                      .group_by(Notice.user_id)).all())
    assert emailed == {judge1.id: 2, merit["unit_user"].id: 2}  # judge2 (no address): console notices only


def test_a_failed_mail_is_not_recorded_and_is_retried_the_same_day(app, merit, monkeypatch):
    from contestapp.jobs.models import MailLog
    from contestapp.jobs.runner import run_job

    merit["judges"][0].email = "assessor1@example.org"
    db.session.commit()
    run_job("open_periods", at(2025, 4, 1))
    with SmtpSink() as sink:
        port = sink.port
    _smtp_env(monkeypatch, port)  # the sink is gone: connection refused
    assert run_job("remind_missing", at(2025, 5, 3)).message == "发送提醒 3 条，邮件 0 封"
    assert db.session.scalar(select(func.count(MailLog.id))) == 0
    with SmtpSink() as sink:
        _smtp_env(monkeypatch, sink.port)
        assert run_job("remind_missing", at(2025, 5, 3, 11)).message == "发送提醒 0 条，邮件 1 封"
        assert run_job("remind_missing", at(2025, 5, 3, 12)).message == "发送提醒 0 条，邮件 0 封"
    assert len(sink.messages) == 1


def test_account_form_and_cli_take_a_valid_email(app, make, login_as, client):
    from contestapp.auth.models import User

    org = make.org()
    make.user("boss", "admin", org)
    login_as("boss")
    form = {"username": "judge9", "display_name": "评委九", "role": "judge", "organisation_id": org.id,
            "password": "password123", "active": "y"}
    page = client.post("/users/new", data={**form, "email": "not-an-address"}).get_data(as_text=True)
    assert "电子邮箱格式不正确" in page and db.session.scalar(select(User).filter_by(username="judge9")) is None
    assert client.post("/users/new", data={**form, "email": " judge9@example.org "}).status_code == 302
    assert db.session.scalar(select(User.email).filter_by(username="judge9")) == "judge9@example.org"
    user_id = db.session.scalar(select(User.id).filter_by(username="judge9"))
    assert client.post(f"/users/{user_id}/edit", data={**form, "password": "", "email": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user_id).email is None  # blank clears it

    runner = app.test_cli_runner()
    bad = runner.invoke(args=["users", "create", "u2", "--role", "unit", "--org", org.name, "--email", "u2@",
                             "--password", "password123"])
    assert bad.exit_code != 0 and "电子邮箱格式不正确" in bad.output
    ok = runner.invoke(args=["users", "create", "u3", "--role", "unit", "--org", org.name, "--email", "u3@example.org",
                             "--password", "password123"])
    assert ok.exit_code == 0, ok.output
    assert db.session.scalar(select(User.email).filter_by(username="u3")) == "u3@example.org"
