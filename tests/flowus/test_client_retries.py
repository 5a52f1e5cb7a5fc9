"""The FlowUs client against the sandbox: retries, their waits, no create repeated blindly."""

from __future__ import annotations

import time

import pytest

from diaryflow.errors import (
    FlowUsError,
    FlowUsMalformedResponse,
    FlowUsRateLimited,
    FlowUsServerError,
    FlowUsTransportError,
)
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.flowus.faults import Fault
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from tests.flowus.helpers import title
from tests.helpers import ClientFactory


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_on_reads_are_retried(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, status: int
) -> None:
    sample_sandbox.inject(Fault("status", path=r"/pages/", status=status, times=2))
    waits: list[float] = []
    page = make_client(sample_sandbox, sleep=waits.append).get_page(ROOT_PAGE_ID)
    assert page["id"] == ROOT_PAGE_ID
    assert len(sample_sandbox.requests) == 3
    assert waits == [0.5, 1.0]  # capped exponential backoff


def test_retries_stop_at_the_limit(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    sample_sandbox.inject(Fault("status", path=r"/pages/", status=503, times=10))
    with pytest.raises(FlowUsServerError):
        make_client(sample_sandbox, sleep=lambda s: None, max_retries=3).get_page(ROOT_PAGE_ID)
    assert len(sample_sandbox.requests) == 4


def test_malformed_answer_is_retried_then_reported(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    sample_sandbox.inject(Fault("malformed", path=r"/pages/", times=1))
    client = make_client(sample_sandbox, sleep=lambda s: None, max_retries=2)
    assert client.get_page(ROOT_PAGE_ID)["id"] == ROOT_PAGE_ID
    sample_sandbox.inject(Fault("malformed", path=r"/pages/", times=5))
    with pytest.raises(FlowUsMalformedResponse):
        client.get_page(ROOT_PAGE_ID)


def test_retry_after_is_honoured(sample_sandbox: FlowUsSandbox, make_client: ClientFactory) -> None:
    sample_sandbox.inject(
        Fault("status", path=r"/pages/", status=429, code="rate_limit", retry_after=1)
    )
    client = make_client(sample_sandbox)
    started = time.monotonic()
    assert client.get_page(ROOT_PAGE_ID)["id"] == ROOT_PAGE_ID
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 3.0
    first, second = sample_sandbox.requests
    assert second.started - first.started >= 1.0


def test_rate_limited_error_carries_retry_after(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    sample_sandbox.inject(Fault("status", path=r"/pages/", status=429, retry_after=7, times=9))
    with pytest.raises(FlowUsRateLimited) as caught:
        make_client(sample_sandbox, max_retries=0).get_page(ROOT_PAGE_ID)
    assert caught.value.retry_after == 7


def test_a_timed_out_read_is_retried(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    sample_sandbox.inject(Fault("timeout", path=r"/pages/", delay=1.5))
    client = make_client(sample_sandbox, timeout=0.5, sleep=lambda s: None)
    assert client.get_page(ROOT_PAGE_ID)["id"] == ROOT_PAGE_ID
    assert len(sample_sandbox.requests) >= 1


def created_pages(sandbox: FlowUsSandbox) -> int:
    return sum(1 for r in sandbox.requests if r.method == "POST" and r.path == "/v1/pages")


@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        (Fault("timeout", method="POST", path=r"/v1/pages$", delay=1.5), FlowUsTransportError),
        (Fault("status", method="POST", path=r"/v1/pages$", status=500), FlowUsServerError),
        (Fault("status", method="POST", path=r"/v1/pages$", status=502), FlowUsServerError),
    ],
)
def test_a_create_is_never_repeated_blindly(
    sample_sandbox: FlowUsSandbox,
    make_client: ClientFactory,
    fault: Fault,
    error_type: type[FlowUsError],
) -> None:
    sample_sandbox.inject(fault)
    client = make_client(sample_sandbox, timeout=0.5, sleep=lambda s: None)
    with pytest.raises(error_type):
        client.create_page({"page_id": ROOT_PAGE_ID}, title("报告"))
    time.sleep(1.2)  # let a timed-out request finish on the server
    assert created_pages(sample_sandbox) == 1


def test_a_create_refused_with_429_is_sent_again(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    sample_sandbox.inject(
        Fault("status", method="POST", path=r"/v1/pages$", status=429, retry_after=0)
    )
    page = make_client(sample_sandbox).create_page({"page_id": ROOT_PAGE_ID}, title("报告"))
    assert page["id"]
    assert created_pages(sample_sandbox) == 2
