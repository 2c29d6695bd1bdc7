"""Reminders of missing sheets: console notices for assessors and unit accounts, once per day, e-mail if SMTP."""
from sqlalchemy import func, select

from contestapp.extensions import db
from tests.merit.merit_helpers import at, client_for, merit  # noqa: F401


def test_missing_sheets_are_reminded_once_a_day(app, merit, monkeypatch):
    from contestapp.jobs import notify
    from contestapp.jobs.models import Notice
    from contestapp.jobs.runner import run_job

    sent = []
    monkeypatch.setenv("CONTESTAPP_SMTP_HOST", "smtp.example.invalid")
    monkeypatch.setattr(notify, "send_mail", lambda to, subject, text: sent.append((to, text)))
    run_job("open_periods", at(2025, 4, 1))
    assert run_job("remind_missing", at(2025, 4, 20)).message == "发送提醒 0 条，邮件 0 封"  # not yet near the deadline
    assert run_job("remind_missing", at(2025, 5, 3)).message == "发送提醒 3 条，邮件 0 封"  # 2 assessors + 1 unit account
    assert run_job("remind_missing", at(2025, 5, 3, 15)).message == "发送提醒 0 条，邮件 0 封"  # same day: nothing more
    assert run_job("remind_missing", at(2025, 5, 4)).message == "发送提醒 3 条，邮件 0 封"
    texts = db.session.scalars(select(Notice.text).where(Notice.user_id == merit["judges"][0].id)).all()
    assert texts and "4 份考评表未提交" in texts[0] and "2025-05-06 00:00" in texts[0]
    unit_text = db.session.scalar(select(Notice.text).where(Notice.user_id == merit["unit_user"].id))
    assert "自评表尚未提交" in unit_text
    assert sent == []  # nobody here has an e-mail address: the console notice stands alone
    page = client_for(app, "assessor1").get("/jobs/notices").get_data(as_text=True)
    assert "考评表未提交" in page
    assert db.session.scalar(select(func.count(Notice.id))) == 6


def test_reminders_are_kept_as_messages_and_shown_in_the_readers_language(app, merit):
    """A reminder's text stays Chinese (the e-mail); the notices page shows it in its reader's language, with the
    period's and the units' names as given."""
    from contestapp.jobs.models import Notice
    from contestapp.jobs.runner import run_job
    from contestapp.merit.models import Period

    run_job("open_periods", at(2025, 4, 1))
    run_job("remind_missing", at(2025, 5, 3))
    period = db.session.scalars(select(Period).order_by(Period.deadline_at)).first()
    notice = db.session.scalar(select(Notice).where(Notice.user_id == merit["judges"][0].id))
    assert notice.text == f"{period.name}：您还有 4 份考评表未提交，截止时间 2025-05-06 00:00" and notice.detail
    en = {"Accept-Language": "en"}
    page = client_for(app, "assessor1").get("/jobs/notices", headers=en).get_data(as_text=True)
    assert f"{period.name}: you still have 4 assessment sheets to submit; deadline 2025-05-06 00:00" in page
    assert "考评表未提交" not in page
    assert "您还有 4 份考评表未提交" in client_for(app, "assessor1").get("/jobs/notices").get_data(as_text=True)
    unit = db.session.scalar(select(Notice).where(Notice.user_id == merit["unit_user"].id))
    names = unit.text.split("：", 1)[1].split(" 的自评表")[0]
    page = client_for(app, "unit_a").get("/jobs/notices", headers=en).get_data(as_text=True)
    assert f"{period.name}: the self-assessment of {names.replace('、', ', ')} has not been submitted yet" in page
    assert "自评表尚未提交" in client_for(app, "unit_a").get("/jobs/notices").get_data(as_text=True)
