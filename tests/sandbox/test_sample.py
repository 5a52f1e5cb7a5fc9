"""The bundled sample workspace and the scaled one: shape, edge cases, dates, determinism."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from diaryflow.sandbox import sample_workspace, scaled_workspace
from diaryflow.sandbox.flowus.validation import load_spec
from diaryflow.sandbox.sample.load import (
    DIARY_DATABASE_ID,
    PROBLEM_DATABASE_ID,
    PROJECT_DATABASE_ID,
    render_sample,
    sample_json,
)
from tests.sandbox.helpers import DIARY_ENTRIES, END

BLOCK_TYPES = set(load_spec()["components"]["schemas"]["Block"]["properties"]["type"]["enum"])


def walk(blocks: list[dict[str, Any]], depth: int = 1) -> Iterator[tuple[dict[str, Any], int]]:
    for block in blocks:
        yield block, depth
        yield from walk(block.get("children", []), depth + 1)


def test_sample_covers_every_block_type_and_edge_case() -> None:
    data = sample_json()
    blocks = [pair for page in data["pages"] for pair in walk(page["children"])]
    assert {b["type"] for b, _ in blocks} == BLOCK_TYPES
    deep = {b["type"] for b, depth in blocks if depth >= 3}
    assert {"bulleted_list_item", "numbered_list_item"} <= deep
    assert {b["data"]["language"] for b, _ in blocks if b["type"] == "code"} >= {
        "Python",
        "Mermaid",
        "Markdown",
    }
    assert {b["data"]["checked"] for b, _ in blocks if b["type"] == "to_do"} == {True, False}
    assert sum(b.get("shape") == "typed" for b, _ in blocks) >= 2
    long = [
        b
        for b, _ in blocks
        if sum(len(i["plain_text"]) for i in b["data"].get("rich_text", [])) > 2000
    ]
    assert long and all(len(b["data"]["rich_text"]) > 1 for b in long)
    assert all(
        len(i["text"]["content"]) <= 2000
        for b, _ in blocks
        for i in b["data"].get("rich_text", [])
        if i["type"] == "text"
    )
    items = [i for b, _ in blocks for i in b["data"].get("rich_text", [])]
    assert {i["mention"]["type"] for i in items if i["type"] == "mention"} == {
        "page",
        "user",
        "date",
    }
    assert {k for i in items for k, v in i["annotations"].items() if v is True} >= {
        "bold",
        "italic",
        "strikethrough",
        "code",
    }
    assert any(i["text"]["link"] for i in items if i["type"] == "text")
    header_rows = [b for b, _ in blocks if b["type"] == "table" and b["data"]["has_column_header"]]
    assert header_rows and all(c["type"] == "table_row" for t in header_rows for c in t["children"])


def test_sample_diary_shape() -> None:
    data = sample_json()
    rows = [
        p
        for p in data["pages"]
        if p["parent"].get("database_id") == DIARY_DATABASE_ID and not p["archived"]
    ]
    assert len(rows) == DIARY_ENTRIES and any(len(p["children"]) > 100 for p in rows)
    dates = [p["properties"]["日期"]["date"] for p in rows]
    starts = [d["start"] for d in dates if d]
    assert (
        sum(d is None for d in dates) >= 3
        and sum("/" in s for s in starts) >= 3
        and any("T" in s for s in starts)
    )
    days = {s[:10].replace("/", "-") for s in starts}
    assert len(days) >= 45 and max(days) == data["anchor_date"]
    later = [
        p
        for p in rows
        if p["properties"]["日期"]["date"]
        and p["created_time"][:10] > p["properties"]["日期"]["date"]["start"][:10].replace("/", "-")
    ]
    assert len(later) >= 3
    by_id = {p["id"]: p for p in data["pages"]}
    for name, target in (("关联问题", PROBLEM_DATABASE_ID), ("关联项目", PROJECT_DATABASE_ID)):
        linked = {r["id"] for p in rows for r in p["properties"][name]["relation"]}
        assert linked and all(by_id[i]["parent"]["database_id"] == target for i in linked)
        assert all(by_id[i]["created_time"] < min(p["created_time"] for p in rows) for i in linked)
    project = next(
        p for p in data["pages"] if p["parent"].get("database_id") == PROJECT_DATABASE_ID
    )
    problem = by_id[project["properties"]["关联问题"]["relation"][0]["id"]]
    assert project["id"] in {r["id"] for r in problem["properties"]["关联项目"]["relation"]}


def test_sample_shifts_to_end_date() -> None:
    raw = sample_json()
    shifted = sample_workspace(date(2024, 2, 29)).to_json()
    delta = (date(2024, 2, 29) - date.fromisoformat(raw["anchor_date"])).days
    assert shifted["anchor_date"] == "2024-02-29"
    for before, after in zip(raw["pages"], shifted["pages"], strict=True):
        moved = datetime.fromisoformat(after["created_time"][:-1]) - datetime.fromisoformat(
            before["created_time"][:-1]
        )
        assert moved == timedelta(days=delta)
    starts = [
        p["properties"]["日期"]["date"]["start"]
        for p in shifted["pages"]
        if p["properties"].get("日期", {}).get("date")
    ]
    assert max(s[:10].replace("/", "-") for s in starts) == "2024-02-29"
    assert any(re.fullmatch(r"\d{4}/\d{2}/\d{2}", s) for s in starts)
    assert sample_workspace().data["anchor_date"] >= "2025-01-01"


def test_committed_sample_matches_its_generator() -> None:
    assert json.loads(render_sample()) == sample_json()


def test_scaled_workspace_is_deterministic_and_sized() -> None:
    one = scaled_workspace(entries=12, blocks_per_entry=40, end_date=END)
    two = scaled_workspace(entries=12, blocks_per_entry=40, end_date=END)
    assert one.to_json() == two.to_json()
    rows = one.rows(DIARY_DATABASE_ID)
    assert len(rows) == 12
    assert max(p["properties"]["日期"]["date"]["start"] for p in rows) == END.isoformat()
    for row in rows:
        blocks = list(one.iter_blocks(row["id"]))
        assert 38 <= len(blocks) <= 42
        assert sum(bool(b.get("children")) for b in blocks) >= 6
        assert {"table", "toggle", "bulleted_list_item"} <= {b["type"] for b in blocks}
    assert one.access(PROJECT_DATABASE_ID) is None
    newest = max(rows, key=lambda p: p["created_time"])
    before = newest["last_edited_time"]
    assert one.touch_entries(2)[0] == newest["id"] and newest["last_edited_time"] > before
