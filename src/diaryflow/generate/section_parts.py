"""A page section too long for one model call, split into parts that each fit, losing nothing.

The body is split between top-level blocks; a block too long alone is split between its
lines, and a line too long alone between sentences (or anywhere, as the last resort). Each
part keeps the section's heading, marked ``（第 i/n 部分）``; the first part also carries the
properties.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from diaryflow.collect.data_log import Section
from diaryflow.collect.to_markdown import tidy
from diaryflow.diary import Block
from diaryflow.generate.tokens import estimate_tokens, split_to_tokens

UNIT_GAP = 2  # tokens of the blank line between two units
_WIDEST_MARK = "（第 9999/9999 部分）"


@dataclass(frozen=True)
class _Unit:
    """A piece of a body that is never split further: a top-level block, or a line of text."""

    block: Block | None = None
    line: str = ""


def part_mark(index: int, count: int) -> str:
    """``（第 2/3 部分）``: which part of a split section this is."""
    return f"（第 {index}/{count} 部分）"


def split_section(section: Section, fits: Callable[[str], bool], room: int) -> list[str]:
    """The section's text in parts, each accepted by ``fits``; ``room`` is their rough size.

    ``room`` (tokens) guides the packing; ``fits`` has the final say on each part.
    """
    text = section.text()
    if fits(text):
        return [text]
    units = [*(_Unit(line=line) for line in section.properties.split("\n") if line.strip())]
    units += [_Unit(block=block) for block in section.blocks]
    parts = _pack(section, _fitting_units(section, units, fits, room), fits, room)
    count = len(parts)
    return [_part_text(section, units_, part_mark(i, count)) for i, units_ in enumerate(parts, 1)]


def _fitting_units(
    section: Section, units: list[_Unit], fits: Callable[[str], bool], room: int
) -> list[_Unit]:
    """Every unit that does not fit a part alone is replaced by its lines, or line pieces."""
    out: list[_Unit] = []
    for unit in units:
        if fits(_part_text(section, [unit], _WIDEST_MARK)):
            out.append(unit)
            continue
        text = section.body([unit.block]) if unit.block is not None else unit.line
        for line in text.split("\n"):
            if fits(_part_text(section, [_Unit(line=line)], _WIDEST_MARK)):
                out.append(_Unit(line=line))
            else:
                out += [_Unit(line=piece) for piece in _line_pieces(section, line, fits, room)]
    return out


def _line_pieces(
    section: Section, line: str, fits: Callable[[str], bool], room: int
) -> list[str]:
    """A line too long for one part, in pieces that each fit (shrinking the size if needed)."""
    limit = max(room, 1)
    while True:
        pieces = split_to_tokens(line, limit)
        if limit == 1 or all(fits(_part_text(section, [_Unit(line=p)], _WIDEST_MARK))
                             for p in pieces):
            return pieces
        limit = max(1, limit * 4 // 5)


def _pack(
    section: Section, units: list[_Unit], fits: Callable[[str], bool], room: int
) -> list[list[_Unit]]:
    """Consecutive units grouped by their estimates, then each part checked with ``fits``."""
    parts: list[list[_Unit]] = []
    current: list[_Unit] = []
    spent = 0
    for unit in units:
        cost = _cost(section, unit) + UNIT_GAP
        if current and spent + cost > room:
            parts.append(current)
            current, spent = [], 0
        current.append(unit)
        spent += cost
    if current:
        parts.append(current)
    index = 0
    while index < len(parts):  # a part the estimate let through but ``fits`` refuses
        part = parts[index]
        if len(part) > 1 and not fits(_part_text(section, part, _WIDEST_MARK)):
            if index + 1 == len(parts):
                parts.append([])
            parts[index + 1].insert(0, part.pop())
            continue
        index += 1
    return parts


def _cost(section: Section, unit: _Unit) -> int:
    return estimate_tokens(section.body([unit.block]) if unit.block is not None else unit.line)


def _part_text(section: Section, units: list[_Unit], mark: str) -> str:
    """One part: the heading with its mark, then the units (block runs rendered together)."""
    chunks: list[str] = []
    run: list[Block] = []
    lines: list[str] = []
    for unit in units:
        if unit.block is not None:
            if lines:
                chunks.append("\n".join(lines))
                lines = []
            run.append(unit.block)
        else:
            if run:
                chunks.append(section.body(run))
                run = []
            lines.append(unit.line)
    if run:
        chunks.append(section.body(run))
    if lines:
        chunks.append("\n".join(lines))
    return tidy([section.heading + mark, "", "\n\n".join(chunks)])
