"""Pure retry decisions for FlowUs requests: whether to retry, and how long to wait."""

from __future__ import annotations

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
