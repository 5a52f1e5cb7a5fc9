"""The FlowUs client over real HTTP against the sandbox: pagination, errors, retries, limits."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from diaryflow.errors import (
    FlowUsAPIError,
    FlowUsBadRequest,
    FlowUsError,
    FlowUsForbidden,
    FlowUsMalformedResponse,
    FlowUsNotFound,
    FlowUsRateLimited,
    FlowUsServerError,
    FlowUsTransportError,
    FlowUsUnauthorized,
)
from diaryflow.flowus.client import FlowUsClient
from diaryflow.sandbox import FlowUsSandbox, Workspace
from diaryflow.sandbox.flowus.faults import Fault
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID, ROOT_PAGE_ID
from tests.helpers import TOKEN, ClientFactory

PAGE = "11111111-2222-4333-8444-555555555555"


def paragraph(n: int) -> dict[str, Any]:
    text = {"type": "text", "text": {"content": f"第 {n} 段"}}
    return {"type": "paragraph", "data": {"rich_text": [text]}}


def workspace_with_children(count: int) -> Workspace:
    page = {
        "id": PAGE,
        "parent": {"type": "space_id", "space_id": "space"},
        "created_time": "2026-11-01T00:00:00Z",
        "last_edited_time": "2026-11-01T00:00:00Z",
        "properties": {"标题": {"type": "title", "title": []}},
        "children": [],
    }
    ws = Workspace.from_json(
        {
            "format": "diaryflow-sandbox/1",
            "space_id": "space",
            "url_base": "https://flowus.cn/t",
            "me": "u",
            "bot": "u",
            "users": [{"id": "u", "name": "测试"}],
            "databases": [],
            "pages": [page],
        }
    )
    if count:
        ws.add_blocks(PAGE, [paragraph(i) for i in range(count)])
    return ws


def children_requests(sandbox: FlowUsSandbox) -> int:
    return sum(1 for r in sandbox.requests if r.path.endswith("/children"))


@pytest.mark.parametrize(("count", "requests"), [(0, 1), (1, 1), (100, 1), (101, 2), (250, 3)])
def test_pagination_reads_every_child(
    make_client: ClientFactory, count: int, requests: int
) -> None:
    with FlowUsSandbox(workspace_with_children(count), token=TOKEN) as sandbox:
        items = list(make_client(sandbox).list_children(PAGE))
        assert [i["data"]["rich_text"][0]["text"]["content"] for i in items] == [
            f"第 {n} 段" for n in range(count)
        ]
        assert children_requests(sandbox) == requests


def test_pagination_goes_past_an_empty_first_page(make_client: ClientFactory) -> None:
    with FlowUsSandbox(workspace_with_children(5), token=TOKEN) as sandbox:
        sandbox.inject(Fault("empty_first_page", path=r"/children$"))
        assert len(list(make_client(sandbox).list_children(PAGE))) == 5
        assert children_requests(sandbox) == 2


def test_database_query_is_paginated(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    client = make_client(sample_sandbox)
    small = [p["id"] for p in client.query_database(DIARY_DATABASE_ID, page_size=7)]
    large = [p["id"] for p in client.query_database(DIARY_DATABASE_ID)]
    assert small == large
    assert len(large) == len(set(large)) > 40
    queries = [r for r in sample_sandbox.requests if r.path.endswith("/query")]
    assert len(queries) == -(-len(large) // 7) + 1


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, FlowUsBadRequest),
        (401, FlowUsUnauthorized),
        (403, FlowUsForbidden),
        (404, FlowUsNotFound),
        (422, FlowUsBadRequest),
        (409, FlowUsAPIError),
    ],
)
@pytest.mark.parametrize("kind", ["status", "status_alt_body", "status_text"])
def test_error_statuses_and_body_shapes(
    sample_sandbox: FlowUsSandbox,
    make_client: ClientFactory,
    status: int,
    error_type: type[FlowUsError],
    kind: str,
) -> None:
    sample_sandbox.inject(Fault(kind, path=r"/pages/", status=status, code="some_code"))
    with pytest.raises(error_type) as caught:
        make_client(sample_sandbox).get_page(ROOT_PAGE_ID)
    error = caught.value
    assert error.status == status
    assert error.method == "GET" and error.path == f"/pages/{ROOT_PAGE_ID}"
    assert error.request_id  # from the X-Request-Id header
    assert error.api_message
    if kind != "status_text":
        assert error.code == "some_code"
    assert len(sample_sandbox.requests) == 1  # client errors are not retried
    assert TOKEN not in str(error)


def test_error_body_on_http_200_is_an_error(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    sample_sandbox.inject(Fault("error_on_200", path=r"/pages/", code="internal_error"))
    with pytest.raises(FlowUsAPIError) as caught:
        make_client(sample_sandbox).get_page(ROOT_PAGE_ID)
    assert caught.value.status == 200 and caught.value.code == "internal_error"


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


def title(text: str) -> dict[str, Any]:
    return {"标题": {"type": "title", "title": [{"type": "text", "text": {"content": text}}]}}


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


def test_connection_refused_is_a_transport_error(make_client: ClientFactory) -> None:
    client = FlowUsClient.connect(TOKEN, "http://127.0.0.1:9", max_retries=1, sleep=lambda s: None)
    try:
        with pytest.raises(FlowUsTransportError) as caught:
            client.me()
        assert caught.value.not_sent
    finally:
        client.close()


@pytest.mark.parametrize("token", [TOKEN, f"Bearer {TOKEN}", f"  bearer {TOKEN} "])
def test_token_with_or_without_bearer(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, token: str
) -> None:
    assert make_client(sample_sandbox, token=token).me()["object"] == "user"


def test_a_wrong_token_is_unauthorized(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    with pytest.raises(FlowUsUnauthorized) as caught:
        make_client(sample_sandbox, token="wrong-token").me()
    assert "wrong-token" not in str(caught.value)


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


def test_requests_overlap_up_to_the_concurrency(make_client: ClientFactory) -> None:
    with FlowUsSandbox(workspace_with_children(3), token=TOKEN, latency=0.2) as sandbox:
        client = make_client(sandbox, concurrency=8)
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: list(client.list_children(PAGE)), range(16)))
        assert time.monotonic() - started < 1.2  # 16 × 0.2 s serially would be 3.2 s


def test_writes_round_trip(sample_sandbox: FlowUsSandbox, make_client: ClientFactory) -> None:
    client = make_client(sample_sandbox)
    page = client.create_page(
        {"page_id": ROOT_PAGE_ID}, title("周报"), icon={"type": "emoji", "emoji": "🤖"}
    )
    created = client.append_children(page["id"], [paragraph(1), paragraph(2)])
    assert len(created) == 2
    client.update_block(created[0]["id"], {"type": "paragraph", "data": paragraph(9)["data"]})
    client.delete_block(created[1]["id"])
    texts = [b["data"]["rich_text"][0]["text"]["content"] for b in client.list_children(page["id"])]
    assert texts == ["第 9 段"]
    client.update_page(page["id"], {"archived": True})
    assert client.get_page(page["id"])["archived"] is True
    with pytest.raises(ValueError):
        client.append_children(page["id"], [paragraph(i) for i in range(101)])


def test_search_lists_visible_pages(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    found = list(make_client(sample_sandbox).search(""))
    ids = {p["id"] for p in found}
    assert ROOT_PAGE_ID in ids and len(found) > 40


def test_thread_safety_of_the_request_counter(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    client = make_client(sample_sandbox)
    threads = [threading.Thread(target=client.me) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert client.requests_sent == len(sample_sandbox.requests) == 20
