"""Property tests: arbitrary JSON where API data goes never crashes and renders stably."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from diaryflow.collect.data_log import render_snapshot
from diaryflow.collect.to_markdown import render_blocks, render_properties, render_rich_text
from diaryflow.diary import Block, Entry, PageDoc, Snapshot, parse_block

PROJECT = "3f2a9c1e-0b7d-4c55-9a10-1234567890ab"
TITLES = {PROJECT: "项目A"}
IDS = [PROJECT, "abcdefghij", ""]
BLOCK_TYPES = [
    "paragraph", "heading_1", "heading_2", "heading_3", "bulleted_list_item",
    "numbered_list_item", "to_do", "quote", "toggle", "code", "image", "file", "bookmark",
    "embed", "callout", "equation", "link_to_page", "template", "synced_block", "divider",
    "column_list", "column", "table", "table_row", "child_page", "child_database", "weird",
]  # fmt: skip
PROPERTY_TYPES = [
    "select", "rich_text", "number", "checkbox", "title", "multi_select", "status", "date",
    "people", "files", "url", "email", "phone_number", "relation", "formula", "rollup",
    "created_time", "last_edited_time", "created_by", "last_edited_by", "mystery",
]  # fmt: skip
FUZZ = settings(max_examples=200, deadline=None)


@st.composite
def mostly(draw: st.DrawFn, usual: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> Any:
    """Draw from ``usual`` about three times in four, else from ``other``."""
    # one_of(usual, usual, other) would not weight: one_of drops repeated branches.
    return draw(usual if draw(st.integers(0, 3)) < 3 else other)


def keyed(kind: object, value: object, keyed_by_type: bool) -> dict[str, Any]:
    """A block in the ``data`` shape, or in the type-keyed shape when asked and possible."""
    return {"type": kind, kind if keyed_by_type and isinstance(kind, str) else "data": value}


def rollup(items: list[Any]) -> dict[str, Any]:
    return {"type": "rollup", "rollup": {"type": "array", "array": items}}


scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
junk = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=5,
)
texts = mostly(st.text(max_size=30), scalars)
ref = mostly(st.fixed_dictionaries({"id": st.sampled_from(IDS)}), junk)
named = st.fixed_dictionaries(
    {"name": mostly(st.text(min_size=1, max_size=8), scalars), "id": st.sampled_from(IDS)},
    optional={
        "start": texts,
        "end": texts,
        "type": st.sampled_from(["number", "string", "date"]),
        "number": st.integers() | st.floats(),
        "string": texts,
    },
)
mention = st.fixed_dictionaries(
    {"type": st.sampled_from(["page", "user", "date", "?"])},
    optional={"page": ref, "user": ref, "date": mostly(named, junk)},
)
styles = st.dictionaries(
    st.sampled_from(["bold", "italic", "strikethrough", "code"]), st.booleans()
)
rich_item = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "text", "mention", "equation", None, 3])},
    optional={
        "text": mostly(st.fixed_dictionaries({"content": texts}, optional={"link": ref}), junk),
        "mention": mostly(mention, junk),
        "equation": st.fixed_dictionaries({"expression": texts}),
        "annotations": mostly(styles, junk),
        "plain_text": texts,
        "href": texts,
    },
)
rich_text = mostly(st.lists(rich_item, min_size=1, max_size=2), junk)
block_data = st.fixed_dictionaries(
    {"rich_text": rich_text},
    optional={
        "checked": mostly(st.booleans(), scalars),
        "language": texts,
        "url": texts,
        "icon": junk,
        "expression": texts,
        "page_id": texts,
        "title": texts,
        "caption": rich_text,
        "cells": mostly(st.lists(rich_text, max_size=2), junk),
        "table_width": st.integers(),
        "has_column_header": mostly(st.booleans(), scalars),
        "type": st.sampled_from(["file", "external"]),
        "external": ref,
        "file": ref,
    },
)
raw_block = st.builds(
    keyed, st.sampled_from([*BLOCK_TYPES, None, 7]), mostly(block_data, junk), st.booleans()
)
trees = st.recursive(
    raw_block.map(parse_block),
    lambda kids: st.builds(
        lambda r, c: parse_block(r, tuple(c)), raw_block, st.lists(kids, max_size=3)
    ),
    max_leaves=5,
)
blocks = st.lists(mostly(trees, junk.map(parse_block)), max_size=3)
PROPERTY_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "title": rich_text,
    "rich_text": rich_text,
    "number": st.integers() | st.floats(),
    "checkbox": st.booleans(),
    **dict.fromkeys(["select", "status", "date", "created_by", "formula", "rollup"], named),
    **dict.fromkeys(["multi_select", "people", "files", "relation"], st.lists(named, max_size=3)),
}
plain_value = st.sampled_from([*PROPERTY_TYPES, None, 1]).flatmap(
    lambda kind: st.fixed_dictionaries(
        {"type": st.just(kind), str(kind): mostly(PROPERTY_VALUES.get(str(kind), texts), junk)},
        optional={"has_more": scalars},
    )
)
prop_value = mostly(plain_value, st.builds(rollup, st.lists(plain_value, max_size=3)))
properties = mostly(
    st.dictionaries(st.text(max_size=4), mostly(prop_value, junk), min_size=1, max_size=4), junk
)


def assert_compact(text: str) -> None:
    assert "\n\n\n" not in text
    assert all(line == line.rstrip() for line in text.split("\n"))


@FUZZ
@given(blocks)
def test_render_blocks_never_raises_and_is_deterministic(tree: list[Block]) -> None:
    first = render_blocks(tree, TITLES)
    assert first == render_blocks(tree, TITLES)
    assert_compact(first)


@FUZZ
@given(rich_text)
def test_render_rich_text_never_raises_and_is_deterministic(items: object) -> None:
    assert render_rich_text(items, TITLES) == render_rich_text(items, TITLES)


@FUZZ
@given(properties)
def test_render_properties_never_raises_and_is_deterministic(props: Any) -> None:
    line = render_properties(props, TITLES)
    assert line == render_properties(props, TITLES)
    assert "\n" not in line


@settings(max_examples=60, deadline=None)  # a whole document per example: costly to draw
@given(st.lists(st.tuples(properties, blocks), max_size=2))
def test_render_snapshot_of_junk_is_compact(pages: list[tuple[Any, list[Block]]]) -> None:
    docs = [
        PageDoc(f"p{i}", "", datetime(2024, 1, 1), "", {}, props, tuple(tree))
        for i, (props, tree) in enumerate(pages)
    ]
    day = date(2024, 1, 1)
    entries = tuple(Entry(doc, day) for doc in docs)
    snapshot = Snapshot("db", "", "UTC", day, day, entries, linked=tuple(docs))
    text = render_snapshot(snapshot)
    assert text == render_snapshot(snapshot)
    assert text.endswith("\n")
    assert not text.endswith("\n\n")
    assert_compact(text)
