"""Plain data the pipeline passes between stages: blocks, pages, entries, the snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

JSON = Any
# What a page left out as private is called wherever a kept page mentions or links to it.
HIDDEN_TITLE = "私密页面"


@dataclass(frozen=True)
class Block:
    """One FlowUs block with its type payload normalised under ``data`` and its subtree."""

    id: str
    type: str
    data: Mapping[str, JSON]
    children: tuple[Block, ...] = ()
    has_children: bool = False


@dataclass(frozen=True)
class PageDoc:
    """A page as collected: its raw properties and its full block tree."""

    id: str
    title: str
    created_time: datetime
    last_edited_time: str
    parent: Mapping[str, JSON]
    properties: Mapping[str, JSON]
    blocks: tuple[Block, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class Entry:
    """A diary entry in the window: the page and the day it belongs to."""

    page: PageDoc
    day: date


@dataclass(frozen=True)
class MissingPage:
    """A linked or listed page that could not be read (deleted or no longer shared)."""

    id: str
    status: int | None
    reason: str


@dataclass(frozen=True)
class Snapshot:
    """Everything one report needs: the window's entries and the pages they link to."""

    database_id: str
    database_title: str
    timezone: str
    window_start: date
    window_end: date
    entries: tuple[Entry, ...]
    linked: tuple[PageDoc, ...] = ()
    missing: tuple[MissingPage, ...] = ()
    users: Mapping[str, str] = field(default_factory=dict)
    excluded: int = 0  # entries of the window left out as private: a count, never their text
    hidden: tuple[str, ...] = ()  # ids of the pages left out as private

    def titles(self) -> dict[str, str]:
        """Map every known page id to its title, for rendering mentions and relations."""
        found = dict.fromkeys(self.hidden, HIDDEN_TITLE)
        found.update((e.page.id, e.page.title) for e in self.entries)
        found.update((p.id, p.title) for p in self.linked)
        return found


def block_payload(raw: Mapping[str, JSON]) -> Mapping[str, JSON]:
    """Return a block's type payload, whether sent under ``data`` or under its type name."""
    data = raw.get("data")
    if isinstance(data, Mapping) and data:
        return data
    typed = raw.get(str(raw.get("type", "")))
    if isinstance(typed, Mapping):
        return typed
    return data if isinstance(data, Mapping) else {}


def parse_block(raw: object, children: tuple[Block, ...] = ()) -> Block:
    """Build a :class:`Block` from API JSON of either shape; tolerant of missing fields."""
    if not isinstance(raw, Mapping):
        return Block(id="", type="unsupported", data={})
    block_type = raw.get("type")
    return Block(
        id=str(raw.get("id") or ""),
        type=block_type if isinstance(block_type, str) else "unsupported",
        data=block_payload(raw),
        children=children,
        has_children=bool(raw.get("has_children")),
    )


def blocks_to_json(blocks: tuple[Block, ...]) -> list[dict[str, JSON]]:
    """Serialise a block tree (for the page cache)."""
    return [
        {
            "id": b.id,
            "type": b.type,
            "data": dict(b.data),
            "has_children": b.has_children,
            "children": blocks_to_json(b.children),
        }
        for b in blocks
    ]


def blocks_from_json(items: object) -> tuple[Block, ...]:
    """Rebuild a block tree written by :func:`blocks_to_json`."""
    if not isinstance(items, list):
        return ()
    return tuple(
        parse_block(item, blocks_from_json(item.get("children")))
        for item in items
        if isinstance(item, Mapping)
    )


def walk_blocks(blocks: Iterable[Block]) -> Iterator[Block]:
    """Every block of a tree, depth first, parents before their children."""
    for block in blocks:
        yield block
        yield from walk_blocks(block.children)
