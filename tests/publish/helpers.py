"""Readers of block specs that the publish tests share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from diaryflow.publish.markdown_blocks import BlockSpec


def items(block: BlockSpec, key: str = "rich_text") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = block.data[key]
    return found


def text(block: BlockSpec, key: str = "rich_text") -> str:
    return "".join(item["text"]["content"] for item in items(block, key))


def shape(blocks: Sequence[BlockSpec]) -> list[Any]:
    return [(b.type, text(b) if "rich_text" in b.data else "", shape(b.children)) for b in blocks]
