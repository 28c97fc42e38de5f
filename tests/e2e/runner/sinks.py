"""Local receivers for the runner's alerts, on 127.0.0.1 only: a tiny SMTP sink (enough of
RFC 5321 for smtplib, with AUTH PLAIN/LOGIN) and an HTTP server that records POSTed JSON."""

from __future__ import annotations

import base64
import json
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: str
    login: str | None


@dataclass
class Inbox:
    mails: list[Mail] = field(default_factory=list)
    posts: list[dict[str, object]] = field(default_factory=list)
    got: threading.Event = field(default_factory=threading.Event)


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: _SmtpServer

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sender, recipients, login = "", [], None
        self.reply("220 clerk-test-sink ESMTP")
        while raw := self.rfile.readline():
            line = raw.decode().rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-clerk-test-sink")
                self.reply("250 AUTH PLAIN LOGIN")
            elif verb == "HELO":
                self.reply("250 clerk-test-sink")
            elif verb == "AUTH":
                parts = line.split()
                if parts[1].upper() == "PLAIN":
                    login = base64.b64decode(parts[2]).split(b"\0")[1].decode()
                else:
                    self.reply("334 VXNlcm5hbWU6")
                    login = base64.b64decode(self.rfile.readline().strip()).decode()
                    self.reply("334 UGFzc3dvcmQ6")
                    self.rfile.readline()
                self.reply("235 ok")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip().strip("<>")
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                body = []
                while (part := self.rfile.readline().decode()) not in (".\r\n", ""):
                    body.append(part[1:] if part.startswith("..") else part)
                self.server.box.mails.append(Mail(sender, recipients, "".join(body), login))
                self.server.box.got.set()
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, box: Inbox) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.box = box


class _HookHandler(BaseHTTPRequestHandler):
    server: _HookServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.box.posts.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                                      "json": json.loads(body)})
        self.server.box.got.set()
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class _HookServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, box: Inbox) -> None:
        super().__init__(("127.0.0.1", 0), _HookHandler)
        self.box = box


@dataclass
class Sinks:
    box: Inbox
    smtp_port: int
    webhook_url: str


@contextmanager
def alert_sinks() -> Iterator[Sinks]:
    box = Inbox()
    smtp, hook = _SmtpServer(box), _HookServer(box)
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in (smtp, hook)]
    for thread in threads:
        thread.start()
    try:
        yield Sinks(box, smtp.server_address[1], f"http://127.0.0.1:{hook.server_address[1]}/clerk-alerts")
    finally:
        for server in (smtp, hook):
            server.shutdown()
            server.server_close()
