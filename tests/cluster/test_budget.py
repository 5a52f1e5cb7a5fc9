"""Shared budgets against a real redis-server, in one process (see test_budget_processes)."""

from __future__ import annotations

import threading
import time
from typing import cast

import pytest

from diaryflow.cluster.budget import (
    BudgetStore,
    BudgetUnavailable,
    SharedBudget,
    SharedLimits,
)
from diaryflow.cluster.keys import budget_key
from diaryflow.cluster.settings import LimitSettings
from diaryflow.flowus.pacing import Limiter
from tests.cluster.redis_server import RedisServer, free_port

pytestmark = pytest.mark.services


def test_a_budget_hands_out_its_limit_then_waits_for_the_window(
    redis_server: RedisServer,
) -> None:
    store = BudgetStore(redis_server.url)
    budget = SharedBudget(store, "k", limit=4, window=1)
    started = time.monotonic()
    waits = [budget.acquire() for _ in range(4)]
    assert waits == [0.0] * 4 and budget.remaining() == 0
    waited = budget.acquire()
    elapsed = time.monotonic() - started
    assert 0.8 <= waited <= 1.2 and elapsed >= 1.0  # the first unit left the window
    store.close()


def test_two_keys_do_not_share_a_budget(redis_server: RedisServer) -> None:
    store = BudgetStore(redis_server.url)
    first = SharedBudget(store, budget_key("flowus", "token-a"), limit=5, window=2)
    second = SharedBudget(store, budget_key("flowus", "token-b"), limit=5, window=2)
    again = SharedBudget(BudgetStore(redis_server.url), budget_key("flowus", "Bearer token-a"),
                         limit=5, window=2)
    assert sum(first.acquire() for _ in range(5)) == 0
    assert sum(second.acquire() for _ in range(5)) == 0  # not held back by the first
    assert again.remaining() == 0 and second.remaining() == 0  # the same token: the same budget
    started = time.monotonic()
    again.acquire()
    assert time.monotonic() - started >= 1.8


def test_redis_holds_budget_keys_never_the_token(redis_server: RedisServer) -> None:
    token, model = "secret_flowus_token_123456", "sk-model-key-abcdef"
    store = BudgetStore(redis_server.url)
    limits = SharedLimits(store, LimitSettings())
    flowus = limits.flowus(token)
    flowus.reads.acquire()
    flowus.writes.acquire()
    flowus.reads.pause(30)
    limits.model(model).acquire(100)
    names = sorted(key.decode() for key in cast(list[bytes], store.redis.keys("*")))
    flowus_name, model_name = budget_key("flowus", token), budget_key("model", model)
    assert [n for n in names if flowus_name in n] == [
        f"diaryflow:budget:LIMITER/{flowus_name}:reads/1000/60/second",
        f"diaryflow:budget:LIMITER/{flowus_name}:writes/100/60/second",
        f"diaryflow:pause:{flowus_name}:reads",
    ]
    assert len([n for n in names if model_name in n]) == 2 and len(names) == 5
    values = [store.redis.dump(n) for n in names]  # every key's whole value, serialised
    dump = repr(names) + repr(values)
    assert token not in dump and model not in dump
    assert (flowus.reads.limit, flowus.writes.limit) == (1000, 100)


def test_a_pause_holds_back_every_user_of_the_budget(redis_server: RedisServer) -> None:
    budget = SharedBudget(BudgetStore(redis_server.url), "paused", limit=100, window=60)
    other = SharedBudget(BudgetStore(redis_server.url), "paused", limit=100, window=60)
    budget.pause(0.6)
    budget.pause(0.1)  # a shorter pause does not cut a longer one short
    started = time.monotonic()
    waited = other.acquire()
    assert waited >= 0.5 and time.monotonic() - started >= 0.5
    assert other.acquire() == 0.0


def test_the_model_budget_counts_requests_and_tokens(redis_server: RedisServer) -> None:
    store = BudgetStore(redis_server.url)
    limits = SharedLimits(store, LimitSettings(model_requests_per_minute=3,
                                               model_tokens_per_minute=100))
    budget = limits.model("sk-shared")
    assert budget.acquire(60) == 0.0
    assert budget.tokens.remaining() == 40 and budget.requests.remaining() == 2
    assert budget.acquire(40) == 0.0
    assert budget.tokens.remaining() == 0 and budget.requests.remaining() == 1
    # Another worker's view of the same key (e.g. a tenant without its own key): the same budget.
    same = SharedLimits(BudgetStore(redis_server.url), limits.limits).model("sk-shared")
    assert same.tokens.remaining() == 0
    assert limits.model("sk-other").tokens.remaining() == 100


def test_shared_budgets_fit_the_transport_s_limiter_interface(redis_server: RedisServer) -> None:
    limiter: Limiter = SharedBudget(BudgetStore(redis_server.url), "x", 10, 1)
    assert limiter.acquire() == 0.0
    limiter.pause(0.0)


def test_a_redis_restart_while_idle_is_not_noticed(redis_server: RedisServer) -> None:
    store = BudgetStore(redis_server.url)
    budget = SharedBudget(store, "restart", limit=5, window=60)
    budget.acquire()
    assert budget.remaining() == 4
    redis_server.restart()
    assert budget.acquire() == 0.0  # reconnected, scripts loaded again
    # Without persistence the restarted server forgot the window: the budget starts afresh.
    assert budget.remaining() == 4


def test_an_outage_during_acquire_is_waited_out(redis_server: RedisServer) -> None:
    budget = SharedBudget(BudgetStore(redis_server.url), "outage", limit=5, window=60,
                          unavailable_timeout=20)
    budget.acquire()
    redis_server.stop()
    restarter = threading.Timer(1.0, redis_server.start)
    restarter.start()
    started = time.monotonic()
    try:
        waited = budget.acquire()
    finally:
        restarter.join()
    assert time.monotonic() - started >= 0.9 and waited >= 0.9


def test_redis_gone_for_good_is_one_clear_error_without_the_password() -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"  # nothing listens there
    budget = SharedBudget(BudgetStore(url), "gone", limit=5, window=60, unavailable_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(BudgetUnavailable) as caught:
        budget.acquire()
    assert 0.5 <= time.monotonic() - started < 5
    message = str(caught.value)
    assert "hunter2" not in message and ":***@127.0.0.1" in message and "\n" not in message
    assert caught.value.exit_code == 1


def test_bad_budgets_are_refused() -> None:
    store = BudgetStore("redis://127.0.0.1:1/0")
    for limit, window in ((0, 60), (5, 0)):
        with pytest.raises(ValueError, match="at least 1"):
            SharedBudget(store, "bad", limit, window)
