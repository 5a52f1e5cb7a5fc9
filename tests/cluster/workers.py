"""What each worker process of the shared-budget tests does (importable, for ``spawn``)."""

from __future__ import annotations

import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from diaryflow.cluster.budget import BudgetStore, SharedBudget
from diaryflow.cluster.keys import budget_key
from diaryflow.flowus.client import FlowUsClient
from diaryflow.flowus.pacing import Limiter

START_TIMEOUT = 60.0  # seconds for every process to be ready


def take(ready: Barrier, out: Queue[Any], url: str, name: str, limit: int, window: int,
         count: int) -> None:
    """Take ``count`` units one by one; put (the time each was granted, seconds waited)."""
    try:
        store = BudgetStore(url)
        budget = SharedBudget(store, name, limit, window)
        stamps = []
        waited = 0.0
        ready.wait(START_TIMEOUT)
        for _ in range(count):
            waited += budget.acquire()
            stamps.append(time.time())
        store.close()
        out.put(("ok", stamps, waited))
    except Exception as exc:
        out.put(("error", repr(exc), 0.0))


def read_pages(ready: Barrier, out: Queue[Any], url: str | None, token: str, base_url: str,
               page_id: str, reads: int, limit: int, window: int) -> None:
    """Read a page ``reads`` times through a shared budget (or, without ``url``, through the
    client's own pacing at the same rate); put (requests sent, 429s met, reads done)."""
    try:
        limiters: dict[str, Limiter] = {}
        if url is not None:
            store = BudgetStore(url)
            name = budget_key("flowus", token)
            limiters = {"read_limiter": SharedBudget(store, f"{name}:reads", limit, window),
                        "write_limiter": SharedBudget(store, f"{name}:writes", limit, window)}
        done = 0
        with FlowUsClient.connect(token, base_url, max_retries=20,
                                  reads_per_minute=limit * 60 // window, **limiters) as client:
            ready.wait(START_TIMEOUT)
            for _ in range(reads):
                client.get_page(page_id)
                done += 1
            out.put(("ok", client.requests_sent, client.rate_limited, done))
    except Exception as exc:
        out.put(("error", repr(exc), 0, 0))
