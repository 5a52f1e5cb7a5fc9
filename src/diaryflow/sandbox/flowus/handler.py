"""HTTP side of the FlowUs sandbox: its request handler, server, answers and request records."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from diaryflow.sandbox.flowus.api import is_read
from diaryflow.sandbox.serving import TrackingHandler, TrackingHTTPServer, json_bytes

if TYPE_CHECKING:
    from diaryflow.sandbox.flowus.server import FlowUsSandbox

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
    tenant: str | None = None  # the name of the tenant whose token it carried (None: no tenant)


@dataclass
class Answer:
    """A decided answer: status, body bytes, content type and extra headers."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: dict[str, str] | None = None
    closes: bool = False  # close the connection without answering (status 0 in the records)
    tenant: str | None = None  # the tenant the request's token belongs to


class Handler(TrackingHandler):
    """Parses one request, asks the FlowUs sandbox for the answer, records and sends it."""

    server_version = "FlowUsSandbox/1"
    server: SandboxHTTPServer

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
        body, body_error = self.read_body()
        answer = self.server.sandbox.answer(
            method, url.path, query, body, body_error, self.headers.get("Authorization"), request_id
        )
        kind = "read" if is_read(method, url.path) else "write"
        self.server.sandbox.record(
            RecordedRequest(
                method, url.path, query, body, answer.status, started, kind, answer.tenant
            )
        )
        if answer.closes:
            self.close_connection = True
            return
        headers = {"X-Request-Id": request_id, **(answer.headers or {})}
        try:
            self.write_whole(answer.status, answer.content_type, answer.body, headers)
        except OSError:
            self.close_connection = True  # the client gave up (e.g. a timeout fault)


class SandboxHTTPServer(TrackingHTTPServer):
    """The FlowUs sandbox's threaded server."""

    handler_class = Handler
    sandbox: FlowUsSandbox


def json_answer(status: int, body: JSON, headers: dict[str, str] | None = None) -> Answer:
    """Build a JSON answer."""
    return Answer(status, json_bytes(body), headers=headers)
