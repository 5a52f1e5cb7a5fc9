"""Block trees rendered as the compact Markdown of ``outputs/data.log``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from diaryflow.collect.properties import page_title, render_properties
from diaryflow.collect.rich_text import (
    NO_NAMES,
    as_list,
    as_map,
    as_str,
    md_link,
    one_line,
    page_name,
    plain_text,
    render_rich_text,
)
from diaryflow.diary import Block

__all__ = [
    "page_title",
    "render_blocks",
    "render_properties",
    "render_rich_text",
]

_LIST_TYPES = frozenset({"bulleted_list_item", "numbered_list_item", "to_do", "toggle"})
_CONTAINERS = frozenset({"column_list", "column", "synced_block", "template"})
_QUOTED = frozenset({"quote", "callout"})
_MEDIA = frozenset({"image", "file", "bookmark", "embed", "video", "audio", "pdf"})
_HEADINGS = {"heading_1": 1, "heading_2": 2, "heading_3": 3}
_PAGE_ICONS = {"child_page": "📄", "child_database": "🗃"}
_MAX_DEPTH = 60  # the API allows 50; deeper junk is cut rather than overflow the stack
_MAX_COLUMNS = 64
_BACKTICKS = re.compile(r"`+")
_ENTRY_HEADING_OFFSET = 2  # entries are "##", so a body's "#" becomes "###"


class _Ctx(NamedTuple):
    titles: Mapping[str, str]
    users: Mapping[str, str]
    heading_offset: int


def render_blocks(
    blocks: Sequence[Block],
    titles: Mapping[str, str],
    users: Mapping[str, str] = NO_NAMES,
    *,
    heading_offset: int = 0,
) -> str:
    """Render a block tree as Markdown; ``heading_offset`` demotes headings (down to ``######``)."""
    offset = heading_offset if isinstance(heading_offset, int) else 0
    return tidy(_sequence(blocks, _Ctx(titles, users, max(offset, 0)), 0))


def _sequence(blocks: object, ctx: _Ctx, depth: int) -> list[str]:
    """Render sibling blocks: list items run together, other blocks are set off by a blank."""
    out: list[str] = []
    previous = ""
    number = 0
    for block in as_list(blocks):
        if not isinstance(block, Block):
            continue
        number = number + 1 if block.type == "numbered_list_item" else 0
        lines = _block(block, ctx, depth, number)
        if not lines:
            number = max(number - 1, 0)
            continue
        if out and not (block.type in _LIST_TYPES and previous in _LIST_TYPES):
            out.append("")
        out.extend(lines)
        previous = block.type
    return out


def _block(block: Block, ctx: _Ctx, depth: int, number: int) -> list[str]:
    kind, data = block.type, as_map(block.data)
    children = block.children if depth < _MAX_DEPTH else ()
    if kind in _CONTAINERS:
        return _sequence(children, ctx, depth + 1)
    if kind == "table":
        return _table(data, children, ctx, depth)
    kids = _sequence(children, ctx, depth + 1)
    head = _head(block, data, ctx, number, bool(kids))
    # A nested list stays tight under its item; any other child is set off by a blank line,
    # or Markdown would run it into the parent's paragraph.
    tight = (kind in _LIST_TYPES or kind in _QUOTED) and children[0].type in _LIST_TYPES \
        if children else True
    gap = [] if tight or not (head and kids) else [""]
    if kind in _QUOTED:
        return [f"> {line}" if line else ">" for line in (*head, *gap, *kids)]
    if kind in _HEADINGS or not head:
        return [*head, *gap, *kids]
    width = len(_marker(kind, data, number)) + 1 if kind == "numbered_list_item" else 2
    return [*head, *gap, *_indent(kids, width)]


def _head(
    block: Block, data: Mapping[str, Any], ctx: _Ctx, number: int, has_kids: bool
) -> list[str]:
    """The block's own lines, without its children."""
    kind = block.type
    text = render_rich_text(data.get("rich_text"), ctx.titles, ctx.users)
    has_text = bool(text.strip())
    if kind in _HEADINGS:
        level = min(_HEADINGS[kind] + ctx.heading_offset, 6)
        return [f"{'#' * level} {one_line(text)}"] if has_text else []
    if kind in _LIST_TYPES:
        return _hang(_marker(kind, data, number), text) if has_text or has_kids else []
    if kind == "callout":
        icon = one_line(as_str(as_map(data.get("icon")).get("emoji"))) or "💡"
        return f"{icon} {text}".split("\n") if has_text or has_kids else []
    if kind == "code":
        return _code(data)
    if kind == "equation":
        return _equation(data)
    if kind == "divider":
        return ["---"]
    if kind in _MEDIA:
        return _media(kind, data)
    if kind == "link_to_page":
        target = as_str(data.get("page_id")) or as_str(data.get("database_id"))
        return [f"→ [[{page_name(one_line(target), ctx.titles)}]]"] if target.strip() else []
    if kind in _PAGE_ICONS:
        title = one_line(as_str(data.get("title"))) or page_name(block.id, ctx.titles)
        return [f"{_PAGE_ICONS[kind]} {title or '无标题'}"]
    if kind == "table_row":
        return _grid([_cells(block, ctx)], 0, header=False)
    return text.split("\n") if has_text else []


def _marker(kind: str, data: Mapping[str, Any], number: int) -> str:
    if kind == "numbered_list_item":
        return f"{number}."
    if kind == "to_do":
        return "- [x]" if data.get("checked") is True else "- [ ]"
    return "- ▸" if kind == "toggle" else "-"


def _hang(marker: str, text: str) -> list[str]:
    first, *rest = text.split("\n")
    width = len(marker) + 1 if marker[:1].isdigit() else 2
    return [f"{marker} {first}", *_indent(rest, width)]


def _indent(lines: list[str], width: int = 2) -> list[str]:
    """Indent continuation lines; a numbered item's content starts after "1. ", not 2 spaces."""
    pad = " " * width
    return [f"{pad}{line}" if line else "" for line in lines]


def _code(data: Mapping[str, Any]) -> list[str]:
    body = plain_text(data.get("rich_text")).strip("\n")
    if not body.strip():
        return []
    language = one_line(as_str(data.get("language"))).lower().replace("`", "")
    language = "text" if language == "plain text" else language.replace(" ", "-")
    fence = "`" * max(3, max(map(len, _BACKTICKS.findall(body)), default=0) + 1)
    return [f"{fence}{language}", *body.split("\n"), fence]


def _equation(data: Mapping[str, Any]) -> list[str]:
    expression = as_str(data.get("expression")) or plain_text(data.get("rich_text"))
    expression = expression.strip()
    if not expression:
        return []
    if "\n" in expression:
        return ["$$", *expression.split("\n"), "$$"]
    return [f"$${expression}$$"]


def _media(kind: str, data: Mapping[str, Any]) -> list[str]:
    hosted = as_map(data.get(as_str(data.get("type")) or "external"))
    found = (hosted, data, as_map(data.get("external")), as_map(data.get("file")))
    url = next((one_line(u) for u in (as_str(f.get("url")) for f in found) if u.strip()), "")
    caption = one_line(plain_text(data.get("caption")))
    if url:
        return [md_link(caption or kind, url)]
    return [f"[{caption}]"] if caption else []


def _table(data: Mapping[str, Any], children: Sequence[Block], ctx: _Ctx, depth: int) -> list[str]:
    rows = [_cells(row, ctx) for row in children if row.type == "table_row"]
    declared = data.get("table_width")
    width = declared if type(declared) is int and 0 < declared <= _MAX_COLUMNS else 0
    lines = _grid(rows, width, header=data.get("has_column_header") is True)
    others = [child for child in children if child.type != "table_row"]
    rest = _sequence(others, ctx, depth + 1)
    return [*lines, *([""] if lines and rest else []), *rest]


def _cells(row: Block, ctx: _Ctx) -> list[str]:
    cells = as_list(as_map(row.data).get("cells"))[:_MAX_COLUMNS]
    return [_cell(cell, ctx) for cell in cells]


def _cell(cell: object, ctx: _Ctx) -> str:
    text = render_rich_text(cell, ctx.titles, ctx.users).replace("|", "\\|")
    return "<br>".join(part for part in (one_line(p) for p in text.split("\n")) if part)


def _grid(rows: list[list[str]], width: int, *, header: bool) -> list[str]:
    width = min(max([width, *(len(row) for row in rows)]), _MAX_COLUMNS)
    if not rows or not width:
        return []
    padded = [row + [""] * (width - len(row)) for row in rows]
    head, body = (padded[0], padded[1:]) if header else ([""] * width, padded)
    return [_row(head), _row(["---"] * width), *(_row(row) for row in body)]


def _row(cells: list[str]) -> str:
    return "|" + "|".join(f" {cell} " if cell else " " for cell in cells) + "|"


def tidy(lines: list[str]) -> str:
    """Join lines, dropping trailing spaces, runs of blank lines and blank ends."""
    out: list[str] = []
    for line in "\n".join(lines).splitlines():
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
