"""HTTP side of the OpenAI-compatible sandbox: its handler and server, whole and SSE answers."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from diaryflow.sandbox.openai.faults import JSON_TYPE
from diaryflow.sandbox.serving import TrackingHandler, TrackingHTTPServer

if TYPE_CHECKING:
    from diaryflow.sandbox.openai.server import OpenAISandbox

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
    key_index: int | None = None  # which of the sandbox's api_keys it carried (None: no valid key)

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
    key_index: int | None = None


class Handler(TrackingHandler):
    """Parses one request, asks the OpenAI sandbox for the reply, records it and sends it."""

    server_version = "OpenAISandbox/1"
    server: SandboxServer

    def finish(self) -> None:
        """Forget the connection; a client that already hung up is not an error."""
        with contextlib.suppress(OSError):
            super().finish()

    def handle(self) -> None:
        """Serve the connection; a client hanging up (even mid-request) is not an error."""
        with contextlib.suppress(ConnectionError):
            super().handle()

    def _serve(self, method: str) -> None:
        started = time.monotonic()
        path = urlsplit(self.path).path
        body, body_error = self.read_body()
        sandbox = self.server.sandbox
        reply = sandbox.decide(method, path, body, body_error, self.headers.get("Authorization"))
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        sandbox.record(
            LLMRequest(method, path, body, headers, reply.status, started, reply.key_index)
        )
        try:
            if reply.delay > 0:
                time.sleep(reply.delay)
            if reply.chunks is None:
                self.write_whole(reply.status, reply.content_type, reply.body, reply.headers)
            else:
                self._send_stream(reply, reply.chunks)
        except OSError:
            self.close_connection = True  # the client went away (deadline, drop, stop)

    def _send_stream(self, reply: Reply, chunks: list[JSON]) -> None:
        stream = {"Transfer-Encoding": "chunked", "Cache-Control": "no-cache"}
        self.write_head(reply.status, reply.content_type, {**stream, **reply.headers})
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


class SandboxServer(TrackingHTTPServer):
    """The OpenAI sandbox's threaded server."""

    request_queue_size = 128
    handler_class = Handler
    sandbox: OpenAISandbox
