"""The pacing limiter, as a pure function over injected time."""

from __future__ import annotations

import threading

import pytest

from diaryflow.flowus.pacing import RateLimiter


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
