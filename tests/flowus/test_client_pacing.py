"""The FlowUs client against the sandbox: under the rate limit, in parallel up to concurrency."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from tests.flowus.helpers import PAGE, workspace_with_children
from tests.helpers import TOKEN, ClientFactory


def test_rate_limit_is_never_exceeded(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    # 10 reads per 1 s window on the server. The client's 1% spacing margin absorbs 0.6 s of
    # scheduling jitter on a real 60 s window, but only 10 ms on this 1 s one, so the client is
    # told a rate 5% under the server's to keep the test about pacing, not about CPU load.
    sample_sandbox.set_limits(read_limit=10, rate_window=1.0)
    client = make_client(sample_sandbox, reads_per_minute=570, concurrency=8)
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: client.get_page(ROOT_PAGE_ID), range(30)))
    assert len(pages) == 30
    assert sample_sandbox.rate_limited == 0
    starts = sorted(r.started for r in sample_sandbox.requests)
    for i, t in enumerate(starts):
        assert sum(1 for u in starts[: i + 1] if u > t - 1.0) <= 10


def test_an_over_eager_client_is_limited_and_recovers(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    # The control for the test above: told a higher rate than the server allows, the client
    # meets 429s, and still gets every answer by honouring Retry-After.
    sample_sandbox.set_limits(read_limit=10, rate_window=1.0)
    client = make_client(sample_sandbox, reads_per_minute=6000, concurrency=8)
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: client.get_page(ROOT_PAGE_ID), range(25)))
    assert len(pages) == 25
    assert sample_sandbox.rate_limited > 0
    assert (client.requests_sent, client.rate_limited) == (
        len(sample_sandbox.requests), sample_sandbox.rate_limited)


def test_requests_overlap_up_to_the_concurrency(make_client: ClientFactory) -> None:
    with FlowUsSandbox(workspace_with_children(3), token=TOKEN, latency=0.2) as sandbox:
        client = make_client(sandbox, concurrency=8)
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: list(client.list_children(PAGE)), range(16)))
        assert time.monotonic() - started < 1.2  # 16 × 0.2 s serially would be 3.2 s
