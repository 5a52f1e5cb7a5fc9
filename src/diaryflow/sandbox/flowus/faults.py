"""Injectable faults: error statuses, odd bodies, slow answers, empty first pages."""

from __future__ import annotations

import json
import math
import random
import re
import threading
from dataclasses import dataclass, field

from diaryflow.sandbox.flowus.apierror import code_for, error_body

KINDS = (
    "status",  # error status with the spec's Error body
    "status_alt_body",  # error status with {"error": {"code", "message"}}
    "status_text",  # error status with a non-JSON (HTML gateway) body
    "error_on_200",  # HTTP 200 carrying an object:"error" body
    "malformed",  # HTTP 200 whose body is the real answer cut in half (not JSON)
    "timeout",  # the real answer, sent only after ``delay`` seconds
    "empty_first_page",  # a list answers {results: [], has_more: true} pointing at itself
    "late_status",  # the request is carried out, then an error status is answered instead
    "drop",  # the request is carried out, then the connection closes without an answer
    "reset",  # the connection closes without an answer, before the request is carried out
)
# These answer instead of the request; the others wrap the real answer (writes happen).
REPLACING = ("status", "status_alt_body", "status_text", "error_on_200", "reset")
GATEWAY_PAGE = (
    "<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>{status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass
class Fault:
    """A misbehaviour for the next ``times`` requests matching ``method`` and ``path``.

    ``path`` is a regular expression searched in the request path (no query string);
    ``method`` None matches any. ``status``/``code`` shape the error kinds,
    ``retry_after`` adds a Retry-After header, ``delay`` is the timeout kind's wait.
    ``after`` lets that many matching requests through untouched before the fault fires.
    """

    kind: str
    method: str | None = None
    path: str = r".*"
    times: int = 1
    status: int = 500
    retry_after: float | None = None
    delay: float = 0.0
    code: str | None = None
    after: int = 0
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        if self.times < 1:
            raise ValueError("times must be at least 1")
        self._pattern = re.compile(self.path)

    def matches(self, method: str, path: str, is_list: bool) -> bool:
        """Tell whether this fault applies to a request."""
        if self.kind == "empty_first_page" and not is_list:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self._pattern.search(path) is not None

    @property
    def closes(self) -> bool:
        """Whether the fault closes the connection instead of answering."""
        return self.kind in ("drop", "reset")

    def headers(self) -> dict[str, str]:
        """Return the extra headers the fault sends."""
        if self.retry_after is None:
            return {}
        return {"Retry-After": str(math.ceil(self.retry_after))}

    def answer(self, request_id: str) -> tuple[int, str, bytes]:
        """Return (status, content type, body) for a replacing fault."""
        status = 200 if self.kind == "error_on_200" else self.status
        err_status = self.status if self.kind == "error_on_200" and self.status >= 400 else 500
        if self.kind == "reset":
            return 0, "", b""
        if self.kind == "status_text":
            page = GATEWAY_PAGE.format(status=status).encode()
            return status, "text/html", page
        if self.kind == "status_alt_body":
            code = self.code or code_for(status)
            body: dict[str, object] = {"error": {"code": code, "message": f"sandbox fault {code}"}}
        elif self.kind == "error_on_200":
            code = self.code or code_for(err_status)
            body = error_body(err_status, code, "sandbox fault delivered with 200", request_id)
        else:
            code = self.code or code_for(status)
            body = error_body(status, code, f"sandbox fault: {code}", request_id)
        return status, "application/json; charset=utf-8", json.dumps(body).encode()


def truncate(body: bytes) -> bytes:
    """Cut a JSON body so it no longer parses (kept valid UTF-8)."""
    text = body.decode("utf-8")
    return text[: max(1, len(text) // 2)].encode("utf-8")


# What a flaky network and an overloaded API do, in the proportions a fault mix draws them.
MIX_FAULTS = (
    Fault("status", status=429, retry_after=1.0),
    Fault("status", status=500),
    Fault("status", status=503),
    Fault("late_status", status=500),
    Fault("drop"),
    Fault("reset"),
)


class FaultMix:
    """A share of all requests, drawn at random (seeded), fail with one of :data:`MIX_FAULTS`."""

    def __init__(self, rate: float, seed: int = 0, faults: tuple[Fault, ...] = MIX_FAULTS) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        self.rate = rate
        self.faults = faults
        self.drawn = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self) -> Fault | None:
        """A fault for the next request, or None for most requests."""
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            self.drawn += 1
            return self._random.choice(self.faults)
