"""HTTP plumbing of the sandbox: the threaded server, its handler and request records."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from diaryflow.sandbox.api import is_read

JSON = Any
JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the sandbox saw it, with the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    body: JSON
    status: int
    started: float
    kind: str


@dataclass
class Answer:
    """A decided answer: status, body bytes, content type and extra headers."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: dict[str, str] | None = None


class Responder(Protocol):
    """What the handler asks for each request: the answer, and where to record it."""

    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: JSON,
        body_error: str | None,
        authorization: str | None,
        request_id: str,
    ) -> Answer:
        """Decide the answer to one request."""

    def record(self, request: RecordedRequest) -> None:
        """Keep a record of an answered request."""


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threaded server that knows its open connections, so stopping can drop them."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, sandbox: Responder, address: tuple[str, int]) -> None:
        self.sandbox = sandbox
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    """Parses one request, asks the responder for the answer, records and sends it."""

    protocol_version = "HTTP/1.1"
    server_version = "FlowUsSandbox/1"
    disable_nagle_algorithm = True  # small keep-alive answers must not wait on delayed ACKs
    timeout = 60
    server: SandboxHTTPServer

    def setup(self) -> None:
        """Register the connection with the server."""
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: requests are recorded on the sandbox instead."""

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve("GET")

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve("POST")

    def do_PATCH(self) -> None:
        """Serve a PATCH."""
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        """Serve a DELETE."""
        self._serve("DELETE")

    def do_PUT(self) -> None:
        """Serve a PUT (no endpoint takes one)."""
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body, body_error = parse_body(raw)
        answer = self.server.sandbox.answer(
            method, url.path, query, body, body_error, self.headers.get("Authorization"), request_id
        )
        kind = "read" if is_read(method, url.path) else "write"
        self.server.sandbox.record(
            RecordedRequest(method, url.path, query, body, answer.status, started, kind)
        )
        self._send(answer, request_id)

    def _send(self, answer: Answer, request_id: str) -> None:
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.send_header("X-Request-Id", request_id)
            for name, value in (answer.headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            self.close_connection = True  # the client gave up (e.g. a timeout fault)


def parse_body(raw: bytes) -> tuple[JSON, str | None]:
    """Parse a request body: (JSON or None, an error message if it was not JSON)."""
    if not raw.strip():
        return None, None
    try:
        return json.loads(raw.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"the request body is not valid JSON: {exc}"


def json_answer(status: int, body: JSON, headers: dict[str, str] | None = None) -> Answer:
    """Build a JSON answer."""
    return Answer(status, json.dumps(body, ensure_ascii=False).encode("utf-8"), headers=headers)
