"""Security headers on every response (Flask-Talisman): the Content-Security-Policy the pages are written to satisfy,
framing refused, a same-origin referrer, no MIME sniffing, and HSTS when served over TLS.

The pages run no inline script (behaviour lives in static/js, data reaches it through data-* attributes and
<script type="application/json"> blocks), so `script-src 'self'` holds; styles may be inline (style attributes),
which cannot run code. Images may be data: and blob: URLs (QR codes, the certificate layout preview)."""
from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

talisman = Talisman()


def init_headers(app: Flask) -> None:
    talisman.init_app(
        app,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="same-origin",
        # HTTPS is terminated by the proxy in front (docs/operations.md); Talisman sends HSTS on requests that arrived
        # over TLS (ProxyFix tells it so) and never redirects by itself unless configured to.
        force_https=app.config.get("FORCE_HTTPS", False),
        strict_transport_security=True,
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_http_only=True,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "()", "browsing-topics": "()"},
    )


# For views that send a file someone uploaded (materials, evidence, photos): nothing in it may run or load anything.
untrusted_file = talisman(content_security_policy="default-src 'none'; sandbox")
