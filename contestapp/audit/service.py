"""Writing the audit log. Services call `record`; the caller's commit makes it durable with the change itself."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request

from contestapp.audit.models import AuditEntry
from contestapp.extensions import db


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def record(actor, action: str, obj: Any = None, *, contest_id: int | None = None, summary: str = "",
           data: dict[str, Any] | None = None, object_type: str | None = None,
           object_id: Any = None) -> AuditEntry:
    """Append one entry. `actor` is a User or None (system jobs); address and device come from the request."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "display_name", None) or ("系统" if actor is None else None),
        action=action,
        object_type=object_type or (type(obj).__name__ if obj is not None else ""),
        object_id=str(object_id if object_id is not None else getattr(obj, "id", "") or ""),
        contest_id=contest_id if contest_id is not None else getattr(obj, "contest_id", None),
        summary=summary[:500],
        data=_json_safe(data) if data else None,
    )
    if has_request_context():
        entry.address = (request.remote_addr or "")[:64]  # the proxy's X-Forwarded-For only via ProxyFix
        entry.device = (request.headers.get("X-Device-Id") or request.user_agent.string or "")[:200]
    db.session.add(entry)
    return entry
