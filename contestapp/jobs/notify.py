"""Notices in the console, and e-mail when SMTP is configured (CONTESTAPP_SMTP_HOST etc.)."""
from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage

from sqlalchemy.dialects import postgresql, sqlite

from contestapp.auth.models import User
from contestapp.extensions import db
from contestapp.jobs.models import Notice


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


def notify(user_id: int, contest_id: int | None, key: str, text: str) -> int:
    """Add a console notice once per key; e-mail it when SMTP is configured and the user has an address."""
    if not _insert_ignore({"key": key[:200], "user_id": user_id, "contest_id": contest_id, "text": text[:500]}):
        return 0
    user = db.session.get(User, user_id)
    address = getattr(user, "email", None)
    if address and smtp_settings():
        try:
            send_mail(address, "劳动竞赛提醒", text)
            db.session.query(Notice).filter(Notice.key == key[:200]).update({"emailed": True})
        except OSError:
            pass  # the console notice stands; mail is best effort
    return 1
