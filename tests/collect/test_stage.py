"""The collect stage against the sandbox: the window, the day of an entry, finding the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from diaryflow.errors import CollectError, ConfigError
from diaryflow.sandbox import FlowUsSandbox, Workspace
from diaryflow.sandbox.flowus.faults import Fault
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID, ROOT_PAGE_ID
from diaryflow.state.store import Store
from tests.collect.helpers import run
from tests.helpers import END, ClientFactory

SH = ZoneInfo("Asia/Shanghai")


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


def after_midnight_page() -> dict[str, Any]:
    """A diary row made 2026-11-27 16:30 UTC: 00:30 on the 28th in Shanghai, 11:30 on the 27th
    in New York."""
    return {
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
    late = after_midnight_page()
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
