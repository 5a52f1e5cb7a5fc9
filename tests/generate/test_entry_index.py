"""The closing index: every entry of the period by date, each linked to its page."""

from __future__ import annotations

from datetime import date

from diaryflow.generate.entry_index import index_section
from diaryflow.generate.entry_refs import EntryRef


def test_one_linked_line_per_entry_in_order() -> None:
    entries = [
        EntryRef("E1", date(2026, 11, 21), "午饭和陈默聊了聊", "https://flowus.cn/ws/a1"),
        EntryRef("E2", date(2026, 11, 21), "读《DDIA》_第九章_", "https://flowus.cn/ws/b2"),
        EntryRef("E3", date(2026, 11, 23), "无标题", "https://flowus.cn/c3"),
    ]
    assert index_section(entries) == (
        "## 本期日记索引\n\n"
        "- 2026-11-21 周六 · [午饭和陈默聊了聊](https://flowus.cn/ws/a1)\n"
        "- 2026-11-21 周六 · [读《DDIA》\\_第九章\\_](https://flowus.cn/ws/b2)\n"
        "- 2026-11-23 周一 · [无标题](https://flowus.cn/c3)\n"
    )


def test_no_entries_no_index() -> None:
    assert index_section([]) == ""
