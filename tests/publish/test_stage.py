"""Publishing a report: one page per period, whatever fails on the way."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from diaryflow.errors import FlowUsServerError, FlowUsTransportError, PublishError
from diaryflow.flowus.client import FlowUsClient
from diaryflow.publish.markdown_blocks import BlockSpec, markdown_to_blocks
from diaryflow.publish.page_origin import note_create
from diaryflow.publish.stage import WRITE_ATTEMPTS, PageTarget, publish
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.flowus.faults import Fault
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.state.runs import report_page
from diaryflow.state.store import Store
from tests.helpers import ClientFactory

TITLE = "AI生成内容 - 2026-11-27"
TARGET = PageTarget("default", "2026-11-27", ROOT_PAGE_ID, TITLE, "🤖")

REPORT_V1 = """# 本周回顾

## 概览
- 写了 **九篇** 日记
  - 其中三篇关于工作
- [x] 完成上线检查
- [ ] 和渠道确认重发策略

| 指标 | 数值 |
| --- | --- |
| 条目 | 9 |

```mermaid
pie title 分类
  "工作" : 4
  "生活" : 5
```
"""
REPORT_V2 = "# 第二版\n\n" + "\n\n".join(f"第 {i} 段：内容" for i in range(150))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "state.db")


def report_pages(client: FlowUsClient, title: str = TITLE) -> list[str]:
    return [
        b["id"]
        for b in client.list_children(ROOT_PAGE_ID)
        if b["type"] == "child_page" and b["data"].get("title") == title
    ]


def tree(client: FlowUsClient, block_id: str) -> list[tuple[str, str, list[Any]]]:
    out = []
    for block in client.list_children(block_id):
        text = "".join(
            i.get("plain_text") or i["text"]["content"] for i in block["data"].get("rich_text", [])
        )
        kids = tree(client, block["id"]) if block.get("has_children") else []
        out.append((block["type"], text, kids))
    return out


def expected(specs: list[BlockSpec]) -> list[tuple[str, str, list[Any]]]:
    return [
        (
            s.type,
            "".join(i["text"]["content"] for i in s.data.get("rich_text", [])),
            expected(list(s.children)),
        )
        for s in specs
    ]


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
