"""The LLM client's failures against the OpenAI sandbox: those given up at once, those retried."""

from __future__ import annotations

import time

import pytest

from diaryflow.errors import (
    LLMAuthError,
    LLMBadRequest,
    LLMConnectionError,
    LLMError,
    LLMOverloaded,
    LLMPromptTooLong,
    LLMRateLimited,
    LLMServerError,
    LLMTimeout,
)
from diaryflow.sandbox import OpenAISandbox
from diaryflow.sandbox.openai.server import LLMFault
from tests.llm.helpers import MESSAGES, MODEL, TEXT, Harness

FALLBACK = "deepseek-ai/DeepSeek-V3"


# ----- errors that are not retried


@pytest.mark.parametrize(
    ("fault", "cls", "hint"),
    [
        (LLMFault("status", status=403, code=30011, message="Model disabled"), LLMAuthError,
         "real-name"),
        (LLMFault("status", status=400, code=20015, message="top_k out of range"), LLMBadRequest,
         "[api_settings]"),
        (LLMFault("rate_limit", limit="RPD"), LLMRateLimited, "daily"),
        (LLMFault("rate_limit", limit="TPD", retry_after=5), LLMRateLimited, "daily"),
    ],
)  # fmt: skip
def test_errors_that_are_not_retried(
    llm: Harness, fault: LLMFault, cls: type[LLMError], hint: str
) -> None:
    llm.sandbox.inject(fault)
    with pytest.raises(cls) as caught:
        llm.client().complete(MESSAGES)
    assert hint in str(caught.value)
    assert (llm.chats, llm.waits) == (1, [])
    if isinstance(caught.value, LLMRateLimited):
        assert caught.value.day_limit and not caught.value.retryable


def test_wrong_key_names_the_setting(llm: Harness) -> None:
    with pytest.raises(LLMAuthError) as caught:
        llm.client(api_key="sk-wrong").complete(MESSAGES)
    assert caught.value.status == 401
    assert "siliconflow.token" in str(caught.value) and "SILICONFLOW_API_KEY" in str(caught.value)
    assert "Invalid token" in str(caught.value)  # the bare-string body
    assert (llm.chats, llm.waits) == (1, [])


def test_unknown_model_names_the_setting(llm: Harness) -> None:
    with pytest.raises(LLMBadRequest) as caught:
        llm.client(model="no/such-model").complete(MESSAGES)
    assert caught.value.code == 20012 and "siliconflow.model" in str(caught.value)
    assert (llm.chats, llm.waits) == (1, [])


def test_wrong_base_url_names_the_setting(llm: Harness) -> None:
    with pytest.raises(LLMBadRequest) as caught:
        llm.client(base_url=llm.sandbox.base_url + "/v2").complete(MESSAGES)
    assert caught.value.status == 404 and "siliconflow.base_url" in str(caught.value)
    assert llm.waits == []


def test_prompt_too_long_reports_the_limit(llm: Harness) -> None:
    llm.sandbox.max_seq_len = 100
    with pytest.raises(LLMPromptTooLong) as caught:
        llm.client().complete([{"role": "user", "content": "长" * 200}])
    assert caught.value.limit == 100 and caught.value.code == 20015
    assert "max_seq_len (100)" in str(caught.value)
    assert (llm.chats, llm.waits) == (1, [])


# ----- retries


def test_server_errors_are_retried_with_growing_waits(llm: Harness) -> None:
    llm.sandbox.inject(LLMFault("status", status=500))
    llm.sandbox.inject(LLMFault("gateway_timeout"))
    llm.sandbox.inject(LLMFault("status_text", status=502, message="Bad Gateway"))
    answer = llm.client().complete(MESSAGES)
    assert answer.content == TEXT
    assert [r.status for r in llm.sandbox.chat_requests()] == [500, 504, 502, 200]
    assert llm.waits == [2.0, 4.0, 8.0]
    assert [(r.status, r.http_status) for r in llm.records] == [
        ("error", 500), ("error", 504), ("error", 502), ("ok", 200),
    ]  # fmt: skip
    assert "Bad Gateway" in (llm.records[2].error or "")


def test_retries_stop_at_the_limit(llm: Harness) -> None:
    llm.sandbox.inject(LLMFault("status", status=500, times=10))
    with pytest.raises(LLMServerError):
        llm.client(max_retries=3).complete(MESSAGES)
    assert llm.chats == 4
    assert llm.waits == [2.0, 4.0, 8.0]


def test_rate_limit_honours_retry_after(llm: Harness) -> None:
    llm.sandbox.inject(LLMFault("rate_limit", retry_after=7))
    llm.sandbox.inject(LLMFault("rate_limit", limit="RPM"))
    assert llm.client().complete(MESSAGES).content == TEXT
    assert llm.waits == [7.0, 4.0]  # Retry-After, then the backoff of retry 2
    assert llm.chats == 3


def test_overloaded_model_falls_back(llm: Harness) -> None:
    llm.sandbox.inject(LLMFault("overloaded", times=5, model=MODEL))
    answer = llm.client(fallback_models=[FALLBACK]).complete(MESSAGES)
    assert answer.model == FALLBACK and answer.content == TEXT
    assert [r.model for r in llm.sandbox.chat_requests()] == [MODEL, MODEL, FALLBACK]
    assert llm.waits == [2.0]  # one backoff, then the second 503 moves on at once


def test_overload_without_fallback_is_retried_then_raised(llm: Harness) -> None:
    llm.sandbox.inject(LLMFault("overloaded", times=10, code=50508, message="System is busy"))
    with pytest.raises(LLMOverloaded) as caught:
        llm.client(max_retries=2).complete(MESSAGES)
    assert caught.value.code == 50508
    assert llm.chats == 3 and llm.waits == [2.0, 4.0]


def test_dropped_stream_is_retried(llm: Harness) -> None:
    llm.sandbox.inject(LLMFault("drop", chunks=1))
    assert llm.client().complete(MESSAGES).content == TEXT
    assert llm.chats == 2 and llm.waits == [2.0]
    assert llm.records[0].status == "error" and "reach" in (llm.records[0].error or "")


def test_unreachable_service_is_a_connection_error(llm: Harness) -> None:
    with OpenAISandbox() as gone:
        url = gone.base_url
    with pytest.raises(LLMConnectionError):
        llm.client(base_url=url, max_retries=1).complete(MESSAGES)
    assert llm.waits == [2.0] and len(llm.records) == 2


def test_deadline_ends_a_slow_stream(llm: Harness) -> None:
    llm.sandbox.inject(LLMFault("slow", times=2, delay=0.3))
    llm.sandbox.chunk_chars = 2  # 30 chunks of 0.3 s: far beyond the 1 s deadline
    started = time.monotonic()
    with pytest.raises(LLMTimeout) as caught:
        llm.client(request_timeout=1.0).complete(MESSAGES)
    elapsed = time.monotonic() - started
    assert "request_timeout" in str(caught.value)
    assert llm.chats == 2 and llm.waits == [2.0]  # a timeout is retried once, no more
    assert all(0.9 < r.seconds < 1.6 for r in llm.records)
    assert elapsed < 3.5
