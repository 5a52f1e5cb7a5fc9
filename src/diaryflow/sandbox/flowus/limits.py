"""Sliding-window request limits, one per request class (reads, writes)."""

from __future__ import annotations

import collections
import math
import threading
import time


class SlidingWindow:
    """At most ``limit`` requests in any ``window`` seconds; None means unlimited."""

    def __init__(self, limit: int | None, window: float) -> None:
        self.limit = limit
        self.window = window
        self._stamps: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def acquire(self, now: float | None = None) -> int | None:
        """Take a slot and return None, or return the whole seconds until one frees."""
        if self.limit is None:
            return None
        moment = time.monotonic() if now is None else now
        with self._lock:
            if self.limit <= 0:
                return max(1, math.ceil(self.window))
            while self._stamps and self._stamps[0] <= moment - self.window:
                self._stamps.popleft()
            if len(self._stamps) < self.limit:
                self._stamps.append(moment)
                return None
            wait = self._stamps[0] + self.window - moment
            return max(1, math.ceil(wait))
