"""Blocks and rich text built for the collect tests."""

from __future__ import annotations

from typing import Any

from diaryflow.diary import Block, parse_block

PROJECT = "3f2a9c1e-0b7d-4c55-9a10-1234567890ab"


def rt(text: str, **ann: object) -> dict[str, Any]:
    return {"type": "text", "text": {"content": text}, "annotations": ann, "plain_text": text}


def blk(kind: str, *children: Block, text: str | None = None, **data: object) -> Block:
    if text is not None:
        data["rich_text"] = [rt(text)]
    return parse_block({"type": kind, "data": data, "has_children": bool(children)}, children)


def page_mention(page_id: str) -> dict[str, Any]:
    return {"type": "mention", "mention": {"type": "page", "page": {"id": page_id}}}
