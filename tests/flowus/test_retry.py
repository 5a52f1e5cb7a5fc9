"""Retry decisions and the pacing limiter, as pure functions over injected time."""

from __future__ import annotations

import threading

import pytest

from diaryflow.backoff import parse_retry_after
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
from diaryflow.flowus.pacing import RateLimiter
from diaryflow.flowus.retry import BACKOFF, retry_delay, should_retry
from diaryflow.flowus.transport import is_read

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


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    past = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT")
    assert past == 0.0


def test_reads_and_writes_are_told_apart() -> None:
    assert is_read("GET", "/pages/x")
    assert is_read("POST", "/databases/x/query")
    assert is_read("POST", "/search")
    assert not is_read("POST", "/pages")
    assert not is_read("PATCH", "/blocks/x/children")
    assert not is_read("DELETE", "/blocks/x")


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def test_limiter_never_lets_more_than_the_limit_into_any_minute() -> None:
    fake = FakeTime()
    limiter = RateLimiter(100, clock=fake.clock, sleep=fake.sleep)
    sent = []
    for _ in range(350):
        limiter.acquire()
        sent.append(fake.now)
    for i, t in enumerate(sent):
        assert sum(1 for u in sent[: i + 1] if u > t - 60.0) <= 100
    assert sent[-1] == pytest.approx(349 * 0.6 * 1.01)  # and no slower than needed


def test_limiter_waits_are_spaced_and_pause_holds_everyone() -> None:
    fake = FakeTime()
    limiter = RateLimiter(60, clock=fake.clock, sleep=fake.sleep)
    waits = [limiter.acquire() for _ in range(3)]
    assert waits[0] == 0
    assert waits[1] == pytest.approx(1.01)
    assert waits[2] == pytest.approx(1.01)
    limiter.pause(10)
    assert limiter.acquire() == pytest.approx(10)


def test_limiter_rejects_a_zero_rate() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
