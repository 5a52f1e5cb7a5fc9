"""Diaries and snapshots built for the generate tests (and the sample as collect reads it)."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

from diaryflow.collect.stage import CollectOptions, collect
from diaryflow.diary import Block, Entry, PageDoc, Snapshot, parse_block
from diaryflow.flowus.client import FlowUsClient
from diaryflow.sandbox import FlowUsSandbox, sample_workspace
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.state.store import Store
from tests.helpers import END

RUN = date(2026, 11, 27)  # the run date of the report tests


def rt(text: str) -> dict[str, Any]:
    return {"type": "text", "text": {"content": text}, "plain_text": text}


def blk(kind: str, *children: Block, text: str | None = None, **data: object) -> Block:
    if text is not None:
        data["rich_text"] = [rt(text)]
    return parse_block({"type": kind, "data": data, "has_children": bool(children)}, children)


def entry(
    title: str, day: date, *blocks: Block, props: dict[str, Any] | None = None, n: int = 0
) -> Entry:
    properties = {"标题": {"type": "title", "title": [rt(title)]}, **(props or {})}
    page = PageDoc(
        id=f"page-{day.isoformat()}-{n}-{title}",
        title=title,
        created_time=datetime(day.year, day.month, day.day, 1, n, tzinfo=timezone.utc),
        last_edited_time="",
        parent={"type": "database_id", "database_id": "db"},
        properties=properties,
        blocks=blocks,
    )
    return Entry(page, day)


def snapshot(entries: list[Entry], start: date, end: date) -> Snapshot:
    return Snapshot("db", "日记", "Asia/Shanghai", start, end, tuple(entries))


@cache
def sample_snapshot(recent_days: int) -> Snapshot:
    """The sample diary as the collect stage reads it from the sandbox (read once per size)."""
    with (
        FlowUsSandbox(sample_workspace(END), token="t") as sandbox,
        tempfile.TemporaryDirectory() as tmp,
    ):
        client = FlowUsClient.connect(
            "t", sandbox.base_url, reads_per_minute=60_000, writes_per_minute=60_000
        )
        options = CollectOptions(
            database_id=None,
            page_id=ROOT_PAGE_ID,
            date_property="日期",
            timezone="Asia/Shanghai",
            recent_days=recent_days,
        )
        try:
            return collect(client, Store(Path(tmp) / "state.db"), options, END)
        finally:
            client.close()
