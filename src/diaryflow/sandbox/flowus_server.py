"""The FlowUs-compatible HTTP server: a real socket on 127.0.0.1, run in a background thread."""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from diaryflow.sandbox import api_blocks, api_pages  # noqa: F401  (registers the routes)
from diaryflow.sandbox.api import Context, Result, dispatch, find_route, is_read
from diaryflow.sandbox.apierror import ApiError, error_body
from diaryflow.sandbox.faults import REPLACING, Fault, FaultQueue, truncate
from diaryflow.sandbox.ratelimit import SlidingWindow
from diaryflow.sandbox.workspace import Workspace

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
class _Answer:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: dict[str, str] | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, sandbox: FlowUsSandbox, address: tuple[str, int]) -> None:
        self.sandbox = sandbox
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FlowUsSandbox/1"
    disable_nagle_algorithm = True  # small keep-alive answers must not wait on delayed ACKs
    timeout = 60
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Stay quiet: requests are recorded on the sandbox instead."""

    def do_GET(self) -> None:  # noqa: N802
        """Serve a GET."""
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        """Serve a POST."""
        self._serve("POST")

    def do_PATCH(self) -> None:  # noqa: N802
        """Serve a PATCH."""
        self._serve("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        """Serve a DELETE."""
        self._serve("DELETE")

    def do_PUT(self) -> None:  # noqa: N802
        """Serve a PUT (no endpoint takes one)."""
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body, body_error = _parse_body(raw)
        answer = self.server.sandbox.answer(
            method, url.path, query, body, body_error, self.headers.get("Authorization"), request_id
        )
        kind = "read" if is_read(method, url.path) else "write"
        self.server.sandbox.record(
            RecordedRequest(method, url.path, query, body, answer.status, started, kind)
        )
        self._send(answer, request_id)

    def _send(self, answer: _Answer, request_id: str) -> None:
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


def _parse_body(raw: bytes) -> tuple[JSON, str | None]:
    if not raw.strip():
        return None, None
    try:
        return json.loads(raw.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"the request body is not valid JSON: {exc}"


def _json(status: int, body: JSON, headers: dict[str, str] | None = None) -> _Answer:
    return _Answer(status, json.dumps(body, ensure_ascii=False).encode("utf-8"), headers=headers)


class FlowUsSandbox:
    """A FlowUs API look-alike serving a :class:`Workspace` on a real local port."""

    def __init__(
        self,
        workspace: Workspace,
        token: str = "sandbox-token",
        latency: float = 0.0,
        read_limit: int | None = None,
        write_limit: int | None = None,
        rate_window: float = 60.0,
        validate: bool = True,
        honour_created_hint: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.workspace = workspace
        self.token = token
        self.latency = latency
        self.rate_window = rate_window
        self.context = Context(workspace, validate, honour_created_hint)
        self.rate_limited = 0
        self._limits = {"read": SlidingWindow(read_limit, rate_window)}
        self._limits["write"] = SlidingWindow(write_limit, rate_window)
        self._faults = FaultQueue()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ----- lifecycle
    def start(self) -> FlowUsSandbox:
        """Bind the port and serve in a daemon thread; returns self."""
        if self._server is None:
            self._server = _Server(self, self._address)
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="flowus-sandbox", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with server.connections_lock:
            for conn in list(server.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FlowUsSandbox:
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
        """The root URL clients put before ``/v1/...``."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ----- knobs and records
    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request answered so far, in answer order."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    def record(self, request: RecordedRequest) -> None:
        """Append a recorded request (called by the handler)."""
        with self._lock:
            self._requests.append(request)

    def inject(self, fault: Fault) -> None:
        """Queue a fault for matching requests."""
        self._faults.add(fault)

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        self._faults.clear()

    def set_latency(self, seconds: float) -> None:
        """Make every answer wait ``seconds`` first."""
        self.latency = seconds

    def set_limits(
        self,
        read_limit: int | None = None,
        write_limit: int | None = None,
        rate_window: float | None = None,
    ) -> None:
        """Replace both rate limits (None = unlimited) and start fresh windows."""
        if rate_window is not None:
            self.rate_window = rate_window
        self._limits = {
            "read": SlidingWindow(read_limit, self.rate_window),
            "write": SlidingWindow(write_limit, self.rate_window),
        }

    # ----- answering
    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: JSON,
        body_error: str | None,
        authorization: str | None,
        request_id: str,
    ) -> _Answer:
        """Decide the answer to one request: latency, faults, auth, limits, endpoint."""
        if self.latency > 0:
            time.sleep(self.latency)
        found = find_route(method, path)
        fault = self._faults.take(method, path, bool(found and found[0].is_list))
        if fault is not None and fault.kind in REPLACING:
            status, content_type, payload = fault.answer(request_id)
            return _Answer(status, payload, content_type, fault.headers())
        try:
            result = self._checked(method, path, query, body, body_error, authorization)
        except ApiError as err:
            payload = error_body(err.status, err.code, err.message, request_id)
            return _json(err.status, payload, err.headers)
        except Exception as exc:  # an endpoint bug must still answer, as a 500
            payload = error_body(500, "internal_error", f"sandbox bug: {exc!r}", request_id)
            return _json(500, payload)
        return self._wrap(result, fault)

    def _checked(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: JSON,
        body_error: str | None,
        authorization: str | None,
    ) -> Result:
        if authorization is None or not _token_ok(authorization, self.token):
            raise ApiError(401, "API token is invalid.", "unauthorized")
        wait = self._limits["read" if is_read(method, path) else "write"].acquire()
        if wait is not None:
            with self._lock:
                self.rate_limited += 1
            raise ApiError(429, "rate limited", "rate_limit", {"Retry-After": str(wait)})
        if body_error is not None:
            raise ApiError(400, body_error, "validation_error")
        return dispatch(self.context, method, path, query, body)

    def _wrap(self, result: Result, fault: Fault | None) -> _Answer:
        if fault is not None and fault.kind == "empty_first_page" and result.status == 200:
            empty = {"object": "list", "results": [], "has_more": True}
            if result.first_cursor is not None:
                return _json(200, {**empty, "next_cursor": result.first_cursor}, fault.headers())
        answer = _json(result.status, result.body)
        if fault is not None and fault.kind == "malformed":
            return _Answer(200, truncate(answer.body), JSON_TYPE, fault.headers())
        if fault is not None and fault.kind == "timeout":
            # The work is done first, like a real server whose answer arrives too late.
            time.sleep(fault.delay)
            answer.headers = fault.headers()
        return answer


def _token_ok(header: str, token: str) -> bool:
    scheme, _, value = header.partition(" ")
    return scheme.lower() == "bearer" and value == token


def main(argv: list[str] | None = None) -> None:
    """Serve the bundled sample workspace until interrupted."""
    from diaryflow.sandbox.sample import DIARY_DATABASE_ID, ROOT_PAGE_ID, sample_workspace

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--read-limit", type=int, default=None)
    parser.add_argument("--write-limit", type=int, default=None)
    parser.add_argument("--token", default="sandbox-token")
    args = parser.parse_args(argv)
    sandbox = FlowUsSandbox(
        sample_workspace(),
        token=args.token,
        latency=args.latency,
        read_limit=args.read_limit,
        write_limit=args.write_limit,
        port=args.port,
    )
    with sandbox:
        print(f"base_url = {sandbox.base_url}", flush=True)
        print(f"token    = {sandbox.token}", flush=True)
        print(f"diary database = {DIARY_DATABASE_ID}   root page = {ROOT_PAGE_ID}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped", flush=True)


if __name__ == "__main__":
    main()
