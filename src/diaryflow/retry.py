"""Pure retry decisions: whether to retry, how long to wait, and what Retry-After asks."""

from __future__ import annotations

import email.utils
import time

from diaryflow.errors import (
    FlowUsError,
    FlowUsMalformedResponse,
    FlowUsRateLimited,
    FlowUsServerError,
    FlowUsTransportError,
)

BASE_DELAY = 0.5
MAX_DELAY = 30.0
MAX_RETRY_AFTER = 120.0


def should_retry(error: FlowUsError, attempt: int, max_retries: int, *, idempotent: bool) -> bool:
    """Decide whether the request that failed on ``attempt`` (1-based) may be sent again.

    A request that may have been carried out (a create that timed out or got a 5xx) is never
    repeated: only a 429, or a connection that was never made, proves it was not.
    """
    if attempt > max_retries:
        return False
    if isinstance(error, FlowUsRateLimited):
        return True
    if isinstance(error, FlowUsTransportError) and error.not_sent:
        return True
    if not idempotent:
        return False
    return isinstance(error, FlowUsServerError | FlowUsTransportError | FlowUsMalformedResponse)


def retry_delay(attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number ``attempt``: capped exponential, or Retry-After."""
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, MAX_RETRY_AFTER)
    return float(min(BASE_DELAY * 2 ** (attempt - 1), MAX_DELAY))


def parse_retry_after(value: str | None) -> float | None:
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
    return max(0.0, when.timestamp() - time.time())
