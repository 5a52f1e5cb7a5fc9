"""Blocks and rich text built for the collect tests; the collect stage run against a sandbox."""

from __future__ import annotations

from datetime import date
from typing import Any

from diaryflow.collect.stage import CollectOptions, collect
from diaryflow.diary import Block, Snapshot, parse_block
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.state.store import Store
from tests.helpers import END, ClientFactory

PROJECT = "3f2a9c1e-0b7d-4c55-9a10-1234567890ab"


def rt(text: str, **ann: object) -> dict[str, Any]:
    return {"type": "text", "text": {"content": text}, "annotations": ann, "plain_text": text}


def blk(kind: str, *children: Block, text: str | None = None, **data: object) -> Block:
    if text is not None:
        data["rich_text"] = [rt(text)]
    return parse_block({"type": kind, "data": data, "has_children": bool(children)}, children)


def page_mention(page_id: str) -> dict[str, Any]:
    return {"type": "mention", "mention": {"type": "page", "page": {"id": page_id}}}


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


def run(
    sandbox: FlowUsSandbox,
    make_client: ClientFactory,
    store: Store,
    end: date = END,
    **changes: Any,
) -> Snapshot:
    return collect(make_client(sandbox), store, options(**changes), end)
