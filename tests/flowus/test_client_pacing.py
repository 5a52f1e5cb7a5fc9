"""The FlowUs client against the sandbox: under the rate limit, in parallel up to concurrency."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from tests.flowus.helpers import PAGE, workspace_with_children
from tests.helpers import (
    PACED_LIMIT,
    PACED_RATE,
    PACED_WINDOW,
    TOKEN,
    ClientFactory,
    most_in_a_window,
)


def test_rate_limit_is_never_exceeded(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    sample_sandbox.set_limits(read_limit=PACED_LIMIT, rate_window=PACED_WINDOW)
    client = make_client(sample_sandbox, reads_per_minute=PACED_RATE, concurrency=8)
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: client.get_page(ROOT_PAGE_ID), range(30)))
    assert len(pages) == 30
    assert sample_sandbox.rate_limited == 0
    starts = [r.started for r in sample_sandbox.requests]
    assert most_in_a_window(starts, PACED_WINDOW) <= PACED_LIMIT


def test_an_over_eager_client_is_limited_and_recovers(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    # The control for the test above: told a higher rate than the server allows, the client
    # meets 429s, and still gets every answer by honouring Retry-After.
    sample_sandbox.set_limits(read_limit=PACED_LIMIT, rate_window=PACED_WINDOW)
    client = make_client(sample_sandbox, reads_per_minute=10 * PACED_RATE, concurrency=8)
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
