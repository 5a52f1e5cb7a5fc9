"""The FlowUs client over real HTTP against the sandbox: errors, tokens, writes, search."""

from __future__ import annotations

import threading

import pytest

from diaryflow.errors import (
    FlowUsAPIError,
    FlowUsBadRequest,
    FlowUsError,
    FlowUsForbidden,
    FlowUsNotFound,
    FlowUsTransportError,
    FlowUsUnauthorized,
)
from diaryflow.flowus.client import FlowUsClient
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.flowus.faults import Fault
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from tests.flowus.helpers import paragraph, title
from tests.helpers import TOKEN, ClientFactory


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
