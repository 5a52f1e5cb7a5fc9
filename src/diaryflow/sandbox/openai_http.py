"""HTTP plumbing of the OpenAI-compatible sandbox: the threaded server, whole and SSE answers."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import urlsplit

from diaryflow.sandbox.http_handler import parse_body
from diaryflow.sandbox.openai_faults import JSON_TYPE

JSON = Any


@dataclass(frozen=True)
class LLMRequest:
    """One request as the sandbox saw it (headers without Authorization) and its status."""

    method: str
    path: str
    body: JSON
    headers: dict[str, str]
    status: int
    started: float

    @property
    def model(self) -> str | None:
        """The model id the request asked for, if any."""
        return self.body.get("model") if isinstance(self.body, dict) else None


@dataclass
class Reply:
    """A decided answer: a whole body, or (``chunks`` set) an SSE stream of chunk objects."""

    status: int
    content_type: str = JSON_TYPE
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: list[JSON] | None = None
    chunk_delay: float = 0.0
    drop_after: int | None = None


class Sandbox(Protocol):
    """What the handler needs: the reply to a request, and where to record it."""

    def decide(
        self, method: str, path: str, body: JSON, body_error: str | None, authorization: str | None
    ) -> Reply:
        """Decide the reply to one request."""

    def record(self, request: LLMRequest) -> None:
        """Keep a record of an answered request."""


class SandboxServer(ThreadingHTTPServer):
    """A threaded server that knows its open connections, so stopping can drop them."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, sandbox: Sandbox, address: tuple[str, int]) -> None:
        self.sandbox = sandbox
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    """Parses one request, asks the sandbox for the reply, records it and sends it."""

    protocol_version = "HTTP/1.1"
    server_version = "OpenAISandbox/1"
    disable_nagle_algorithm = True  # each SSE chunk must leave at once
    timeout = 60
    server: SandboxServer

    def setup(self) -> None:
        """Register the connection with the server."""
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def handle(self) -> None:
        """Serve the connection; a client hanging up (even mid-request) is not an error."""
        with contextlib.suppress(ConnectionError):
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: requests are recorded on the sandbox instead."""

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve("GET")

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve("POST")

    def _serve(self, method: str) -> None:
        started = time.monotonic()
        path = urlsplit(self.path).path
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body, body_error = parse_body(raw)
        sandbox = self.server.sandbox
        reply = sandbox.decide(method, path, body, body_error, self.headers.get("Authorization"))
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        sandbox.record(LLMRequest(method, path, body, headers, reply.status, started))
        try:
            if reply.delay > 0:
                time.sleep(reply.delay)
            if reply.chunks is None:
                self._send_whole(reply)
            else:
                self._send_stream(reply, reply.chunks)
        except OSError:
            self.close_connection = True  # the client went away (deadline, drop, stop)

    def _head(self, reply: Reply, extra: dict[str, str]) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in {**extra, **reply.headers}.items():
            self.send_header(name, value)
        self.end_headers()

    def _send_whole(self, reply: Reply) -> None:
        self._head(reply, {"Content-Length": str(len(reply.body))})
        self.wfile.write(reply.body)

    def _send_stream(self, reply: Reply, chunks: list[JSON]) -> None:
        self._head(reply, {"Transfer-Encoding": "chunked", "Cache-Control": "no-cache"})
        for index, chunk in enumerate(chunks):
            if reply.drop_after is not None and index >= reply.drop_after:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)  # mid-body: no terminating chunk
                return
            if index and reply.chunk_delay > 0:
                time.sleep(reply.chunk_delay)
            self._event(json.dumps(chunk, ensure_ascii=False))
        self._event("[DONE]", last=True)

    def _event(self, data: str, last: bool = False) -> None:
        payload = f"data: {data}\n\n".encode()
        end = b"0\r\n\r\n" if last else b""  # the terminating chunk
        self.wfile.write(f"{len(payload):X}\r\n".encode() + payload + b"\r\n" + end)
        self.wfile.flush()
