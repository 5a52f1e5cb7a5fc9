"""The collect stage against the sandbox: page bodies, read whole, cached, or gone mid-run."""

from __future__ import annotations

from collections.abc import Iterator

from diaryflow.diary import Block
from diaryflow.sandbox import FlowUsSandbox, Workspace
from diaryflow.sandbox.flowus.faults import Fault
from diaryflow.state.store import Store
from tests.collect.helpers import run
from tests.helpers import ClientFactory


def children_requests(sandbox: FlowUsSandbox) -> list[str]:
    return [r.path for r in sandbox.requests if r.path.endswith("/children")]


def walk(blocks: tuple[Block, ...]) -> list[Block]:
    out: list[Block] = []
    for b in blocks:
        out.append(b)
        out.extend(walk(b.children))
    return out


def tree_ids(ws: Workspace, container: str) -> Iterator[str]:
    """Every block id a reader of the page sees (a synced copy shows its source's blocks);
    the content of a child page or child database belongs to that page, not this one."""
    for block in ws.children_list(container) or []:
        yield block["id"]
        if block["type"] not in ("child_page", "child_database"):
            yield from tree_ids(ws, block["id"])


def test_every_block_of_every_entry_is_collected(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    snap = run(sample_sandbox, make_client, store, recent_days=60)
    ws = sample_sandbox.workspace
    for entry in snap.entries:
        got = [b.id for b in walk(entry.page.blocks)]
        want = list(tree_ids(ws, entry.page.id))
        assert sorted(got) == sorted(want), entry.page.title
    types = {b.type for e in snap.entries for b in walk(e.page.blocks)}
    assert {"table_row", "column", "to_do", "toggle", "code", "callout", "synced_block"} <= types
    assert max(len(e.page.blocks) for e in snap.entries) > 100  # a paginated body
    typed = [b for e in snap.entries for b in walk(e.page.blocks) if b.type == "paragraph"]
    assert all("rich_text" in b.data for b in typed)  # both block shapes normalised


def test_an_unchanged_page_costs_no_block_requests(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    first = run(sample_sandbox, make_client, store, recent_days=14)
    cold = len(children_requests(sample_sandbox))
    sample_sandbox.clear_requests()
    second = run(sample_sandbox, make_client, store, recent_days=14)
    assert second == first
    assert children_requests(sample_sandbox) == []
    changed = first.entries[-1].page.id
    sample_sandbox.workspace.add_blocks(
        changed,
        [
            {
                "type": "paragraph",
                "data": {
                    "rich_text": [
                        {"type": "text", "text": {"content": "补充一句"}, "plain_text": "补充一句"}
                    ]
                },
            }
        ],
    )
    sample_sandbox.clear_requests()
    third = run(sample_sandbox, make_client, store, recent_days=14)
    assert 0 < len(children_requests(sample_sandbox)) < cold
    in_changed_page = {changed, *tree_ids(sample_sandbox.workspace, changed)}
    requested = {p.split("/")[3] for p in children_requests(sample_sandbox)}
    assert changed in requested and requested <= in_changed_page
    last = third.entries[-1].page
    assert last.id == changed and last.blocks[-1].data["rich_text"][0]["plain_text"] == "补充一句"


def test_a_page_deleted_mid_run_is_reported_and_skipped(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    full = run(sample_sandbox, make_client, Store(store.path.with_name("other.db")))
    victim = full.entries[0].page.id
    sample_sandbox.inject(
        Fault("status", path=f"/blocks/{victim}/children", status=404, code="not_found", times=1)
    )
    snap = run(sample_sandbox, make_client, store)
    assert victim not in {e.page.id for e in snap.entries}
    assert len(snap.entries) == len(full.entries) - 1
    assert [m.status for m in snap.missing if m.id == victim] == [404]
