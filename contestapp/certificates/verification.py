"""Signed verification links (the QR code on every certificate) and the public checks behind /verify."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select

from contestapp.certificates.models import Certificate
from contestapp.certificates.serials import SERIAL_RE
from contestapp.extensions import db

SIG_LENGTH = 16  # hex digits of HMAC-SHA256 kept in the link (64 bits)


def sign_serial(serial: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"certificate:{serial}".encode(), hashlib.sha256).hexdigest()[:SIG_LENGTH]


def signature_ok(serial: str, sig: str | None) -> bool:
    return bool(sig) and hmac.compare_digest(sign_serial(serial), sig.strip().lower())


def base_url(fallback: str | None = None) -> str:
    """Where the QR codes point: CONTESTAPP_PUBLIC_URL when set, else the address the organiser is using."""
    return (current_app.config.get("PUBLIC_BASE_URL") or fallback or "http://localhost").rstrip("/")


def verify_url(serial: str, base: str | None = None) -> str:
    return f"{base_url(base)}/verify/{quote(serial)}?sig={sign_serial(serial)}"


@dataclass
class Verification:
    state: str  # valid / revoked / forged (bad or missing signature) / unknown (signed, but no such certificate)
    certificate: Certificate | None = None


def verify(serial: str, sig: str | None) -> Verification:
    cert = db.session.scalar(select(Certificate).where(Certificate.serial == serial)) if SERIAL_RE.match(serial) \
        else None
    if not signature_ok(serial, sig):
        return Verification("forged", None)  # never say whether a serial exists to an unsigned link
    if cert is None:
        return Verification("unknown", None)
    return Verification(cert.status, cert)


def lookup(serial: str, holder: str) -> Verification:
    """A typed-in check (no QR at hand): serial and holder's name must both match."""
    cert = db.session.scalar(select(Certificate).where(Certificate.serial == serial.strip()))
    if cert is None or cert.holder.strip() != holder.strip():
        return Verification("unknown", None)
    return Verification(cert.status, cert)