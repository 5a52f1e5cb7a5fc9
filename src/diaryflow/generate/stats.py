"""Figures about the window's entries, computed in code so the report never guesses them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from diaryflow.collect.rich_text import as_list, as_map, as_str, one_line, plain_text
from diaryflow.diary import Block, Entry, Snapshot, walk_blocks

UNFILLED = "未填写"
# Single-choice and multi-choice properties; "status" is FlowUs's single choice with groups.
CHOICE_KINDS = frozenset({"select", "multi_select", "status"})


@dataclass(frozen=True)
class Stats:
    """Counts per day and per property value for one window."""

    start: date
    end: date
    days: tuple[date, ...]
    entries_per_day: tuple[int, ...]
    chars_per_day: tuple[int, ...]
    total_entries: int
    total_chars: int
    active_days: int
    selects: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    checkboxes: tuple[tuple[str, int, int], ...]
    excluded: int = 0  # private entries left out: counted here, in no other figure


def block_texts(block: Block) -> list[str]:
    """Plain text of a block's own rich text: ``rich_text``, or each cell of a table row."""
    data = as_map(block.data)
    if block.type == "table_row":
        return [plain_text(cell) for cell in as_list(data.get("cells"))]
    return [plain_text(data.get("rich_text"))]


def entry_chars(entry: Entry) -> int:
    """Non-whitespace characters in the plain text of every rich text of the entry's blocks.

    Counted: each block's ``rich_text`` and each table cell, through the whole tree (mentions
    as their plain text, inline equations as their expression). Not counted: the title,
    properties, captions, equation blocks and media links.
    """
    return sum(
        sum(not ch.isspace() for ch in text)
        for block in walk_blocks(entry.page.blocks)
        for text in block_texts(block)
    )


def compute_stats(snapshot: Snapshot) -> Stats:
    """Entries and characters per day, choice distributions and checkbox completion."""
    entries = snapshot.entries
    start = min([snapshot.window_start, snapshot.window_end, *(e.day for e in entries)])
    end = max([snapshot.window_start, snapshot.window_end, *(e.day for e in entries)])
    days = tuple(start + timedelta(days=i) for i in range((end - start).days + 1))
    counts: Counter[date] = Counter(e.day for e in entries)
    chars: Counter[date] = Counter()
    for entry in entries:
        chars[entry.day] += entry_chars(entry)
    kinds = property_kinds(entries)
    return Stats(
        start=start,
        end=end,
        days=days,
        entries_per_day=tuple(counts[d] for d in days),
        chars_per_day=tuple(chars[d] for d in days),
        total_entries=len(entries),
        total_chars=sum(chars.values()),
        active_days=len(counts),
        selects=tuple(
            (name, _distribution(entries, name)) for name, kind in kinds if kind in CHOICE_KINDS
        ),
        checkboxes=tuple(
            (name, sum(_checked(e, name) for e in entries), len(entries))
            for name, kind in kinds
            if kind == "checkbox"
        ),
        excluded=snapshot.excluded,
    )


def property_kinds(entries: Sequence[Entry]) -> list[tuple[str, str]]:
    """Each property name with its type, in order of first appearance."""
    found: dict[str, str] = {}
    for entry in entries:
        for name, value in as_map(entry.page.properties).items():
            kind = _kind(value)
            if isinstance(name, str) and kind and name not in found:
                found[name] = kind
    return list(found.items())


def choice_names(value: object) -> list[str]:
    """The option names of a select, status or multi_select value (unique, in order)."""
    data = as_map(value)
    kind = _kind(data)
    raw = data.get(kind)
    options = as_list(raw) if kind == "multi_select" else [raw]
    names = (one_line(as_str(as_map(option).get("name"))) for option in options)
    return list(dict.fromkeys(name for name in names if name))


def _kind(value: object) -> str:
    data = as_map(value)
    declared = data.get("type")
    if isinstance(declared, str):
        return declared
    return next((k for k in ("checkbox", *sorted(CHOICE_KINDS)) if k in data), "")


def _distribution(entries: Sequence[Entry], name: str) -> tuple[tuple[str, int], ...]:
    tally: Counter[str] = Counter()
    for entry in entries:
        tally.update(choice_names(as_map(entry.page.properties).get(name)) or [UNFILLED])
    return tuple(sorted(tally.items(), key=lambda item: (-item[1], item[0])))


def _checked(entry: Entry, name: str) -> bool:
    value: Mapping[str, Any] = as_map(as_map(entry.page.properties).get(name))
    return value.get("checkbox") is True
