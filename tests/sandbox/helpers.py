"""Constants the sandbox tests share; small requests to the FlowUs sandbox over httpx."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from diaryflow.sandbox.sample.load import ROOT_PAGE_ID

END = date(2025, 6, 30)  # the sample shifted to end here (not tests.helpers.END)
DIARY_ENTRIES = 58  # live (not archived) rows of the sample diary
AUTH = {"Authorization": "Bearer sandbox-token"}


def text(content: str) -> dict[str, Any]:
    return {"type": "text", "text": {"content": content}}


def paragraph(content: str) -> dict[str, Any]:
    return {"type": "paragraph", "data": {"rich_text": [text(content)]}}


def new_page(client: httpx.Client, title: str = "测试页") -> str:
    body = {
        "parent": {"page_id": ROOT_PAGE_ID},
        "properties": {"title": {"type": "title", "title": [text(title)]}},
    }
    r = client.post("/pages", json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def all_children(client: httpx.Client, block_id: str, size: int = 50) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"page_size": size}
    while True:
        body = client.get(f"/blocks/{block_id}/children", params=params).json()
        out += body["results"]
        if not body["has_more"]:
            return out
        params["start_cursor"] = body["next_cursor"]
