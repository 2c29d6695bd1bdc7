"""A tiny SMTP server for tests (imported, not a conftest): it speaks enough of RFC 5321 for smtplib (EHLO/HELO,
AUTH PLAIN/LOGIN accepted, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) and keeps each message parsed,
so a test really receives what the application sent over a socket. No dependency (aiosmtpd would do the same)."""
from __future__ import annotations

import base64
import socketserver
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
        self.reply("220 sink ESMTP")
        sender, rcpts = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 AUTH PLAIN LOGIN\r\n")
                self.wfile.flush()
            elif verb == "HELO":
                self.reply("250 sink")
            elif verb == "AUTH":
                parts = line.split()
                if parts[1].upper() == "PLAIN":
                    token = parts[2] if len(parts) > 2 else None
                    if token is None:
                        self.reply("334 ")
                        token = self.rfile.readline().strip().decode()
                    sink.logins.append(base64.b64decode(token).split(b"\0")[1:])
                else:  # LOGIN
                    self.reply("334 VXNlcm5hbWU6")
                    user = base64.b64decode(self.rfile.readline().strip())
                    self.reply("334 UGFzc3dvcmQ6")
                    sink.logins.append([user, base64.b64decode(self.rfile.readline().strip())])
                self.reply("235 ok")
            elif verb == "MAIL":
                sender, rcpts = line.split(":", 1)[1].strip().split()[0].strip("<>"), []
                self.reply("250 ok")
            elif verb == "RCPT":
                rcpts.append(line.split(":", 1)[1].strip().split()[0].strip("<>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                message = message_from_bytes(b"".join(lines), policy=policy.default)
                sink.messages.append((sender, list(rcpts), message))
                self.reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class SmtpSink:
    """Start with `with SmtpSink() as sink:`; `sink.port` to connect, `sink.messages` [(from, [to], message)]."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.logins: list[list[bytes]] = []
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.sink = self  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]

    def __enter__(self) -> SmtpSink:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
