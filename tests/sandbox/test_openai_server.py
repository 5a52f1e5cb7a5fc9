"""Tests of the OpenAI-compatible sandbox over real HTTP: wire format, errors and faults."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from diaryflow.sandbox import OpenAISandbox
from diaryflow.sandbox.openai.answer import default_responder, estimate_tokens
from diaryflow.sandbox.openai.server import LLMFault

KEY = "sandbox-llm-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
MODEL = "Qwen/Qwen3-8B"
TEXT = "甲乙丙丁戊己庚辛壬癸" * 4  # 40 CJK characters = 30 estimated tokens


@pytest.fixture
def sandbox() -> Iterator[OpenAISandbox]:
    with OpenAISandbox(responder=lambda body: TEXT, chunk_chars=10) as server:
        yield server


@pytest.fixture
def http(sandbox: OpenAISandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, headers=AUTH, timeout=10) as client:
        yield client


def chat(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": MODEL, "messages": [{"role": "user", "content": "你好"}]}
    return {**body, **overrides}


def events(response: httpx.Response) -> list[Any]:
    """The SSE data payloads of a stream, parsed ("[DONE]" kept as a string)."""
    frames = response.text.split("\n\n")
    assert frames[-1] == ""
    data = [frame.removeprefix("data: ") for frame in frames[:-1]]
    assert all(frame.startswith("data: ") for frame in frames[:-1])
    return [item if item == "[DONE]" else json.loads(item) for item in data]


def test_models_are_listed(http: httpx.Client) -> None:
    answer = http.get("/models")
    assert answer.status_code == 200
    assert MODEL in [m["id"] for m in answer.json()["data"]]


def test_stream_has_usage_on_every_chunk_and_ends_with_done(http: httpx.Client) -> None:
    answer = http.post("/chat/completions", json=chat(stream=True))
    assert answer.headers["content-type"].startswith("text/event-stream")
    items = events(answer)
    assert items[-1] == "[DONE]"
    chunks = items[:-1]
    assert "".join(c["choices"][0]["delta"]["content"] or "" for c in chunks) == TEXT
    completions = [c["usage"]["completion_tokens"] for c in chunks]
    assert completions == sorted(completions) and completions[-1] == estimate_tokens(TEXT)
    assert all(c["usage"]["prompt_tokens"] == estimate_tokens("你好") for c in chunks)
    assert [c["choices"][0]["finish_reason"] for c in chunks][-2:] == [None, "stop"]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == MODEL for c in chunks)


def test_include_usage_adds_a_chunk_without_choices(http: httpx.Client) -> None:
    body = chat(stream=True, stream_options={"include_usage": True})
    chunks = events(http.post("/chat/completions", json=body))[:-1]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == chunks[-2]["usage"]


def test_reasoning_comes_first_and_can_be_switched_off(
    sandbox: OpenAISandbox, http: httpx.Client
) -> None:
    sandbox.reasoning = "先想一想。"
    chunks = events(http.post("/chat/completions", json=chat(stream=True)))[:-1]
    assert chunks[0]["choices"][0]["delta"]["reasoning_content"] == "先想一想。"
    assert chunks[0]["choices"][0]["delta"]["content"] is None
    assert chunks[-1]["usage"]["completion_tokens_details"]["reasoning_tokens"] == 4
    quiet = events(http.post("/chat/completions", json=chat(stream=True, enable_thinking=False)))
    assert all(not c["choices"][0]["delta"].get("reasoning_content") for c in quiet[:-1])


def test_non_streamed_answer(sandbox: OpenAISandbox, http: httpx.Client) -> None:
    sandbox.reasoning = "想"
    body = http.post("/chat/completions", json=chat()).json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {
        "role": "assistant",
        "content": TEXT,
        "reasoning_content": "想",
    }
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + 30 + 1


def test_max_tokens_cuts_and_a_continuation_gets_the_rest(http: httpx.Client) -> None:
    first = http.post("/chat/completions", json=chat(max_tokens=12)).json()
    part = first["choices"][0]["message"]["content"]
    assert first["choices"][0]["finish_reason"] == "length"
    assert part == TEXT[:16] and first["usage"]["completion_tokens"] == 12
    messages = [
        {"role": "user", "content": "你好"},
        {"role": "assistant", "content": part},
        {"role": "user", "content": "继续"},
    ]
    rest = http.post("/chat/completions", json=chat(messages=messages)).json()
    assert part + rest["choices"][0]["message"]["content"] == TEXT
    assert rest["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(
    ("headers", "path", "body", "status", "expected"),
    [
        ({"Authorization": "Bearer nope"}, "/chat/completions", chat(), 401, "Invalid token"),
        ({}, "/chat/completions", chat(), 401, "Invalid token"),
        (AUTH, "/chat/completions", chat(model="x/y"), 400, {"code": 20012}),
        (AUTH, "/chat/completions", {"model": MODEL}, 400, {"code": 20015}),
        (AUTH, "/chat/completions", chat(max_tokens=0), 400, {"code": 20015}),
        (AUTH, "/chat/nothing", chat(), 404, "404 page not found"),
    ],
)
def test_error_answers(
    sandbox: OpenAISandbox,
    headers: dict[str, str],
    path: str,
    body: dict[str, Any],
    status: int,
    expected: str | dict[str, int],
) -> None:
    with httpx.Client(base_url=sandbox.base_url, headers=headers) as client:
        answer = client.post(path, json=body)
    assert answer.status_code == status
    if isinstance(expected, str):
        assert answer.text == expected
    else:
        assert answer.json()["code"] == expected["code"] and answer.json()["data"] is None


def test_prompt_longer_than_the_context(sandbox: OpenAISandbox, http: httpx.Client) -> None:
    sandbox.max_seq_len = 50
    messages = [{"role": "user", "content": "长" * 80}]
    answer = http.post("/chat/completions", json=chat(messages=messages))
    assert answer.status_code == 400
    assert answer.json() == {
        "code": 20015,
        "message": "length of prompt_tokens (60) must be less than max_seq_len (50)",
        "data": None,
    }


@pytest.mark.parametrize(
    ("fault", "status", "check"),
    [
        (LLMFault("status", status=500, code=50000, message="boom", retry_after=2.2), 500,
         lambda a: a.json()["code"] == 50000 and a.headers["retry-after"] == "3"),
        (LLMFault("status_text", status=502, message="Bad Gateway"), 502,
         lambda a: a.text == "Bad Gateway"),
        (LLMFault("rate_limit"), 429, lambda a: "Details: TPM limit reached." in a.text),
        (LLMFault("rate_limit", limit="RPD"), 429, lambda a: "RPD limit" in a.json()["message"]),
        (LLMFault("overloaded"), 503, lambda a: a.json()["code"] == 50505),
        (LLMFault("gateway_timeout"), 504, lambda a: "504 Gateway Time-out" in a.text),
    ],
)  # fmt: skip
def test_error_faults(
    sandbox: OpenAISandbox, http: httpx.Client, fault: LLMFault, status: int, check: Any
) -> None:
    sandbox.inject(fault)
    answer = http.post("/chat/completions", json=chat(stream=True))
    assert answer.status_code == status and check(answer)
    assert http.post("/chat/completions", json=chat()).status_code == 200  # used up


def test_faults_can_target_one_model(sandbox: OpenAISandbox, http: httpx.Client) -> None:
    sandbox.inject(LLMFault("overloaded", times=2, model=MODEL))
    other = chat(model="deepseek-ai/DeepSeek-V3")
    assert http.post("/chat/completions", json=other).status_code == 200
    assert http.post("/chat/completions", json=chat()).status_code == 503
    assert len(sandbox.pending_faults()) == 1
    assert http.post("/chat/completions", json=chat()).status_code == 503
    assert http.post("/chat/completions", json=chat()).status_code == 200
    with pytest.raises(ValueError, match="unknown fault kind"):
        LLMFault("explode")


def test_truncate_fault_stops_with_length(sandbox: OpenAISandbox, http: httpx.Client) -> None:
    sandbox.inject(LLMFault("truncate", chunks=2))
    chunks = events(http.post("/chat/completions", json=chat(stream=True)))[:-1]
    assert "".join(c["choices"][0]["delta"]["content"] or "" for c in chunks) == TEXT[:20]
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"


def test_drop_fault_breaks_the_stream(sandbox: OpenAISandbox, http: httpx.Client) -> None:
    sandbox.inject(LLMFault("drop", chunks=1))
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/chat/completions", json=chat(stream=True))
    assert http.post("/chat/completions", json=chat(stream=True)).status_code == 200


def test_slow_fault_spaces_the_chunks(sandbox: OpenAISandbox, http: httpx.Client) -> None:
    sandbox.inject(LLMFault("slow", delay=0.1))
    started = time.monotonic()
    with http.stream("POST", "/chat/completions", json=chat(stream=True)) as answer:
        arrivals = [time.monotonic() - started for _ in answer.iter_lines() if _]
    assert len(arrivals) == 6  # 4 content chunks, the final chunk, [DONE]
    assert arrivals[-1] >= 0.4


def test_requests_are_recorded_without_the_key(sandbox: OpenAISandbox, http: httpx.Client) -> None:
    http.post("/chat/completions", json=chat(stream=True))
    http.get("/models")
    first, second = sandbox.requests
    assert (first.method, first.path, first.status, first.model) == (
        "POST",
        "/v1/chat/completions",
        200,
        MODEL,
    )
    assert first.body["stream"] is True
    assert "authorization" not in {name.lower() for name in first.headers}
    assert KEY not in json.dumps(first.headers)
    assert second.path == "/v1/models" and sandbox.chat_requests() == [first]
    sandbox.clear_requests()
    assert sandbox.requests == []


def test_the_openai_sdk_reads_the_stream(sandbox: OpenAISandbox) -> None:
    import openai

    sandbox.reasoning = "思考"
    with openai.OpenAI(api_key=KEY, base_url=sandbox.base_url, max_retries=0) as client:
        stream = client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "你好"}], stream=True
        )
        chunks = list(stream)
    reasoning = "".join(
        getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks
    )
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert (reasoning, content) == ("思考", TEXT)
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 30 + 2


def test_default_responder_is_deterministic_chinese_markdown() -> None:
    body = {"messages": [{"role": "user", "content": "\n  本周日记：周一写代码\n周二读书"}]}
    text = default_responder(body)
    assert text == default_responder(body)
    assert text.startswith("# ") and "## 要点" in text and "- " in text
    assert "「本周日记：周一写代码」" in text
    with OpenAISandbox() as server, httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        answer = client.post("/chat/completions", json={"model": MODEL, **body}).json()
    assert answer["choices"][0]["message"]["content"] == text
