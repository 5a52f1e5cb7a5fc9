"""Injectable faults of the OpenAI-compatible sandbox, with SiliconFlow-shaped error bodies."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

KINDS = (
    "status",  # any status; body {"code", "message", "data": null}
    "status_text",  # any status; a bare text body
    "rate_limit",  # 429 naming the limit that was hit (TPM, RPM, RPD, TPD, ...)
    "overloaded",  # 503, code 50505
    "gateway_timeout",  # 504 with a gateway's HTML page
    "slow",  # the real stream, chunks ``delay`` seconds apart
    "truncate",  # the real stream, stopped with finish_reason "length" after ``chunks``
    "drop",  # the real stream, connection closed after ``chunks`` chunks
)
# These answer instead of the request; the others shape the streamed answer.
REPLACING = ("status", "status_text", "rate_limit", "overloaded", "gateway_timeout")
RATE_LIMIT_MESSAGE = (
    "Request was rejected due to rate limiting. If you want more, please contact "
    "contact@siliconflow.cn. Details: {limit} limit reached."
)
OVERLOADED_MESSAGE = "Model service overloaded. Please try again later."
GATEWAY_PAGE = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    "<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n"
)
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class LLMFault:
    """A misbehaviour for the next ``times`` chat requests (only for ``model``, if given).

    ``status``/``code``/``message`` shape the error kinds, ``limit`` names the rate limit,
    ``retry_after`` adds a Retry-After header, ``delay`` is a wait before an error answer or
    between the chunks of a slow stream, ``chunks`` is where truncate and drop cut in.
    """

    kind: str
    times: int = 1
    status: int = 500
    message: str | None = None
    code: int | None = None
    retry_after: float | None = None
    delay: float = 0.0
    model: str | None = None
    limit: str = "TPM"
    chunks: int = 3
    after: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        if self.times < 1:
            raise ValueError("times must be at least 1")

    def matches(self, model: object) -> bool:
        """Tell whether this fault applies to a chat request for ``model``."""
        return self.model is None or self.model == model

    def headers(self) -> dict[str, str]:
        """Return the extra headers the fault sends."""
        if self.retry_after is None:
            return {}
        return {"Retry-After": str(math.ceil(self.retry_after))}

    def answer(self) -> tuple[int, str, bytes]:
        """Return (status, content type, body) for a replacing fault."""
        if self.kind == "gateway_timeout":
            return 504, "text/html", GATEWAY_PAGE.encode()
        if self.kind == "status_text":
            return self.status, "text/plain; charset=utf-8", (self.message or "error").encode()
        if self.kind == "rate_limit":
            text = self.message or RATE_LIMIT_MESSAGE.format(limit=self.limit)
            return 429, JSON_TYPE, error_json(self.code or 42900, text)
        if self.kind == "overloaded":
            text = self.message or OVERLOADED_MESSAGE
            return 503, JSON_TYPE, error_json(self.code or 50505, text)
        text = self.message or f"sandbox fault {self.status}"
        return self.status, JSON_TYPE, error_json(self.code or self.status * 100, text)


def error_json(code: int, message: str) -> bytes:
    """SiliconFlow's error body: ``{"code": int, "message": str, "data": null}``."""
    body = {"code": code, "message": message, "data": None}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


