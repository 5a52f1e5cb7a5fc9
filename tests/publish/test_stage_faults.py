"""Publishing a report whatever fails on the way: still one complete page per period."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from diaryflow.errors import FlowUsServerError, FlowUsTransportError
from diaryflow.publish.markdown_blocks import markdown_to_blocks
from diaryflow.publish.page_origin import note_create
from diaryflow.publish.stage import WRITE_ATTEMPTS, PageTarget, publish
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.flowus.faults import Fault
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
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


@pytest.mark.parametrize("failing_append", [1, 2, 3])
def test_a_failure_while_writing_then_a_retry_leaves_one_complete_page(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store, failing_append: int
) -> None:
    client = make_client(sample_sandbox)
    specs = markdown_to_blocks(REPORT_V2 + "\n\n" + REPORT_V1)
    # the page exists, some appends went through, then one fails: its content is partial
    sample_sandbox.inject(
        Fault("status", method="PATCH", path=r"/children$", status=500, after=failing_append - 1,
              times=WRITE_ATTEMPTS)
    )
    with pytest.raises(FlowUsServerError):
        publish(client, store, TARGET, specs)
    pages = report_pages(client)
    assert len(pages) == 1
    result = publish(client, store, TARGET, specs)
    assert report_pages(client) == [result.page_id] == pages
    assert tree(client, result.page_id) == expected(specs)


def test_a_server_failure_on_the_first_append_then_a_retry(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    client = make_client(sample_sandbox)
    specs = markdown_to_blocks(REPORT_V1)
    sample_sandbox.inject(Fault("status", method="PATCH", path=r"/children$", status=500,
                                times=WRITE_ATTEMPTS))
    with pytest.raises(FlowUsServerError):
        publish(client, store, TARGET, specs)
    assert len(report_pages(client)) == 1
    result = publish(client, store, TARGET, specs)
    assert report_pages(client) == [result.page_id]
    assert tree(client, result.page_id) == expected(specs)


def test_a_create_that_timed_out_is_found_not_repeated(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    client = make_client(sample_sandbox, timeout=0.5)
    sample_sandbox.inject(Fault("timeout", method="POST", path=r"/v1/pages$", delay=1.0))
    try:
        result = publish(client, store, TARGET, markdown_to_blocks(REPORT_V1))
    except FlowUsTransportError:
        result = publish(client, store, TARGET, markdown_to_blocks(REPORT_V1))
    assert report_pages(client) == [result.page_id]
    time.sleep(1.2)  # the server records the timed-out request once it has answered it
    creates = [r for r in sample_sandbox.requests if r.method == "POST" and r.path == "/v1/pages"]
    assert len(creates) == 1


def test_a_page_created_before_a_crash_is_adopted(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    client = make_client(sample_sandbox)
    # the process died after FlowUs created the page and before the id was recorded
    note_create(store, TARGET.job, TARGET.period, datetime.now(timezone.utc))
    lost = client.create_page(
        {"page_id": ROOT_PAGE_ID},
        {"title": {"type": "title", "title": [{"type": "text", "text": {"content": TITLE}}]}},
    )
    result = publish(client, store, TARGET, markdown_to_blocks(REPORT_V1))
    assert result.page_id == lost["id"] and not result.created
    assert report_pages(client) == [lost["id"]]


def creates(sandbox: FlowUsSandbox) -> int:
    return len([r for r in sandbox.requests if r.method == "POST" and r.path == "/v1/pages"])


@pytest.mark.parametrize(("kind", "made"), [("late_status", True), ("drop", True),
                                            ("status", False), ("reset", False)])
def test_a_create_whose_answer_is_lost_is_settled_in_the_same_publish(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store, kind: str, made: bool
) -> None:
    client = make_client(sample_sandbox)
    sample_sandbox.inject(Fault(kind, method="POST", path=r"/v1/pages$", status=500))
    specs = markdown_to_blocks(REPORT_V1)
    result = publish(client, store, TARGET, specs)
    assert report_pages(client) == [result.page_id]
    assert tree(client, result.page_id) == expected(specs)
    # a create that happened is adopted; one confirmed absent is sent again, once
    assert creates(sample_sandbox) == (1 if made else 2)


@pytest.mark.parametrize("kind", ["late_status", "drop", "status", "reset"])
def test_an_append_whose_answer_is_lost_is_settled_without_doubling_blocks(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store, kind: str
) -> None:
    client = make_client(sample_sandbox)
    specs = markdown_to_blocks(REPORT_V2 + "\n\n" + REPORT_V1)  # several appends, nested ones
    old = publish(client, store, TARGET, markdown_to_blocks(REPORT_V1))
    for after in (0, 1, 3):  # the page's first append, its second, a nested one
        sample_sandbox.inject(Fault(kind, method="PATCH", path=r"/children$", status=500,
                                    after=after))
    result = publish(client, store, TARGET, specs)
    assert result.page_id == old.page_id and report_pages(client) == [old.page_id]
    assert tree(client, result.page_id) == expected(specs)


def test_a_person_s_page_with_the_report_s_title_is_never_taken_over(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    client = make_client(sample_sandbox)
    other = PageTarget("default", "2026-11-26", ROOT_PAGE_ID, "AI生成内容 - 2026-11-26")
    publish(client, store, other, markdown_to_blocks("# 前一天"))  # the integration is known now
    hers = client.create_page(
        {"page_id": ROOT_PAGE_ID},
        {"title": {"type": "title", "title": [{"type": "text", "text": {"content": TITLE}}]}},
    )
    ws = sample_sandbox.workspace
    ws.pages[hers["id"]]["created_by"] = ws.data["me"]  # she made it, in the FlowUs app
    client.append_children(hers["id"], [{"type": "paragraph", "data": {"rich_text": [
        {"type": "text", "text": {"content": "她自己的笔记"}}]}}])
    sample_sandbox.inject(Fault("late_status", method="POST", path=r"/v1/pages$", status=500))
    result = publish(client, store, TARGET, markdown_to_blocks(REPORT_V1))
    assert result.page_id != hers["id"] and len(report_pages(client)) == 2
    assert tree(client, hers["id"]) == [("paragraph", "她自己的笔记", [])]


@pytest.mark.parametrize("seed", range(1, 5))
def test_publishing_through_a_flaky_network_leaves_one_complete_page(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store, seed: int
) -> None:
    client = make_client(sample_sandbox)
    publish(client, store, TARGET, markdown_to_blocks(REPORT_V1))
    specs = markdown_to_blocks(REPORT_V2 + "\n\n" + REPORT_V1)
    mix = sample_sandbox.fail_randomly(0.1, seed)
    sample_sandbox.inject(Fault("late_status", method="POST", path=r"/v1/pages$", status=500))
    other = PageTarget("default", "2026-11-28", ROOT_PAGE_ID, "AI生成内容 - 2026-11-28")
    fresh = publish(client, store, other, specs)  # created under faults
    replaced = publish(client, store, TARGET, specs)  # replaced under faults
    sample_sandbox.clear_faults()
    assert mix.drawn > 0
    assert report_pages(client, "AI生成内容 - 2026-11-28") == [fresh.page_id]
    assert report_pages(client) == [replaced.page_id]
    assert tree(client, fresh.page_id) == tree(client, replaced.page_id) == expected(specs)
