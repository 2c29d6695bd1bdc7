"""The merit area's scheduled jobs: open due periods (and give late assessors and participants their sheets), remind
about missing sheets, close periods at their deadline, publish the bulletins. Each is idempotent (see
contestapp.jobs.tasks); the console can do each by hand too. Each returns what it did as a Message (the jobs console
shows it in its reader's language).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from contestapp.common.formatting import contest_zone, local_time
from contestapp.extensions import db
from contestapp.i18n import N_, Message, verbatim
from contestapp.jobs.notify import mail_daily, notify, smtp_settings
from contestapp.jobs.queue import holder_id
from contestapp.jobs.runner import job
from contestapp.merit.models import Period, PeriodStatus
from contestapp.merit.periods import close_period, open_period
from contestapp.merit.standings import missing_sheets, publish_period

REMIND_BEFORE = timedelta(days=3)  # remind owners of missing sheets from this long before the deadline


@job("open_periods", N_("开启考评期（考评表、自评表）"), minutes=10, trigger="interval")
def open_periods(now: datetime) -> Message:
    """Open the due periods; in periods already open, give the sheets still missing to assessors added and
    participants imported since (the console does both at once too: this is the safety net)."""
    done = []
    for period in db.session.scalars(select(Period).where(Period.status.in_([PeriodStatus.SCHEDULED,
                                                                            PeriodStatus.OPEN]),
                                                          Period.opens_at <= now, Period.deadline_at > now)
                                     .order_by(Period.opens_at)):
        was = period.status
        counts = open_period(period, now)
        if was == PeriodStatus.SCHEDULED:
            done.append(Message(N_("%(period)s（考评表 %(sheets)s，自评 %(own)s）"), period=_named(period),
                                sheets=counts["sheets"], own=counts["self"]))
        elif counts["sheets"] or counts["self"]:
            done.append(Message(N_("%(period)s 补发（考评表 %(sheets)s，自评 %(own)s）"), period=_named(period),
                                sheets=counts["sheets"], own=counts["self"]))
    return Message(N_("已开启：%(periods)s"), sep="；", periods=tuple(done)) if done else Message(N_("无到期的考评期"))


def _named(period: Period) -> str:
    """A period in a job's outcome: contest id / period code."""
    return f"{period.contest_id}/{period.code}"


@job("remind_missing", N_("提醒未交考评表/自评表"), trigger="cron", hour=9, minute=0)
def remind_missing(now: datetime) -> Message:
    """A console notice per period and person each day; with SMTP configured, one e-mail per person and day
    carrying that day's notices (recorded in `mail_log`)."""
    sent, keys = 0, []
    zone_day = now.astimezone(contest_zone()).date().isoformat()
    for period in db.session.scalars(select(Period).where(Period.status == PeriodStatus.OPEN,
                                                          Period.deadline_at > now,
                                                          Period.deadline_at <= now + REMIND_BEFORE)):
        missing = missing_sheets(period)
        deadline = local_time(period.deadline_at)  # (digits: the same in every language)
        for user_id, count in missing["assessors"]:
            keys.append(f"remind:{period.id}:judge:{user_id}:{zone_day}")
            sent += notify(user_id, period.contest_id, keys[-1], Message(
                N_("%(period)s：您还有 %(n)s 份考评表未提交，截止时间 %(deadline)s"), period=period.name, n=count,
                deadline=deadline))
        for user_id, names in missing["units"]:
            keys.append(f"remind:{period.id}:unit:{user_id}:{zone_day}")
            sent += notify(user_id, period.contest_id, keys[-1], Message(
                N_("%(period)s：%(names)s 的自评表尚未提交，截止时间 %(deadline)s"), period=period.name,
                names=tuple(map(verbatim, names)), deadline=deadline))  # (names users gave: never looked up)
    if smtp_settings() is None:
        return Message(N_("发送提醒 %(n)s 条"), n=sent)
    return Message(N_("发送提醒 %(n)s 条，邮件 %(mails)s 封"), n=sent, mails=mail_daily(keys, zone_day))


@job("close_periods", N_("考评截止"), minutes=10, trigger="interval")
def close_periods(now: datetime) -> Message:
    closed = []
    for period in db.session.scalars(select(Period).where(Period.status.in_([PeriodStatus.SCHEDULED,
                                                                            PeriodStatus.OPEN]),
                                                          Period.deadline_at <= now).order_by(Period.deadline_at)):
        if period.status == PeriodStatus.SCHEDULED:  # missed entirely while the scheduler was down
            open_period(period, now)
        close_period(period, now)
        closed.append(verbatim(_named(period)))  # (a name users gave: never looked up)
    return Message(N_("已截止：%(periods)s"), periods=tuple(closed)) if closed else Message(N_("无到期的截止"))


@job("bulletins", N_("计算排名并生成通报"), minutes=10, trigger="interval")
def bulletins(now: datetime) -> Message:
    made = []
    for period in db.session.scalars(select(Period).where(Period.status == PeriodStatus.CLOSED)
                                     .order_by(Period.deadline_at)):
        bulletin = publish_period(period, now, by=f"job:{holder_id()}")
        if bulletin is not None:
            db.session.commit()  # one period at a time: a later failure keeps the earlier bulletins
            made.append(verbatim(_named(period)))
    return Message(N_("已通报：%(periods)s"), periods=tuple(made)) if made else Message(N_("无待通报的考评期"))
