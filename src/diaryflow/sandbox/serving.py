"""Plumbing shared by the sandbox servers: background lifecycle, request records, handler."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Generic, Protocol, TypeVar

JSON = Any
R = TypeVar("R")
S = TypeVar("S", bound="BackgroundServer[Any]")


class Counted(Protocol):
    """A fault that skips its first ``after`` matches, then fires ``times`` times."""

    times: int
    after: int


F = TypeVar("F", bound=Counted)


class FaultQueue(Generic[F]):
    """Faults waiting to fire, matched in insertion order and consumed as they fire."""

    def __init__(self) -> None:
        self._faults: list[F] = []
        self._lock = threading.Lock()

    def add(self, fault: F) -> None:
        """Queue a fault (a private copy, so the caller's ``times`` is left alone)."""
        with self._lock:
            self._faults.append(dataclasses.replace(fault))  # type: ignore[type-var]

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[F]:
        """Return the faults not yet used up."""
        with self._lock:
            return list(self._faults)

    def take(self, matches: Callable[[F], bool]) -> F | None:
        """Return the first fault ``matches`` accepts and use up one of its ``times``."""
        with self._lock:
            for fault in self._faults:
                if matches(fault):
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
            return None


class TrackingHTTPServer(ThreadingHTTPServer):
    """A threaded server that knows its open connections, so stopping can drop them."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    handler_class: ClassVar[type[BaseHTTPRequestHandler]]

    def __init__(self, sandbox: Any, address: tuple[str, int]) -> None:
        self.sandbox = sandbox
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, self.handler_class)


class BackgroundServer(Generic[R]):
    """Serves a :class:`TrackingHTTPServer` in a daemon thread and records the requests answered."""

    server_class: ClassVar[type[TrackingHTTPServer]]
    thread_name: ClassVar[str]
    url_suffix: ClassVar[str] = ""

    def __init__(self, host: str, port: int) -> None:
        self._requests: list[R] = []
        self._lock = threading.Lock()
        self._address = (host, port)
        self._server: TrackingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self: S) -> S:
        """Bind the port and serve in a daemon thread; returns self."""
        if self._server is None:
            self._server = self.server_class(self, self._address)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},  # stop() waits up to one poll
                name=self.thread_name,
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections (keep-alive ones and slow streams included)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with server.connections_lock:
            for conn in list(server.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The URL clients are configured with: ``http://host:port`` plus the server's suffix."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.url_suffix}"

    @property
    def requests(self) -> list[R]:
        """A snapshot of every request answered so far, in answer order."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    def record(self, request: R) -> None:
        """Append a recorded request (called by the handler)."""
        with self._lock:
            self._requests.append(request)

    def run_until_interrupted(self, *lines: str) -> None:
        """Serve until Ctrl-C, printing ``base_url`` and then ``lines`` once it is up."""
        with self:
            print(f"base_url = {self.base_url}", flush=True)
            for line in lines:
                print(line, flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print("stopped", flush=True)


class TrackingHandler(BaseHTTPRequestHandler):
    """A quiet keep-alive handler that registers its connection and serves GET and POST."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small answers and SSE chunks must not wait on delayed ACKs
    timeout = 60
    server: TrackingHTTPServer

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

    def _serve(self, method: str) -> None:
        raise NotImplementedError

    def read_body(self) -> tuple[JSON, str | None]:
        """Read the request body by its Content-Length and parse it (see :func:`parse_body`)."""
        return parse_body(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def write_head(self, status: int, content_type: str, headers: dict[str, str]) -> None:
        """Send the status line, the Content-Type and the given headers, in that order."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def write_whole(
        self, status: int, content_type: str, body: bytes, headers: dict[str, str]
    ) -> None:
        """Send a whole answer with its Content-Length first among the headers."""
        self.write_head(status, content_type, {"Content-Length": str(len(body)), **headers})
        self.wfile.write(body)


def parse_body(raw: bytes) -> tuple[JSON, str | None]:
    """Parse a request body: (JSON or None, an error message if it was not JSON)."""
    if not raw.strip():
        return None, None
    try:
        return json.loads(raw.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"the request body is not valid JSON: {exc}"


def json_bytes(payload: JSON) -> bytes:
    """Encode a JSON answer body as UTF-8, keeping non-ASCII text as is."""
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")
