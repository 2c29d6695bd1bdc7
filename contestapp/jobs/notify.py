"""Notices in the console, and e-mail when SMTP is configured (CONTESTAPP_SMTP_HOST etc.)."""
from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from contestapp.auth.models import User
from contestapp.extensions import db
from contestapp.i18n import Message, stored
from contestapp.jobs.models import MailLog, Notice


def _insert_ignore(values: dict) -> bool:
    """INSERT ... ON CONFLICT (key) DO NOTHING: the database decides whether this notice is new."""
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Notice.__table__
    stmt = insert(table).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
    return db.session.execute(stmt).first() is not None  # a row back = inserted (rowcount is unreliable here)


def smtp_settings() -> dict | None:
    host = os.environ.get("CONTESTAPP_SMTP_HOST")
    if not host:
        return None
    return {"host": host, "port": int(os.environ.get("CONTESTAPP_SMTP_PORT", "25")),
            "user": os.environ.get("CONTESTAPP_SMTP_USER"), "password": os.environ.get("CONTESTAPP_SMTP_PASSWORD"),
            "sender": os.environ.get("CONTESTAPP_SMTP_FROM", "contestapp@localhost"),
            "tls": os.environ.get("CONTESTAPP_SMTP_TLS", "0") in ("1", "true", "yes")}


def send_mail(to: str, subject: str, text: str) -> None:
    cfg = smtp_settings()
    if cfg is None:
        return
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = cfg["sender"], to, subject
    msg.set_content(text)
    with smtplib.SMTP(cfg["host"], cfg["port"], timeout=20) as smtp:
        if cfg["tls"]:
            smtp.starttls()
        if cfg["user"]:
            smtp.login(cfg["user"], cfg["password"] or "")
        smtp.send_message(msg)


def notify(user_id: int, contest_id: int | None, key: str, message: Message) -> int:
    """Add a console notice once per key (1 if it is new, 0 if it was there): in Chinese (the e-mail) and as the
    message, which the notices page shows in its reader's language. E-mail is sent separately, one mail per person
    and day (`mail_daily`)."""
    return 1 if _insert_ignore({"key": key[:200], "user_id": user_id, "contest_id": contest_id,
                                "text": str(message)[:500], "detail": stored(message)}) else 0


def mail_daily(keys: list[str], day: str, subject: str = "劳动竞赛提醒") -> int:
    """E-mail the not yet e-mailed notices among `keys` (today's reminders), at most one mail per person and `day`
    (recorded in `mail_log`; its unique (user, day) pair is the guarantee). Nothing happens without SMTP settings;
    people without an address keep the console notice alone. A mail that fails is not recorded, so a later run the
    same day tries again. The mail goes out before the job's transaction commits: if that commit failed, the mail
    would be sent again on the next run (at least once, never lost). Returns the number of mails sent."""
    if smtp_settings() is None or not keys:
        return 0
    rows = db.session.execute(
        select(Notice.id, Notice.user_id, Notice.text, User.email)
        .join(User, User.id == Notice.user_id)
        .where(Notice.key.in_([k[:200] for k in keys]), Notice.emailed.is_(False), User.email.is_not(None),
               User.email != "", User.active.is_(True))
        .order_by(Notice.user_id, Notice.id)).all()
    if not rows:
        return 0
    already = set(db.session.scalars(select(MailLog.user_id).where(
        MailLog.day == day, MailLog.user_id.in_({r.user_id for r in rows}))))
    by_user: dict[int, list] = {}
    for row in rows:
        if row.user_id not in already:
            by_user.setdefault(row.user_id, []).append(row)
    sent = 0
    for user_id, notices in by_user.items():
        address = notices[0].email
        title = f"{subject}（{day}，{len(notices)} 项）"
        body = "\n".join(f"· {n.text}" for n in notices) + "\n\n请登录劳动竞赛管理系统查看。此邮件由系统自动发送，每天至多一封。"
        try:
            send_mail(address, title, body)
        except OSError as exc:  # smtplib.SMTPException is an OSError: the console notice stands, retried later
            current_app.logger.warning("reminder mail to %s failed: %s", address, exc)
            continue
        db.session.add(MailLog(user_id=user_id, day=day, address=address, subject=title[:200], notices=len(notices)))
        db.session.execute(update(Notice).where(Notice.id.in_([n.id for n in notices])).values(emailed=True))
        db.session.flush()
        sent += 1
    return sent
