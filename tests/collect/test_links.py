"""Which pages an entry links to: relations, mentions and links to pages."""

from __future__ import annotations

from diaryflow.collect.links import mentioned_ids, relation_ids
from diaryflow.diary import Block


def mention(page_id: str) -> dict[str, object]:
    return {"type": "mention", "mention": {"type": "page", "page": {"id": page_id}}}


def test_relation_ids_in_property_order_without_duplicates() -> None:
    props = {
        "关联项目": {"type": "relation", "relation": [{"id": "p1"}, {"id": "p2"}]},
        "分类": {"type": "select", "select": {"name": "工作"}},
        "关联问题": {"type": "relation", "relation": [{"id": "q1"}, {"id": "p1"}, {"bad": 1}]},
        "坏的": {"type": "relation", "relation": None},
    }
    assert relation_ids(props) == ["p1", "p2", "q1"]


def test_mentions_found_everywhere_in_the_tree() -> None:
    nested = Block("b3", "paragraph", {"rich_text": [mention("m3")]})
    blocks = (
        Block("b1", "paragraph", {"rich_text": [{"type": "text"}, mention("m1")]}),
        Block("b2", "toggle", {"rich_text": []}, children=(nested,)),
        Block("b4", "link_to_page", {"page_id": "m4"}),
        Block("b5", "table_row", {"cells": [[mention("m5")], []]}),
        Block("b6", "image", {"caption": [mention("m6")]}),
        Block("b7", "paragraph", {"rich_text": [{"type": "mention", "mention": {"type": "user"}}]}),
    )
    props = {"备注": {"type": "rich_text", "rich_text": [mention("m0")]}}
    assert mentioned_ids(props, blocks) == ["m0", "m1", "m3", "m4", "m5", "m6"]
