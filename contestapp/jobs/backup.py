"""Nightly database backup: SQLite's online backup API (consistent while the app writes), with rotation.

PostgreSQL is backed up with pg_dump outside the application (docs/operations.md); the job says so and skips.
"""
from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from flask import current_app

from contestapp.extensions import db
from contestapp.i18n import N_, Message

KEEP = int(os.environ.get("CONTESTAPP_BACKUP_KEEP", "14"))


def backup_database(now: datetime, keep: int | None = None) -> str:
    """What it did, in Chinese (a Message: shown in the reader's language when the backup was queued by hand)."""
    keep = keep or KEEP
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        return N_("PostgreSQL：请按 docs/operations.md 使用 pg_dump 备份，本任务跳过")
    if not url.database or url.database == ":memory:":
        return N_("内存数据库，无需备份")
    directory = Path(current_app.config["BACKUP_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = directory / f"contestapp-{stamp}.db"
    if target.exists():
        return Message(N_("备份已存在：%(name)s"), name=target.name)
    tmp = target.with_suffix(".part")
    source = sqlite3.connect(url.database)
    try:
        dest = sqlite3.connect(tmp)
        try:
            source.backup(dest, pages=1024)
        finally:
            dest.close()
    finally:
        source.close()
    os.replace(tmp, target)
    backups = sorted(directory.glob("contestapp-*.db"))
    removed = backups[:-keep] if len(backups) > keep else []
    for old in removed:
        old.unlink(missing_ok=True)
    return Message(N_("已备份到 %(name)s（%(kb)s KB），删除旧备份 %(n)s 个"), name=target.name,
                   kb=target.stat().st_size // 1024, n=len(removed))
