"""A one-page workspace and the bodies the FlowUs client tests share."""

from __future__ import annotations

from typing import Any

from diaryflow.sandbox import Workspace

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


def title(text: str) -> dict[str, Any]:
    return {"标题": {"type": "title", "title": [{"type": "text", "text": {"content": text}}]}}
