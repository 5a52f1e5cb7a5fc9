"""Which failed FlowUs requests are retried, and how long each retry waits."""

from __future__ import annotations

import pytest

from diaryflow.errors import (
    FlowUsBadRequest,
    FlowUsError,
    FlowUsMalformedResponse,
    FlowUsNotFound,
    FlowUsRateLimited,
    FlowUsServerError,
    FlowUsTransportError,
    FlowUsUnauthorized,
)
from diaryflow.flowus.retry import BACKOFF, retry_delay, should_retry

CASES: list[tuple[FlowUsError, bool, bool]] = [
    # error, retried when idempotent, retried when not idempotent (a create)
    (FlowUsRateLimited("slow down", status=429), True, True),
    (FlowUsServerError("boom", status=500), True, False),
    (FlowUsServerError("bad gateway", status=502), True, False),
    (FlowUsTransportError("timeout"), True, False),
    (FlowUsTransportError("refused", not_sent=True), True, True),
    (FlowUsMalformedResponse("not json", status=200), True, False),
    (FlowUsBadRequest("bad", status=400), False, False),
    (FlowUsUnauthorized("who", status=401), False, False),
    (FlowUsNotFound("gone", status=404), False, False),
]


@pytest.mark.parametrize(("error", "read_retry", "write_retry"), CASES)
def test_should_retry(error: FlowUsError, read_retry: bool, write_retry: bool) -> None:
    assert should_retry(error, 1, 3, idempotent=True) is read_retry
    assert should_retry(error, 1, 3, idempotent=False) is write_retry
    assert should_retry(error, 4, 3, idempotent=True) is False


def test_retry_delay_is_capped_exponential_or_retry_after() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert retry_delay(30) == BACKOFF.cap == 30.0
    assert retry_delay(1, retry_after=7) == 7
    assert retry_delay(1, retry_after=0) == 0
    assert retry_delay(1, retry_after=10_000) == BACKOFF.max_retry_after == 120.0
