"""A thread-safe pacing limiter that keeps a client under N requests per minute."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

# Slots are spaced a little wider than 60/N seconds, so that scheduling jitter between
# taking a slot and the request reaching the server never puts N+1 requests in one minute.
SAFETY_MARGIN = 1.01


class Limiter(Protocol):
    """What the transport needs of a limiter: this module's, or one shared between processes."""

    def acquire(self) -> float:
        """Wait until a request may be sent; return how long this call waited."""

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds``."""


class RateLimiter:
    """Hands out send times spaced ``60 / per_minute`` seconds apart (no bursts)."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.interval = 60.0 / per_minute * SAFETY_MARGIN
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def acquire(self) -> float:
        """Wait for the next free slot; return how long this call waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (the server asked us to slow down)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)
