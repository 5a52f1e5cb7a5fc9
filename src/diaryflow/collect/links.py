"""Pure extraction of the pages an entry links to: relations, mentions, links to pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from diaryflow.diary import Block, walk_blocks


def relation_ids(properties: Mapping[str, Any]) -> list[str]:
    """Ids of the pages named by relation properties, in property order."""
    found: list[str] = []
    for prop in properties.values():
        if isinstance(prop, Mapping) and prop.get("type") == "relation":
            items = prop.get("relation")
            if isinstance(items, list):
                found.extend(_ids(items))
    return _unique(found)


def mentioned_ids(properties: Mapping[str, Any], blocks: Iterable[Block]) -> list[str]:
    """Ids of pages mentioned in text properties and in the block tree, or linked by blocks."""
    found: list[str] = []
    for prop in properties.values():
        if isinstance(prop, Mapping):
            for key in ("title", "rich_text"):
                found.extend(_mentions(prop.get(key)))
    for block in walk_blocks(blocks):
        data = block.data
        found.extend(_mentions(data.get("rich_text")))
        found.extend(_mentions(data.get("caption")))
        cells = data.get("cells")
        if isinstance(cells, list):
            for cell in cells:
                found.extend(_mentions(cell))
        if block.type == "link_to_page" and isinstance(data.get("page_id"), str):
            found.append(data["page_id"])
    return _unique(found)


def _mentions(items: object) -> Iterator[str]:
    if not isinstance(items, list):
        return
    for item in items:
        if not isinstance(item, Mapping) or item.get("type") != "mention":
            continue
        mention = item.get("mention")
        if isinstance(mention, Mapping) and mention.get("type") == "page":
            page = mention.get("page")
            if isinstance(page, Mapping) and isinstance(page.get("id"), str):
                yield page["id"]


def _ids(items: list[Any]) -> Iterator[str]:
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get("id"), str) and item["id"]:
            yield item["id"]


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))
