"""The LLM retry policy as pure functions: retries, waits, fallbacks, error classification."""

from __future__ import annotations

import pytest

from diaryflow.errors import (
    LLMAuthError,
    LLMBadRequest,
    LLMError,
    LLMOverloaded,
    LLMPromptTooLong,
    LLMRateLimited,
    LLMServerError,
    LLMTimeout,
)
from diaryflow.llm.policy import classify_error, retry_delay, should_fall_back, should_retry
from tests.llm.helpers import MODEL


def test_retry_decisions_are_pure() -> None:
    overloaded = LLMOverloaded("busy")
    assert should_retry(overloaded, 1) and should_retry(overloaded, 4)
    assert not should_retry(overloaded, 5)
    assert not should_retry(LLMBadRequest("bad"), 1)
    assert not should_retry(LLMAuthError("key"), 1)
    assert not should_retry(LLMRateLimited("day", day_limit=True), 1)
    assert should_retry(LLMRateLimited("minute"), 1)
    assert should_retry(LLMTimeout("slow"), 1) and not should_retry(LLMTimeout("slow"), 2, 4, 1)
    assert [retry_delay(n) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    assert retry_delay(3, 9.5) == 9.5 and retry_delay(1, 10_000) == 300
    assert not should_fall_back(overloaded, 1, 1, 4, True)
    assert should_fall_back(overloaded, 2, 2, 4, True)
    assert should_fall_back(overloaded, 1, 1, 0, True)  # out of retries
    assert not should_fall_back(overloaded, 2, 2, 4, False)
    assert not should_fall_back(LLMServerError("x"), 5, 5, 4, True)


@pytest.mark.parametrize(
    ("status", "body", "headers", "cls"),
    [
        (400, {"code": 20015, "message": "length of prompt_tokens (68957) must be less than "
               "max_seq_len (65536)", "data": None}, {}, LLMPromptTooLong),
        (400, {"code": 20012, "message": "Model does not exist.", "data": None}, {},
         LLMBadRequest),
        (401, "Invalid token", {}, LLMAuthError),
        (403, {"code": 30001, "message": "Sorry, your account balance is insufficient"}, {},
         LLMAuthError),
        (404, "404 page not found", {}, LLMBadRequest),
        (429, {"code": 42900, "message": "Details: TPM limit reached."}, {"Retry-After": "3"},
         LLMRateLimited),
        (503, {"code": 50505, "message": "Model service overloaded."}, {}, LLMOverloaded),
        (503, {"code": 50508, "message": "System is busy"}, {}, LLMOverloaded),
        (500, {"error": {"message": "boom", "type": "server_error"}}, {}, LLMServerError),
        (502, "<html><title>502 Bad Gateway</title></html>", {}, LLMServerError),
        (504, None, {}, LLMServerError),
    ],
)  # fmt: skip
def test_classify_error(
    status: int, body: object, headers: dict[str, str], cls: type[LLMError]
) -> None:
    error = classify_error(status, body, MODEL, headers)
    assert type(error) is cls and error.status == status and error.model == MODEL
    if isinstance(error, LLMPromptTooLong):
        assert error.limit == 65536
    if isinstance(error, LLMRateLimited):
        assert error.retry_after == 3.0 and not error.day_limit and error.retryable
    if status == 502:
        assert "502 Bad Gateway" in str(error) and "<" not in str(error)
