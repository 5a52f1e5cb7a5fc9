"""A snapshot as the compact Markdown of ``outputs/data.log``: a header, a section per page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timezone

from diaryflow.collect.properties import page_title, render_properties
from diaryflow.collect.rich_text import as_str, one_line
from diaryflow.collect.to_markdown import render_blocks, tidy
from diaryflow.diary import Block, Entry, MissingPage, PageDoc, Snapshot

LINKED_HEADING = "# 关联页面"
BODY_HEADING_OFFSET = 2  # sections are "##", so a body's "#" becomes "###"


@dataclass(frozen=True)
class Section:
    """One page as ``data.log`` shows it: its heading, its properties and its body."""

    page_id: str
    heading: str  # "## 2026-11-27 · 标题" for an entry, "## 标题" for a linked page
    properties: str
    blocks: tuple[Block, ...]
    day: date | None  # None for a linked page
    titles: Mapping[str, str] = field(repr=False, compare=False)
    users: Mapping[str, str] = field(repr=False, compare=False)

    def body(self, blocks: Sequence[Block] | None = None) -> str:
        """The body's Markdown; ``blocks`` renders only some of it."""
        chosen = self.blocks if blocks is None else blocks
        return render_blocks(chosen, self.titles, self.users, heading_offset=BODY_HEADING_OFFSET)

    def text(self) -> str:
        """The whole section's Markdown."""
        return tidy([self.heading, self.properties, "", self.body()])


def entry_sections(
    snapshot: Snapshot, include_properties: bool = True, refs: Mapping[str, str] | None = None
) -> list[Section]:
    """The entries' sections, oldest first; ``refs`` (page id → mark) ends their headings."""
    context = (snapshot.titles(), snapshot.users, include_properties)
    marks = refs or {}
    return [
        _section(entry.page, _entry_heading(entry, marks.get(entry.page.id)), entry.day, *context)
        for entry in ordered_entries(snapshot)
    ]


def ordered_entries(snapshot: Snapshot) -> list[Entry]:
    """The entries in the order ``data.log`` shows them: by day, then creation time."""
    return sorted(snapshot.entries, key=_entry_order)


def _entry_heading(entry: Entry, mark: str | None) -> str:
    heading = f"## {entry.day.isoformat()} · {section_title(entry.page)}"
    return f"{heading} {mark}" if mark else heading


def linked_sections(snapshot: Snapshot, include_properties: bool = True) -> list[Section]:
    """The sections of the linked pages that are not entries themselves, each once."""
    context = (snapshot.titles(), snapshot.users, include_properties)
    shown = {entry.page.id for entry in snapshot.entries}
    found = []
    for page in snapshot.linked:
        if page.id not in shown:
            shown.add(page.id)
            found.append(_section(page, f"## {section_title(page)}", None, *context))
    return found


def header(snapshot: Snapshot, entries: int) -> str:
    """The first two lines: the database, the window, the timezone and the entry count."""
    window = f"{snapshot.window_start.isoformat()} – {snapshot.window_end.isoformat()}"
    return (f"# {one_line(snapshot.database_title) or '日记'}\n"
            f"时间范围: {window} · 时区: {one_line(snapshot.timezone)} · 条目: {entries}")


def missing_note(snapshot: Snapshot) -> str:
    """The line naming the pages that could not be read, or "" when every page was read."""
    return f"注: 无法读取的页面: {_missing(snapshot.missing)}" if snapshot.missing else ""


def assemble(head: str, entries: Sequence[str], linked: Sequence[str], note: str) -> str:
    """Join a header, entry sections, linked-page sections and the missing-pages note."""
    parts = [head, *entries]
    if linked:
        parts += [LINKED_HEADING, *linked]
    if note:
        parts.append(note)
    return tidy("\n\n".join(parts).split("\n")) + "\n"


def render_snapshot(
    snapshot: Snapshot, include_properties: bool = True, refs: Mapping[str, str] | None = None
) -> str:
    """Render the whole ``data.log``: header, entries oldest first, linked pages, missing pages.

    ``refs`` marks each entry's heading (the model's input cites entries by them).
    """
    entries = entry_sections(snapshot, include_properties, refs)
    return assemble(
        header(snapshot, len(entries)),
        [section.text() for section in entries],
        [section.text() for section in linked_sections(snapshot, include_properties)],
        missing_note(snapshot),
    )


def _section(
    page: PageDoc,
    heading: str,
    day: date | None,
    titles: Mapping[str, str],
    users: Mapping[str, str],
    include_properties: bool,
) -> Section:
    properties = render_properties(page.properties, titles, users) if include_properties else ""
    return Section(page.id, heading, properties, page.blocks, day, titles, users)


def _entry_order(entry: Entry) -> tuple[date, float, str]:
    created = entry.page.created_time
    try:
        aware = created if created.tzinfo else created.replace(tzinfo=timezone.utc)
        stamp = aware.timestamp()
    except (AttributeError, OverflowError, ValueError):
        stamp = 0.0
    return entry.day, stamp, entry.page.id


def section_title(page: PageDoc) -> str:
    """The page's title on one line, from its properties if need be, else 无标题."""
    return one_line(as_str(page.title)) or page_title(page.properties) or "无标题"


def _missing(pages: Sequence[MissingPage]) -> str:
    seen: dict[str, str] = {}
    for page in pages:
        reason = one_line(page.reason) or (f"HTTP {page.status}" if page.status else "原因不明")
        seen.setdefault(page.id, f"{page.id[:8]} ({reason})")
    return ", ".join(seen.values())
