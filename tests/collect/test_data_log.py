"""The whole data.log rendered from a snapshot, line by line."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from diaryflow.collect.data_log import render_snapshot
from diaryflow.diary import Block, Entry, MissingPage, PageDoc, Snapshot
from tests.collect.helpers import PROJECT, blk, page_mention, rt


def doc(page_id: str, title: str, created: datetime, *blocks: Block, **props: Any) -> PageDoc:
    return PageDoc(page_id, title, created, "", {}, props, blocks)


def week() -> Snapshot:
    """Three entries on two days; links repeating the project and an entry; two missing pages."""
    cst = timezone(timedelta(hours=8))
    wednesday = doc(
        "e3", "周三", datetime(2024, 3, 3, 9, tzinfo=cst),
        blk("paragraph", rich_text=[rt("推进 "), page_mention(PROJECT)]),
    )  # fmt: skip
    evening = doc("e1b", "晚上", datetime(2024, 3, 1, 21, tzinfo=cst))
    morning = doc(
        "e1a", "", datetime(2024, 3, 1, 8),  # naive → UTC: 08:00Z is before 21:00+08 (13:00Z)
        blk("heading_1", text="计划"), blk("to_do", text="跑步  "),
        blk("to_do", text="读书", checked=True),
        标题={"type": "title", "title": [rt("早上")]},
        心情={"type": "select", "select": {"name": "平静"}},
    )  # fmt: skip
    project = doc(
        PROJECT, "项目A", datetime(2024, 1, 1, tzinfo=cst),
        blk("paragraph", text="目标\n\n\n\n上线"),
        状态={"type": "status", "status": {"name": "进行中"}},
    )  # fmt: skip
    return Snapshot(
        database_id="db",
        database_title="我的日记",
        timezone="Asia/Shanghai",
        window_start=date(2024, 3, 1),
        window_end=date(2024, 3, 7),
        entries=(
            Entry(wednesday, date(2024, 3, 3)),
            Entry(evening, date(2024, 3, 1)),
            Entry(morning, date(2024, 3, 1)),
        ),
        linked=(project, wednesday, project),
        missing=(MissingPage("deadbeef-00", 404, "not_found"), MissingPage("cafebabe-1", 403, "")),
    )


EXPECTED = [
    "# 我的日记",
    "时间范围: 2024-03-01 – 2024-03-07 · 时区: Asia/Shanghai · 条目: 3",
    "",
    "## 2024-03-01 · 早上",
    "心情: 平静",
    "",
    "### 计划",
    "",
    "- [ ] 跑步",
    "- [x] 读书",
    "",
    "## 2024-03-01 · 晚上",
    "",
    "## 2024-03-03 · 周三",
    "",
    "推进 [[项目A]]",
    "",
    "# 关联页面",
    "",
    "## 项目A",
    "状态: 进行中",
    "",
    "目标",
    "",
    "上线",
    "",
    "注: 无法读取的页面: deadbeef (not_found), cafebabe (HTTP 403)",
]


def test_render_snapshot_line_by_line() -> None:
    snapshot = week()
    rendered = render_snapshot(snapshot)
    assert rendered.split("\n")[:-1] == EXPECTED
    assert rendered == "\n".join(EXPECTED) + "\n"
    assert "心情" not in render_snapshot(snapshot, include_properties=False)


def test_references_mark_the_entry_headings_only() -> None:
    snapshot = week()
    refs = {"e1a": "〔E1〕", "e1b": "〔E2〕", "e3": "〔E3〕", PROJECT: "〔E9〕"}
    marked = render_snapshot(snapshot, refs=refs).split("\n")[:-1]
    expected = {"## 2024-03-01 · 早上": "## 2024-03-01 · 早上 〔E1〕",
                "## 2024-03-01 · 晚上": "## 2024-03-01 · 晚上 〔E2〕",
                "## 2024-03-03 · 周三": "## 2024-03-03 · 周三 〔E3〕"}
    assert marked == [expected.get(line, line) for line in EXPECTED]  # linked pages: unmarked
    assert render_snapshot(snapshot, refs={}) == render_snapshot(snapshot)
