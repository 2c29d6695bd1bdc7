"""Signed values verified once per process: the session cookie and the CSRF token that a tablet sends with every save.

Verifying them (base64, HMAC, JSON, timestamp; a new serializer and derived key each time) was a quarter of a mark
save's time (benchmarks/bench_marks.py), and the same bytes under the same secret always verify the same way. So each
process remembers the answers it has given, keyed by the exact bytes and the secret, bounded in size, and only until
the signed value would expire. Nothing else changes: an unknown, altered or expired value takes the library's own
path, with its errors; a session is handed out as a copy, so a request's changes never leak into the next one.
"""
from __future__ import annotations

import copy
import time
from typing import Any

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf import CSRFProtect as _CSRFProtect
from flask_wtf.csrf import same_origin
from itsdangerous import BadSignature

_LIMIT = 10_000  # remembered values per process (a tablet has one cookie and one token)
_PLAIN = (str, int, float, bool, type(None))


class _Remembered(dict):
    def remember(self, key, value) -> None:
        if len(self) >= _LIMIT:
            self.clear()
        self[key] = value


_sessions = _Remembered()  # (secret, cookie) and (secret, cookie name, Cookie header) -> (data, expires at)
_tokens = _Remembered()    # (secret, session's CSRF value, signed token) -> True


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a cookie already verified in this process is not verified again."""

    def open_session(self, app, request):
        # A tablet sends the same Cookie header with every save: remembered by the whole header first (parsing the
        # header into request.cookies costs more than the rest of this), then by the session cookie's value.
        name, header = self.get_cookie_name(app), request.environ.get("HTTP_COOKIE")
        if header and app.secret_key:
            hit = _sessions.get((app.secret_key, name, header))
            if hit is not None and hit[1] > time.time():
                return self.session_class(_copy(hit[0]))
        value = request.cookies.get(name)
        if value and app.secret_key:  # (a serializer is made only for a cookie not seen before)
            hit = _sessions.get((app.secret_key, value))
            if hit is not None and hit[1] > time.time():
                _sessions.remember((app.secret_key, name, header), hit)
                return self.session_class(_copy(hit[0]))
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        known = (data, signed_at.timestamp() + max_age)
        _sessions.remember((app.secret_key, value), known)
        _sessions.remember((app.secret_key, name, header), known)
        return self.session_class(_copy(data))

    def save_session(self, app, session, response):
        if session and not self.should_set_cookie(app, session):  # Flask's own outcome, without reading the
            if session.accessed:                                   # cookie settings first
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    if all(isinstance(v, _PLAIN) for v in data.values()):
        return dict(data)
    return copy.deepcopy(data)  # flashed messages are lists: a request may change them


class CSRFProtect(_CSRFProtect):
    """Flask-WTF's CSRF protection with the same checks and errors. A JSON request's token is looked for in the
    headers only (it has no form to parse), and, when tokens do not expire (WTF_CSRF_TIME_LIMIT = None, as here), a
    token already verified against the same session value is not verified again; the HTTPS referrer check runs on
    every request as Flask-WTF runs it. (Request attributes are read once each: on a mark save this check cost as
    much as one of its SQL statements.)"""

    def _get_csrf_token(self):
        if _is_json(request.environ):
            headers = request.headers
            for header in current_app.config["WTF_CSRF_HEADERS"]:
                token = headers.get(header)
                if token:
                    return token
            return None
        return super()._get_csrf_token()

    def protect(self, apply_exemptions: bool = False):
        config = current_app.config
        req = request._get_current_object()
        if (config["WTF_CSRF_TIME_LIMIT"] is not None or req.method not in config["WTF_CSRF_METHODS"]
                or (apply_exemptions and (not req.endpoint or ((self._exempt_views or self._exempt_blueprints)
                                                               and self._is_exempt())))):
            return super().protect(apply_exemptions)
        token = self._get_csrf_token()
        key = (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key,
               session.get(config["WTF_CSRF_FIELD_NAME"]), token)
        if not token or key[1] is None or key not in _tokens:
            super().protect(apply_exemptions)  # raises CSRFError unless the token is good
            _tokens.remember(key, True)
            return None
        if req.is_secure and config["WTF_CSRF_SSL_STRICT"]:  # as Flask-WTF's protect
            if not req.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(req.referrer, f"https://{req.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True
        return None


def _is_json(environ) -> bool:
    """`request.is_json` from the raw header (the property parses the Content-Type header on every access)."""
    mimetype = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


_identifiers = _Remembered()  # (X-Forwarded-For or address, User-Agent) -> Flask-Login's session identifier


def session_identifier() -> str:
    """Flask-Login's session identifier (a SHA-512 of the client's address and User-Agent, for session protection),
    remembered per (address, User-Agent): the same inputs always give the same digest."""
    from flask_login.utils import _create_identifier

    headers = request.headers
    key = (headers.get("X-Forwarded-For", request.remote_addr), headers.get("User-Agent"))
    ident = _identifiers.get(key)
    if ident is None:
        ident = _create_identifier()
        _identifiers.remember(key, ident)
    return ident
