"""Limiters given to the client (e.g. budgets shared between processes) replace its pacing."""

from __future__ import annotations

from diaryflow.sandbox import Fault, FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from tests.helpers import ClientFactory


class Counting:
    """A limiter that lets everything through and counts what it was asked."""

    def __init__(self) -> None:
        self.acquired = 0
        self.paused: list[float] = []

    def acquire(self) -> float:
        self.acquired += 1
        return 0.0

    def pause(self, seconds: float) -> None:
        self.paused.append(seconds)


def test_reads_and_writes_go_through_the_given_limiters(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    reads, writes = Counting(), Counting()
    client = make_client(sample_sandbox, read_limiter=reads, write_limiter=writes)
    client.get_page(ROOT_PAGE_ID)
    list(client.search(""))
    client.update_page(ROOT_PAGE_ID, {"icon": {"type": "emoji", "emoji": "📔"}})
    assert (reads.acquired, writes.acquired) == (2, 1)
    assert client.requests_sent == 3


def test_a_429_pauses_the_given_limiter_for_the_server_s_wait(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    reads = Counting()
    sample_sandbox.inject(Fault("status", path=r"/pages/", status=429, code="rate_limit",
                                retry_after=0.2))
    client = make_client(sample_sandbox, read_limiter=reads, write_limiter=Counting())
    client.get_page(ROOT_PAGE_ID)
    assert reads.acquired == 2 and len(reads.paused) == 1 and reads.paused[0] >= 0.2

