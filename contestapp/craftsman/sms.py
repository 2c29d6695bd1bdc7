"""Pluggable SMS senders for vote codes.

- `LogSender` (development, the default): writes the message to the `contestapp.sms` log.
- `HttpSmsSender` (production): POSTs JSON {"phone", "text"} to the gateway at CONTESTAPP_SMS_URL, with
  `Authorization: Bearer $CONTESTAPP_SMS_TOKEN` when set; any non-2xx answer or network error is a failure.

`get_sender()` picks one from the environment; a test or a deployment may also put its own object with a
`send(phone, text)` method in `app.extensions["craftsman_sms"]`.
"""
from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request

from flask import current_app

from contestapp.i18n import N_, Message

log = logging.getLogger("contestapp.sms")


class SmsError(RuntimeError):
    """The message could not be sent (the message for the user is marked N_ or a Message, translated where shown)."""


class LogSender:
    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        log.info("SMS to %s: %s", phone, text)


class HttpSmsSender:
    def __init__(self, url: str, token: str | None = None, timeout: float = 5.0):
        if not url.startswith(("http://", "https://")):
            raise ValueError("CONTESTAPP_SMS_URL must be an http(s) URL")
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, phone: str, text: str) -> None:
        body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                if not 200 <= response.status < 300:
                    raise SmsError(Message(N_("短信网关返回 %(status)s"), status=response.status))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            log.warning("SMS gateway failed: %s", exc)
            raise SmsError(N_("短信发送失败，请稍后再试")) from None


def get_sender():
    ext = current_app.extensions
    if "craftsman_sms" not in ext:
        url = os.environ.get("CONTESTAPP_SMS_URL")
        ext["craftsman_sms"] = HttpSmsSender(url, os.environ.get("CONTESTAPP_SMS_TOKEN")) if url else LogSender()
    return ext["craftsman_sms"]
