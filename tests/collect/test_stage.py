"""The collect stage against the sandbox: window, bodies, links, cache, missing pages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from diaryflow.collect.stage import CollectOptions, collect
from diaryflow.diary import Block, Snapshot
from diaryflow.errors import CollectError, ConfigError
from diaryflow.sandbox import FlowUsSandbox, Workspace
from diaryflow.sandbox.flowus.faults import Fault
from diaryflow.sandbox.sample.load import (
    DIARY_DATABASE_ID,
    PRIVATE_PAGE_ID,
    PROBLEM_DATABASE_ID,
    PROJECT_DATABASE_ID,
    ROOT_PAGE_ID,
)
from diaryflow.state.store import Store
from tests.helpers import END, ClientFactory

SH = ZoneInfo("Asia/Shanghai")


def options(**changes: Any) -> CollectOptions:
    base: dict[str, Any] = {
        "database_id": None,
        "page_id": ROOT_PAGE_ID,
        "date_property": "日期",
        "timezone": "Asia/Shanghai",
        "recent_days": 7,
    }
    base.update(changes)
    return CollectOptions(**base)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "state.db")


def expected_days(ws: Workspace, date_property: str | None, tz: ZoneInfo) -> dict[str, date]:
    """An independent reading of each live diary row's day, straight from the workspace."""
    days = {}
    for page in ws.to_json()["pages"]:
        if page["parent"].get("database_id") != DIARY_DATABASE_ID or page.get("archived"):
            continue
        value = (page["properties"].get(date_property or "", {}).get("date") or {}).get("start")
        if value:
            days[page["id"]] = datetime.strptime(value[:10].replace("/", "-"), "%Y-%m-%d").date()
        else:
            created = datetime.fromisoformat(page["created_time"].replace("Z", "+00:00"))
            days[page["id"]] = created.astimezone(tz).date()
    return days


def in_window(days: dict[str, date], end: date, n: int) -> set[str]:
    return {pid for pid, d in days.items() if end - timedelta(days=n - 1) <= d <= end}


def children_requests(sandbox: FlowUsSandbox) -> list[str]:
    return [r.path for r in sandbox.requests if r.path.endswith("/children")]


def walk(blocks: tuple[Block, ...]) -> list[Block]:
    out: list[Block] = []
    for b in blocks:
        out.append(b)
        out.extend(walk(b.children))
    return out


def run(
    sandbox: FlowUsSandbox,
    make_client: ClientFactory,
    store: Store,
    end: date = END,
    **changes: Any,
) -> Snapshot:
    return collect(make_client(sandbox), store, options(**changes), end)


@pytest.mark.parametrize("recent_days", [1, 7, 30])
def test_entries_in_the_window_by_date_property(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store, recent_days: int
) -> None:
    snap = run(sample_sandbox, make_client, store, recent_days=recent_days)
    days = expected_days(sample_sandbox.workspace, "日期", SH)
    assert {e.page.id for e in snap.entries} == in_window(days, END, recent_days)
    assert all(e.day == days[e.page.id] for e in snap.entries)
    assert [e.day for e in snap.entries] == sorted(e.day for e in snap.entries)
    assert snap.window_start == END - timedelta(days=recent_days - 1)


def test_created_time_is_used_without_a_date_property(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    snap = run(sample_sandbox, make_client, store, date_property=None, recent_days=10)
    days = expected_days(sample_sandbox.workspace, None, SH)
    assert {e.page.id for e in snap.entries} == in_window(days, END, 10)
    by_property = expected_days(sample_sandbox.workspace, "日期", SH)
    assert any(days[p] != by_property[p] for p in days)  # the sample tells the two apart


def test_timezone_decides_the_day_around_midnight(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    ws = sample_sandbox.workspace
    # 2026-11-27 16:30 UTC: 00:30 on the 28th in Shanghai, 11:30 on the 27th in New York
    late = {
        "id": "aaaaaaaa-0000-4000-8000-000000000001",
        "parent": {"type": "database_id", "database_id": DIARY_DATABASE_ID},
        "created_time": "2026-11-27T16:30:00.000Z",
        "last_edited_time": "2026-11-27T16:30:00.000Z",
        "properties": {
            "标题": {
                "type": "title",
                "title": [
                    {"type": "text", "text": {"content": "午夜之后"}, "plain_text": "午夜之后"}
                ],
            }
        },
        "children": [],
    }
    ws.add_page(late)
    sh = run(sample_sandbox, make_client, store, date_property=None, recent_days=1)
    assert late["id"] not in {e.page.id for e in sh.entries}
    sh_next = run(
        sample_sandbox,
        make_client,
        store,
        end=END + timedelta(days=1),
        date_property=None,
        recent_days=1,
    )
    assert late["id"] in {e.page.id for e in sh_next.entries}
    ny = run(
        sample_sandbox,
        make_client,
        store,
        date_property=None,
        recent_days=1,
        timezone="America/New_York",
    )
    assert late["id"] in {e.page.id for e in ny.entries}


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


def tree_ids(ws: Workspace, container: str) -> Iterator[str]:
    """Every block id a reader of the page sees (a synced copy shows its source's blocks);
    the content of a child page or child database belongs to that page, not this one."""
    for block in ws.children_list(container) or []:
        yield block["id"]
        if block["type"] not in ("child_page", "child_database"):
            yield from tree_ids(ws, block["id"])


def test_relations_and_mentions_are_followed_once_whatever_their_age(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    snap = run(sample_sandbox, make_client, store, recent_days=60, max_relation_depth=3)
    parents = Counter(p.parent.get("database_id") for p in snap.linked)
    assert parents[PROBLEM_DATABASE_ID] > 0 and parents[PROJECT_DATABASE_ID] > 0
    assert min(p.created_time.date() for p in snap.linked) < snap.window_start
    page_reads = Counter(r.path for r in sample_sandbox.requests if r.path.startswith("/v1/pages/"))
    assert page_reads and max(page_reads.values()) == 1  # the relation cycle is read once
    entry_ids = {e.page.id for e in snap.entries}
    assert not entry_ids & {p.id for p in snap.linked}
    assert PRIVATE_PAGE_ID in {m.id for m in snap.missing}  # unreadable, reported, not fatal


def test_relation_depth_limits_how_far_links_are_followed(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    sizes = [
        len(run(sample_sandbox, make_client, store, recent_days=3, max_relation_depth=d).linked)
        for d in (0, 1, 2, 5)
    ]
    assert sizes[0] == 0
    assert 0 < sizes[1] < sizes[2] <= sizes[3]
    no_links = run(
        sample_sandbox,
        make_client,
        store,
        recent_days=3,
        fetch_relations=False,
        include_mentioned=False,
    )
    assert no_links.linked == ()


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


def test_the_database_is_found_from_the_page_url(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    snap = run(sample_sandbox, make_client, store)
    assert snap.database_id == DIARY_DATABASE_ID and snap.database_title == "日记"
    direct = run(sample_sandbox, make_client, store, page_id=DIARY_DATABASE_ID)
    assert direct.database_id == DIARY_DATABASE_ID


def test_no_database_on_the_page_is_a_clear_error(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    entry = next(p for p in sample_sandbox.workspace.rows(DIARY_DATABASE_ID))
    with pytest.raises(CollectError, match="no diary database found on page"):
        run(sample_sandbox, make_client, store, page_id=entry["id"])
    sample_sandbox.workspace.unshare(ROOT_PAGE_ID, 403)
    with pytest.raises(CollectError, match=r"cannot be read .*share the page"):
        run(sample_sandbox, make_client, store)
    with pytest.raises(CollectError, match=r"flowus\.database_id"):
        run(sample_sandbox, make_client, store, database_id=ROOT_PAGE_ID)


def test_a_wrong_date_property_names_the_setting(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    with pytest.raises(ConfigError, match=r'flowus.date_property = "日子": no such property'):
        run(sample_sandbox, make_client, store, date_property="日子")
    with pytest.raises(ConfigError, match="is a select property"):
        run(sample_sandbox, make_client, store, date_property="分类")


def test_created_after_hint_is_sent_and_a_refusal_is_survived(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    plain = run(sample_sandbox, make_client, store, date_property=None)
    queries = [r.body for r in sample_sandbox.requests if r.path.endswith("/query")]
    assert queries and all("after_created_at" in (q or {}) for q in queries)
    sample_sandbox.clear_requests()
    sample_sandbox.inject(Fault("status", path="/query$", status=400, code="validation_error"))
    refused = run(sample_sandbox, make_client, store, date_property=None)
    assert refused.entries == plain.entries
