"""Waits between retries: capped exponential backoff, or what a Retry-After header asks."""

from __future__ import annotations

import email.utils
import math
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Retry ``n`` (1-based) waits ``first × factor^(n-1)``, at most ``cap`` seconds."""

    first: float
    factor: float = 2.0
    cap: float = math.inf
    max_retry_after: float = math.inf

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds before retry ``attempt``: the server's Retry-After if given, else backoff."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_retry_after)
        return float(min(self.first * self.factor ** (attempt - 1), self.cap))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
