"""Budgets every worker shares through Redis (``limits``' moving window): a caller waits
for budget and never goes over it; drop-in for :class:`diaryflow.flowus.pacing.RateLimiter`.

Limits to know: each grant is stamped with the worker's own wall clock, so the machines'
clocks must agree (NTP); a Redis restart forgets the windows (the budget starts afresh, and
a 429 that may follow is honoured through :meth:`SharedBudget.pause`); every worker must be
given the same ``[limits]``, as a budget's Redis key includes its limit.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import NamedTuple, cast

import redis
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from diaryflow.cluster.keys import budget_key
from diaryflow.cluster.settings import LimitSettings
from diaryflow.errors import DiaryflowError
from diaryflow.state.location import masked

log = logging.getLogger("diaryflow.cluster.budget")

MIN_POLL = 0.005  # seconds: the shortest wait before asking again
JITTER = 0.05  # seconds at most added to each wait, so waiters do not all ask at once
UNAVAILABLE_TIMEOUT = 60.0  # seconds a caller keeps waiting for an unreachable Redis
_REDIS_ERRORS = (StorageError, redis.RedisError, OSError)


class BudgetUnavailable(DiaryflowError):
    """The Redis holding the shared budgets could not be reached for too long."""


class BudgetStore:
    """One connection pool to the Redis holding the budgets; share it within a process."""

    def __init__(self, url: str, *, prefix: str = "diaryflow") -> None:
        self.url = url
        self.prefix = prefix
        pool = redis.ConnectionPool.from_url(
            url, socket_connect_timeout=5, socket_timeout=5, health_check_interval=30
        )
        self.redis = redis.Redis(connection_pool=pool)
        storage = RedisStorage(
            url, connection_pool=pool, key_prefix=f"{prefix}:budget", wrap_exceptions=True
        )
        self.limiter = MovingWindowRateLimiter(storage)

    def close(self) -> None:
        """Close the pool's connections."""
        self.redis.close()
        self.redis.connection_pool.disconnect()


class SharedBudget:
    """At most ``limit`` units in any ``window`` seconds under ``name`` (a budget key, never a
    secret), across every process using the same Redis; ``acquire`` waits, never exceeds."""

    def __init__(
        self,
        store: BudgetStore,
        name: str,
        limit: int,
        window: int = 60,
        *,
        jitter: float = JITTER,
        unavailable_timeout: float = UNAVAILABLE_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or window < 1:
            raise ValueError("a budget needs a limit and a window (whole seconds) of at least 1")
        self.store = store
        self.name = name
        self.limit = limit
        self.window = window
        self.item = RateLimitItemPerSecond(limit, window)
        self.jitter = jitter
        self.unavailable_timeout = unavailable_timeout
        self._sleep = sleep
        self._pause_key = f"{store.prefix}:pause:{name}"

    def __repr__(self) -> str:
        return f"SharedBudget({self.name!r}, {self.limit}/{self.window}s)"

    def acquire(self, cost: int = 1) -> float:
        """Wait until ``cost`` units fit in the window and take them; return the seconds
        waited. A cost above the limit takes the whole window (it cannot ever fit)."""
        cost = max(1, min(cost, self.limit))
        waited = 0.0
        outage: float | None = None
        while True:
            try:
                wait = self._try(cost)
                outage = None
            except _REDIS_ERRORS as exc:
                outage = time.monotonic() if outage is None else outage
                wait = self._unavailable(exc, time.monotonic() - outage)
            if wait is None:
                return waited
            wait += random.uniform(0, self.jitter)
            self._sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Hold every process back for ``seconds`` (the server asked us to slow down)."""
        millis = int(seconds * 1000)
        if millis <= 0:
            return
        try:
            if self._held_ms() < millis:
                self.store.redis.set(self._pause_key, b"1", px=millis)
        except _REDIS_ERRORS as exc:  # the caller still waits out its own retry
            log.warning("shared budget %s: cannot record a pause: %s", self.name, exc)

    def remaining(self) -> int:
        """How many units are free in the window now."""
        return int(self.store.limiter.get_window_stats(self.item, self.name).remaining)

    def used(self) -> int:
        """How many units the window holds now."""
        return self.limit - self.remaining()

    def _try(self, cost: int) -> float | None:
        """None when ``cost`` was taken, else how long to wait before asking again."""
        held = self._held_ms()
        if held > 0:
            return held / 1000
        if self.store.limiter.hit(self.item, self.name, cost=cost):
            return None
        stats = self.store.limiter.get_window_stats(self.item, self.name)
        return max(stats.reset_time - time.time(), MIN_POLL)

    def _held_ms(self) -> int:
        """Milliseconds left of a pause (negative when there is none)."""
        return int(cast(int, self.store.redis.pttl(self._pause_key)))

    def _unavailable(self, exc: BaseException, down_for: float) -> float:
        if down_for >= self.unavailable_timeout:
            raise BudgetUnavailable(
                f"shared budget {self.name}: cannot reach Redis at {masked(self.store.url)} "
                f"for {down_for:.0f} s: {exc}"
            ) from None
        log.warning("shared budget %s: Redis unreachable, waiting: %s", self.name, exc)
        return min(1.0, 0.1 + down_for / 4)


class FlowUsBudgets(NamedTuple):
    """The read and write budgets of one FlowUs token, for ``FlowUsClient.connect``."""

    reads: SharedBudget
    writes: SharedBudget


class ModelBudget:
    """Requests and tokens per minute of one model key, shared by every worker."""

    def __init__(self, requests: SharedBudget, tokens: SharedBudget) -> None:
        self.requests = requests
        self.tokens = tokens

    def acquire(self, tokens: int = 1) -> float:
        """Wait for one request, then for ``tokens`` tokens (prompt and answer, estimated
        before the call); return the seconds waited."""
        return self.requests.acquire() + self.tokens.acquire(tokens)

    def pause(self, seconds: float) -> None:
        """Hold every worker using this key back for ``seconds`` (a 429 from the model)."""
        self.requests.pause(seconds)


class SharedLimits:
    """The budgets of the cluster's ``[limits]``, named by budget key, held in one Redis."""

    def __init__(
        self,
        store: BudgetStore,
        limits: LimitSettings,
        *,
        jitter: float = JITTER,
        unavailable_timeout: float = UNAVAILABLE_TIMEOUT,
    ) -> None:
        self.store = store
        self.limits = limits
        self.jitter = jitter
        self.unavailable_timeout = unavailable_timeout

    def flowus(self, token: str) -> FlowUsBudgets:
        """The read and write budgets of a FlowUs token (1,000 and 100 a minute by default)."""
        return self.flowus_named(budget_key("flowus", token))

    def flowus_named(self, name: str) -> FlowUsBudgets:
        """The FlowUs budgets by their secret-free name (``budget_key("flowus", token)``)."""
        return FlowUsBudgets(
            self._budget(f"{name}:reads", self.limits.flowus_reads_per_minute),
            self._budget(f"{name}:writes", self.limits.flowus_writes_per_minute),
        )

    def model(self, key: str) -> ModelBudget:
        """The request and token budgets of a model key, whoever owns it."""
        name = budget_key("model", key)
        return ModelBudget(
            self._budget(f"{name}:requests", self.limits.model_requests_per_minute),
            self._budget(f"{name}:tokens", self.limits.model_tokens_per_minute),
        )

    def _budget(self, name: str, per_minute: int) -> SharedBudget:
        return SharedBudget(self.store, name, per_minute, 60, jitter=self.jitter,
                            unavailable_timeout=self.unavailable_timeout)
