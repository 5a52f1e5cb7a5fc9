"""Pure retry decisions for FlowUs requests: whether to send again, and how long to wait."""

from __future__ import annotations

from diaryflow.backoff import Backoff
from diaryflow.errors import (
    FlowUsError,
    FlowUsMalformedResponse,
    FlowUsRateLimited,
    FlowUsServerError,
    FlowUsTransportError,
)

BACKOFF = Backoff(first=0.5, cap=30.0, max_retry_after=120.0)


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
    """Seconds to wait before retry number ``attempt``: Retry-After, else 0.5 s doubling to 30 s."""
    return BACKOFF.delay(attempt, retry_after)
