"""The report's closing index: every entry of the period, by date, linked to its page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from diaryflow.collect.rich_text import md_link
from diaryflow.generate.entry_refs import EntryRef, link_label

INDEX_HEADING = "## 本期日记索引"
_WEEKDAYS = "一二三四五六日"


def weekday_name(day: date) -> str:
    """The Chinese name of ``day``'s weekday: 周一 … 周日."""
    return f"周{_WEEKDAYS[day.weekday()]}"


def index_section(entries: Sequence[EntryRef]) -> str:
    """``## 本期日记索引`` and one line per entry (date, weekday, linked title); "" for none."""
    if not entries:
        return ""
    lines = [
        f"- {e.day.isoformat()} {weekday_name(e.day)} · "
        f"{md_link(link_label(e.title), e.url)}"
        for e in entries
    ]
    return "\n".join([INDEX_HEADING, "", *lines]) + "\n"
