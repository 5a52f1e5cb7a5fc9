"""What the daemon tests share: a clock whose waiting moves it, with scripted signals, and a
local webhook receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeTime:
    """Wall clock and sleep in one: waiting moves the clock; scripted signals cut waits short."""

    now_at: datetime
    events: list[tuple[datetime, str]] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)

    def now(self) -> datetime:
        return self.now_at

    def wait(self, seconds: float) -> str | None:
        until = self.now_at + timedelta(seconds=seconds)
        self.events.sort()
        if self.events and self.events[0][0] <= until:
            at, event = self.events.pop(0)
            self.now_at = max(self.now_at, at)
            return event
        self.now_at = until
        return None

    def take_deferred(self) -> str | None:
        return self.deferred.pop(0) if self.deferred else None


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass
class Hook:
    """A local webhook receiver: records each POST and answers with ``reply``."""

    port: int
    secret: str
    reply: Reply = field(default_factory=Reply)
    received: list[tuple[str, str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}?key={self.secret}"


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_POST(self) -> None:
        hook = self.server.hook
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        hook.received.append((self.path, self.headers.get("Content-Type", ""), json.loads(raw)))
        reply = hook.reply
        if reply.delay:
            hook.release.wait(reply.delay)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    hook: Hook


@contextmanager
def webhook_receiver(secret: str) -> Iterator[Hook]:
    """A webhook on 127.0.0.1 whose URLs carry ``secret`` as their key."""
    server = Server(("127.0.0.1", 0), Handler)
    server.hook = Hook(server.server_address[1], secret)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server.hook
    finally:
        server.hook.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
