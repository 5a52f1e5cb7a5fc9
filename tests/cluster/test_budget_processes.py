"""Several processes share one budget through a real redis-server and never exceed it."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from typing import Any

import pytest

from diaryflow.sandbox import FlowUsSandbox, Workspace
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from tests.cluster import workers
from tests.cluster.redis_server import RedisServer
from tests.helpers import TOKEN, most_in_a_window

pytestmark = pytest.mark.services

PROCESSES = 3
# Timestamps are taken in the test just after each grant, a moment after the limiter's own:
# a window is checked as W less this much.
MEASURE_SLACK = 0.02


def run_processes(target: Callable[..., None], *args: Any) -> list[tuple[Any, ...]]:
    """Run ``target`` in PROCESSES spawned processes, released at once; their results."""
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Barrier(PROCESSES)
    out = ctx.Queue()
    processes = [ctx.Process(target=target, args=(ready, out, *args)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    try:
        results = [out.get(timeout=90) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    assert [r for r in results if r[0] != "ok"] == []
    return results


def test_the_window_check_sees_an_excess() -> None:
    assert most_in_a_window([0.0, 0.5, 0.99, 1.0, 1.5], 1.0) == 3
    assert most_in_a_window([0.0, 0.1, 0.2, 0.3], 1.0) == 4


def test_processes_sharing_a_budget_never_exceed_it_and_wait_instead(
    redis_server: RedisServer,
) -> None:
    limit, window, each = 10, 1, 12  # each needs more than a window holds: each must wait
    started = time.time()
    results = run_processes(workers.take, redis_server.url, "shared", limit, window, each)
    stamps = [stamp for _, granted, _ in results for stamp in granted]
    assert len(stamps) == PROCESSES * each  # every unit was granted: nobody failed
    assert most_in_a_window(stamps, window - MEASURE_SLACK) <= limit
    assert all(waited > 0 for _, _, waited in results)  # each process was held back
    # 36 units at 10 a second: the last 6 cannot start before 3 s after the first ...
    assert max(stamps) - min(stamps) >= 3 * window - MEASURE_SLACK
    # ... and waiting is not idling: the budget is used about as fast as it refills.
    assert max(stamps) - min(stamps) < 4 * window + 1.0
    assert min(stamps) >= started


def _sandbox(sample_json: dict[str, Any], reads: int, window: float) -> FlowUsSandbox:
    return FlowUsSandbox(Workspace.from_json(sample_json), token=TOKEN, read_limit=reads,
                         rate_window=window)


def test_clients_sharing_a_budget_meet_no_429_from_the_sandbox(
    redis_server: RedisServer, sample_json: dict[str, Any]
) -> None:
    # The sandbox allows 20 reads in any 2 s; the shared budget keeps the clients to 18.
    with _sandbox(sample_json, reads=20, window=2.0) as sandbox:
        results = run_processes(workers.read_pages, redis_server.url, TOKEN, sandbox.base_url,
                                ROOT_PAGE_ID, 12, 18, 2)
        assert sandbox.rate_limited == 0
    assert [(sent, limited, done) for _, sent, limited, done in results] == [(12, 0, 12)] * 3


def test_without_the_shared_budget_the_same_clients_meet_429s(
    sample_json: dict[str, Any],
) -> None:
    """The control: each process paced on its own at the same rate overruns the token."""
    with _sandbox(sample_json, reads=20, window=2.0) as sandbox:
        results = run_processes(workers.read_pages, None, TOKEN, sandbox.base_url,
                                ROOT_PAGE_ID, 12, 18, 2)
        assert sandbox.rate_limited > 0
    assert sum(limited for _, _, limited, _ in results) == sandbox.rate_limited
