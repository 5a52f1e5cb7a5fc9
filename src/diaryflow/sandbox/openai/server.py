"""An OpenAI-compatible chat server on 127.0.0.1 that answers like SiliconFlow, for tests and demos.

``POST /v1/chat/completions`` (streamed as SSE or not) and ``GET /v1/models``; SiliconFlow's
error bodies, ``reasoning_content`` deltas, cumulative usage on every chunk, and injectable
faults (:class:`LLMFault`): error statuses, rate limits, overload, slow, cut and dropped streams.
For load tests: a fixed ``answer_delay`` before every chat answer, several API keys, and
per-key ``rpm_limit``/``tpm_limit`` over a sliding minute (:mod:`.budget`), refused with
SiliconFlow's 429.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from diaryflow.sandbox.openai.answer import (
    Responder,
    completion_body,
    default_responder,
    invalid_request,
    plan_answer,
    prompt_tokens,
    stream_chunks,
)
from diaryflow.sandbox.openai.budget import KeyBudget, request_tokens
from diaryflow.sandbox.openai.faults import (
    RATE_LIMIT_MESSAGE,
    REPLACING,
    LLMFault,
    error_json,
)
from diaryflow.sandbox.openai.handler import LLMRequest, Reply, SandboxServer
from diaryflow.sandbox.serving import BackgroundServer, FaultQueue, json_bytes

JSON = Any
__all__ = ["LLMFault", "LLMRequest", "OpenAISandbox", "main"]
DEFAULT_MODELS = ("deepseek-ai/DeepSeek-V3", "Qwen/Qwen3-8B", "THUDM/glm-4-9b-chat")
TEXT_TYPE = "text/plain; charset=utf-8"
SSE_TYPE = "text/event-stream; charset=utf-8"
UNKNOWN_MODEL = "Model does not exist. Please check it carefully."
TOO_LONG = "length of prompt_tokens ({tokens}) must be less than max_seq_len ({limit})"


class OpenAISandbox(BackgroundServer[LLMRequest]):
    """A SiliconFlow look-alike chat service on a real local port, run in a background thread."""

    server_class = SandboxServer
    thread_name = "openai-sandbox"
    url_suffix = "/v1"

    def __init__(
        self,
        api_key: str = "sandbox-llm-key",
        models: Sequence[str] = DEFAULT_MODELS,
        max_seq_len: int = 65_536,
        responder: Responder | None = None,
        reasoning: str = "",
        chunk_chars: int = 20,
        chunk_delay: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_keys: Sequence[str] = (),
        answer_delay: float = 0.0,
        rpm_limit: int | None = None,
        tpm_limit: int | None = None,
    ) -> None:
        super().__init__(host, port)
        self.api_key = api_key
        self.api_keys = tuple(dict.fromkeys((api_key, *api_keys)))  # each with its own budget
        self.answer_delay = answer_delay
        self.rate_limited = 0  # 429s answered by the rpm/tpm limits (not by injected faults)
        self.set_limits(rpm_limit, tpm_limit)
        self.models = tuple(models)
        self.max_seq_len = max_seq_len
        self.responder = responder or default_responder
        self.reasoning = reasoning
        self.chunk_chars = chunk_chars
        self.chunk_delay = chunk_delay
        self._faults: FaultQueue[LLMFault] = FaultQueue()

    def set_limits(self, rpm_limit: int | None = None, tpm_limit: int | None = None) -> None:
        """Give every API key fresh RPM and TPM budgets (None: unlimited) over a sliding minute."""
        self.rpm_limit, self.tpm_limit = rpm_limit, tpm_limit
        self._budgets = {key: KeyBudget(rpm_limit, tpm_limit) for key in self.api_keys}
        self._limited = {key: 0 for key in self.api_keys}

    def rate_limited_for(self, api_key: str) -> int:
        """How many 429s the rpm/tpm limits answered to ``api_key``."""
        with self._lock:
            return self._limited[api_key]

    def chat_requests(self) -> list[LLMRequest]:
        """The recorded chat completion requests only."""
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def inject(self, fault: LLMFault) -> None:
        """Queue a fault for the next matching chat requests."""
        self._faults.add(fault)

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        self._faults.clear()

    def pending_faults(self) -> list[LLMFault]:
        """The faults not yet used up."""
        return self._faults.pending()

    def decide(
        self, method: str, path: str, body: JSON, body_error: str | None, authorization: str | None
    ) -> Reply:
        """Decide the answer to one request: auth, route, limits, faults, validation, the answer."""
        key = _bearer_key(authorization)
        if key not in self._budgets:
            return Reply(401, TEXT_TYPE, b"Invalid token")  # SiliconFlow sends a bare string
        reply = self._decide(method, path, body, body_error, key)
        reply.key_index = self.api_keys.index(key)
        return reply

    def _decide(
        self, method: str, path: str, body: JSON, body_error: str | None, key: str
    ) -> Reply:
        if path.rstrip("/") == "/v1/models" and method == "GET":
            data = [{"id": m, "object": "model", "created": 0, "owned_by": ""} for m in self.models]
            return _json(200, {"object": "list", "data": data})
        if path.rstrip("/") != "/v1/chat/completions":
            return Reply(404, TEXT_TYPE, b"404 page not found")
        if method != "POST":
            return Reply(405, TEXT_TYPE, b"405 method not allowed")
        hit = self._budgets[key].admit(request_tokens(body))
        if hit is not None:
            with self._lock:
                self.rate_limited += 1
                self._limited[key] += 1
            return Reply(429, body=error_json(42900, RATE_LIMIT_MESSAGE.format(limit=hit)))
        if body_error is not None:
            return Reply(400, body=error_json(20015, body_error))
        model = body.get("model") if isinstance(body, dict) else None
        fault = self._faults.take(lambda f: f.matches(model))
        if fault is not None and fault.kind in REPLACING:
            status, content_type, raw = fault.answer()
            return Reply(status, content_type, raw, fault.headers(), fault.delay)
        reply = self._chat(body, fault)
        reply.delay += self.answer_delay
        return reply

    def _chat(self, body: JSON, fault: LLMFault | None) -> Reply:
        problem = invalid_request(body)
        if problem is not None:
            return Reply(400, body=error_json(20015, problem))
        if body.get("model") not in self.models:
            return Reply(400, body=error_json(20012, UNKNOWN_MODEL))
        tokens = prompt_tokens(body["messages"])
        if tokens >= self.max_seq_len:
            message = TOO_LONG.format(tokens=tokens, limit=self.max_seq_len)
            return Reply(400, body=error_json(20015, message))
        reasoning = "" if body.get("enable_thinking") is False else self.reasoning
        plan = plan_answer(body, self.responder, reasoning, body.get("max_tokens"))
        if not body.get("stream"):
            return _json(200, completion_body(plan))
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        kind = fault.kind if fault is not None else None
        stop_after = fault.chunks if fault is not None and kind == "truncate" else None
        chunks = list(stream_chunks(plan, self.chunk_chars, include_usage, stop_after))
        return Reply(
            200,
            SSE_TYPE,
            chunks=chunks,
            chunk_delay=fault.delay if fault is not None and kind == "slow" else self.chunk_delay,
            drop_after=fault.chunks if fault is not None and kind == "drop" else None,
        )


def _bearer_key(header: str | None) -> str | None:
    scheme, _, value = (header or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _json(status: int, payload: JSON) -> Reply:
    return Reply(status, body=json_bytes(payload))


def main(argv: list[str] | None = None) -> None:
    """Serve the sandbox until interrupted, printing the base URL and key to configure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default="sandbox-llm-key")
    parser.add_argument("--reasoning", default="", help="reasoning text streamed before answers")
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    parser.add_argument("--max-seq-len", type=int, default=65_536)
    parser.add_argument("--answer-delay", type=float, default=0.0)
    parser.add_argument("--rpm-limit", type=int, default=None)
    parser.add_argument("--tpm-limit", type=int, default=None)
    args = parser.parse_args(argv)
    sandbox = OpenAISandbox(
        api_key=args.api_key,
        max_seq_len=args.max_seq_len,
        reasoning=args.reasoning,
        chunk_delay=args.chunk_delay,
        port=args.port,
        answer_delay=args.answer_delay,
        rpm_limit=args.rpm_limit,
        tpm_limit=args.tpm_limit,
    )
    sandbox.run_until_interrupted(
        f"api_key  = {sandbox.api_key}", f"models   = {', '.join(sandbox.models)}"
    )


if __name__ == "__main__":
    main()
