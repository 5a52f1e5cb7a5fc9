"""Statistics against figures computed independently: hand-built snapshots and the sample."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from diaryflow.diary import parse_block
from diaryflow.generate.stats import UNFILLED, compute_stats, entry_chars
from diaryflow.sandbox import Workspace, sample_workspace
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID
from tests.generate.helpers import blk, entry, rt, sample_snapshot, snapshot
from tests.helpers import END

SH = ZoneInfo("Asia/Shanghai")


# ---- property values ----


def select(name: str | None) -> dict[str, Any]:
    return {"type": "select", "select": {"name": name} if name else None}


def multi(*names: str) -> dict[str, Any]:
    return {"type": "multi_select", "multi_select": [{"name": n} for n in names]}


def checkbox(value: bool) -> dict[str, Any]:
    return {"type": "checkbox", "checkbox": value}


# ---- hand-built snapshots ----

D1, D2, D3, D4 = (date(2026, 3, d) for d in (1, 2, 3, 4))


def test_entry_chars_counts_rich_text_only_without_whitespace() -> None:
    table = blk(
        "table",
        parse_block({"type": "table_row", "data": {"cells": [[rt("甲 乙")], [rt("ab")]]}}),
        table_width=2,
    )
    mention = {"type": "mention", "mention": {"type": "user"}, "plain_text": "@小明"}
    e = entry(
        "标题不算",
        D1,
        blk("paragraph", text="今天 天气\n很好"),  # 6
        blk("bulleted_list_item", blk("to_do", text="a b c", checked=True), text="x"),  # 1 + 3
        table,  # 2 + 2
        parse_block({"type": "paragraph", "data": {"rich_text": [rt("见"), mention]}}),  # 1 + 3
        blk("equation", expression="E=mc^2"),  # not rich text
        blk("image", caption=[rt("说明不算")], external={"url": "https://x/y.png"}),
        props={"心情": select("开心")},
    )
    assert entry_chars(e) == 6 + 1 + 3 + 2 + 2 + 1 + 3


def test_hand_built_window() -> None:
    entries = [
        entry("一", D1, blk("paragraph", text="一二三"), n=0,
              props={"分类": select("工作"), "标签": multi("A", "B"), "完成": checkbox(True)}),
        entry("二", D1, blk("paragraph", text="四五"), n=1,
              props={"分类": select("生活"), "标签": multi("A"), "完成": checkbox(False)}),
        entry("三", D3, blk("paragraph", text="abc def"), n=0,
              props={"分类": select(None), "标签": multi(), "完成": checkbox(True)}),
        entry("四", D3, n=1, props={"标签": multi("B", "A")}),
    ]  # fmt: skip
    stats = compute_stats(snapshot(entries, D1, D4))
    assert stats.days == (D1, D2, D3, D4)
    assert stats.entries_per_day == (2, 0, 2, 0)
    assert stats.chars_per_day == (5, 0, 6, 0)
    assert (stats.total_entries, stats.total_chars, stats.active_days) == (4, 11, 2)
    assert stats.selects == (
        ("分类", ((UNFILLED, 2), ("工作", 1), ("生活", 1))),
        ("标签", (("A", 3), ("B", 2), (UNFILLED, 1))),
    )
    assert stats.checkboxes == (("完成", 2, 4),)


def test_empty_window_and_stray_days() -> None:
    empty = compute_stats(snapshot([], D1, D3))
    assert empty.entries_per_day == (0, 0, 0) and empty.selects == () and empty.checkboxes == ()
    assert empty.total_entries == empty.total_chars == empty.active_days == 0
    # An entry outside the declared window still counts: the window grows to hold it.
    stray = compute_stats(snapshot([entry("外", D4, blk("paragraph", text="字"))], D1, D2))
    assert stray.end == D4 and stray.entries_per_day == (0, 0, 0, 1)
    assert stray.total_entries == 1 and stray.total_chars == 1


def test_property_names_are_not_hard_coded() -> None:
    props = {"Mood": select("ok"), "Done?": checkbox(True), "Tags": multi("x")}
    stats = compute_stats(snapshot([entry("e", D1, props=props)], D1, D1))
    assert [name for name, _ in stats.selects] == ["Mood", "Tags"]
    assert stats.checkboxes == (("Done?", 1, 1),)


# ---- the sample workspace, counted straight from its JSON ----


def _page_day(page: dict[str, Any]) -> date:
    value = ((page["properties"].get("日期") or {}).get("date") or {}).get("start")
    if value:
        return datetime.strptime(value[:10].replace("/", "-"), "%Y-%m-%d").date()
    created = datetime.fromisoformat(page["created_time"].replace("Z", "+00:00"))
    return created.astimezone(SH).date()


def _item_text(item: dict[str, Any]) -> str:
    if item.get("type") == "text":
        return str(item["text"]["content"])
    return str(item.get("plain_text") or "")


def _chars(ws: Workspace, container: str) -> int:
    total = 0
    for block in ws.children_list(container) or []:
        data = block.get("data") or block.get(block["type"]) or {}
        runs = data.get("cells", []) if block["type"] == "table_row" else [data.get("rich_text")]
        for run in runs:
            text = "".join(_item_text(item) for item in run or [])
            total += len("".join(text.split()))
        if block["type"] not in ("child_page", "child_database"):
            total += _chars(ws, block["id"])
    return total


@pytest.mark.parametrize("recent_days", [7, 60])
def test_sample_workspace_figures(recent_days: int) -> None:
    ws = sample_workspace(END)
    start = END - timedelta(days=recent_days - 1)
    pages = [
        p for p in ws.to_json()["pages"]
        if p["parent"].get("database_id") == DIARY_DATABASE_ID and not p.get("archived")
        and start <= _page_day(p) <= END
    ]  # fmt: skip
    per_day: Counter[date] = Counter(_page_day(p) for p in pages)
    chars: Counter[date] = Counter()
    for p in pages:
        chars[_page_day(p)] += _chars(ws, p["id"])
    selects: dict[str, Counter[str]] = {}
    checks: dict[str, int] = {}
    for p in pages:
        for name, value in p["properties"].items():
            if value["type"] == "select":
                picked = [(value.get("select") or {}).get("name")]
                selects.setdefault(name, Counter()).update([n or UNFILLED for n in picked])
            elif value["type"] == "multi_select":
                names = [o["name"] for o in value.get("multi_select") or []] or [UNFILLED]
                selects.setdefault(name, Counter()).update(names)
            elif value["type"] == "checkbox":
                checks[name] = checks.get(name, 0) + (value.get("checkbox") is True)

    stats = compute_stats(sample_snapshot(recent_days))
    days = [start + timedelta(days=i) for i in range(recent_days)]
    assert list(stats.days) == days
    assert list(stats.entries_per_day) == [per_day[d] for d in days]
    assert list(stats.chars_per_day) == [chars[d] for d in days]
    assert stats.total_entries == len(pages) and stats.total_chars == sum(chars.values())
    assert stats.active_days == len(per_day)
    assert {name: dict(parts) for name, parts in stats.selects} == {
        name: dict(counter) for name, counter in selects.items()
    }
    for _, parts in stats.selects:
        assert list(parts) == sorted(parts, key=lambda p: (-p[1], p[0]))
    assert set(stats.checkboxes) == {(name, n, len(pages)) for name, n in checks.items()}
    assert stats.total_chars > 0 and len(stats.selects) >= 3
