"""Publishing a report: one page per period, made, replaced, or refused with a clear error."""

from __future__ import annotations

import json

import pytest

from diaryflow.errors import PublishError
from diaryflow.publish.markdown_blocks import markdown_to_blocks
from diaryflow.publish.stage import PageTarget, publish
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.state.runs import report_page
from diaryflow.state.store import Store
from tests.helpers import ClientFactory
from tests.publish.helpers import (
    REPORT_V1,
    REPORT_V2,
    TARGET,
    TITLE,
    expected,
    report_pages,
    tree,
)


def test_publish_creates_one_page_with_every_block(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    client = make_client(sample_sandbox)
    specs = markdown_to_blocks(REPORT_V1)
    result = publish(client, store, TARGET, specs)
    assert result.created and report_pages(client) == [result.page_id]
    assert tree(client, result.page_id) == expected(specs)
    page = client.get_page(result.page_id)
    assert page["parent"] == {"type": "page_id", "page_id": ROOT_PAGE_ID}
    assert page["icon"] == {"type": "emoji", "emoji": "🤖"}
    recorded = report_page(store, "default", "2026-11-27")
    assert recorded is not None and recorded.page_id == result.page_id and recorded.complete


def test_a_second_run_replaces_the_content_of_the_same_page(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    client = make_client(sample_sandbox)
    first = publish(client, store, TARGET, markdown_to_blocks(REPORT_V1))
    second_specs = markdown_to_blocks(REPORT_V2)
    second = publish(client, store, TARGET, second_specs)
    assert second.page_id == first.page_id and not second.created
    assert report_pages(client) == [first.page_id]
    assert tree(client, first.page_id) == expected(second_specs)  # 151 blocks: two appends


def test_the_page_is_never_empty_while_its_content_is_replaced(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    client = make_client(sample_sandbox)
    first = publish(client, store, TARGET, markdown_to_blocks(REPORT_V1))
    sample_sandbox.clear_requests()
    publish(client, store, TARGET, markdown_to_blocks(REPORT_V2))
    writes = [(r.method, r.path) for r in sample_sandbox.requests if r.kind == "write"]
    first_delete = next(i for i, w in enumerate(writes) if w[0] == "DELETE")
    appends = [
        i for i, w in enumerate(writes) if w == ("PATCH", f"/v1/blocks/{first.page_id}/children")
    ]
    assert appends and max(appends) < first_delete  # all new blocks in before any old goes


def test_a_page_deleted_in_flowus_is_made_again(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    client = make_client(sample_sandbox)
    first = publish(client, store, TARGET, markdown_to_blocks(REPORT_V1))
    client.update_page(first.page_id, {"archived": True})
    second = publish(client, store, TARGET, markdown_to_blocks(REPORT_V1))
    assert second.created and second.page_id != first.page_id


def test_an_unreadable_parent_is_a_clear_error(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    client = make_client(sample_sandbox)
    missing = PageTarget("default", "2026-11-27", "99999999-9999-4999-8999-999999999999", TITLE)
    with pytest.raises(PublishError, match=r"flowus\.parent_page_id .*cannot be read"):
        publish(client, store, missing, markdown_to_blocks(REPORT_V1))
    assert not [r for r in sample_sandbox.requests if r.method == "POST"]


def test_a_parent_that_is_not_a_page_is_caught_after_the_silent_fallback(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    client = make_client(sample_sandbox)
    a_block = next(b["id"] for b in client.list_children(ROOT_PAGE_ID) if b["type"] == "paragraph")
    target = PageTarget("default", "2026-11-27", a_block, TITLE)
    with pytest.raises(PublishError, match="put the new page elsewhere"):
        publish(client, store, target, markdown_to_blocks(REPORT_V1))
    made = [r for r in sample_sandbox.requests if r.method == "POST" and r.path == "/v1/pages"]
    assert len(made) == 1
    misplaced = [
        p
        for p in sample_sandbox.workspace.pages.values()
        if p["parent"].get("type") == "space_id"
        and TITLE in json.dumps(p["properties"], ensure_ascii=False)
    ]
    assert misplaced and all(p["archived"] for p in misplaced)


def test_an_empty_report_is_refused(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    with pytest.raises(PublishError, match="empty"):
        publish(make_client(sample_sandbox), store, TARGET, [])
    assert report_pages(make_client(sample_sandbox)) == []
