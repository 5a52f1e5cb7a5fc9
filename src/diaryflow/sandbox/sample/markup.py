"""A small line markup the sample's texts are written in, turned into FlowUs blocks.

Block lines (two spaces of indent nest a line under the one above)::

    # / ## / ###   heading_1..3        - x        bulleted_list_item
    1. x           numbered_list_item  [ ] x/[x] x to_do
    > x            quote               >> x        toggle
    ! 💡 x         callout (emoji)     ---         divider
    $$ expr        equation            | a | b |   table_row (under ::table)
    ```Lang ... ```                    code block, language as FlowUs names it
    ::image URL | caption   ::file URL | caption   ::bookmark URL | caption
    ::embed URL | caption   ::link KEY   ::page KEY   ::database KEY
    ::columns / ::column    ::table [rowheader]    ::template label
    ::synced KEY            ::synced-ref KEY       ~typed <line>  (serve type-keyed)

Inline: **bold** *italic* ~~strike~~ `code` __underline__ [text](url) $equation$
@page(KEY) @user(KEY) @date(N) (N days after the page's own day).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

JSON = Any
CHUNK = 1800  # split long text well under the API's 2000 characters per item
_INLINE = re.compile(
    r"\*\*(?P<b>.+?)\*\*|~~(?P<s>.+?)~~|`(?P<c>[^`]+)`|__(?P<u>.+?)__|\*(?P<i>[^*\s][^*]*?)\*"
    r"|\[(?P<lt>[^\]]+)\]\((?P<lu>[^)\s]+)\)|@page\((?P<pg>[\w-]+)\)|@user\((?P<us>[\w-]+)\)"
    r"|@date\((?P<dt>[-+]?\d+)\)|\$(?P<eq>[^$]+)\$"
)
_SIMPLE = {"# ": "heading_1", "## ": "heading_2", "### ": "heading_3", "- ": "bulleted_list_item"}
_SIMPLE.update({">> ": "toggle", "> ": "quote"})


class Refs(Protocol):
    """What the markup needs from the builder: ids, titles, dates."""

    def block_id(self) -> str:
        """Return a fresh block id."""

    def page(self, key: str) -> tuple[str, str, str]:
        """Return (id, title, url) of a page key."""

    def user(self, key: str) -> tuple[str, str]:
        """Return (id, name) of a user key."""

    def day(self, offset: int) -> str:
        """Return the ISO date ``offset`` days from the anchor."""

    def database(self, key: str) -> tuple[str, str]:
        """Return (id, title) of a database key."""

    def child_page(self, key: str) -> tuple[str, str]:
        """Register a sub-page of the page being built; return (id, title)."""

    def synced(self, key: str) -> str:
        """Return the block id of a synced block's original."""

    def expiry(self) -> str:
        """Return an expiry_time for an uploaded file's temporary URL."""


def _annotations(**on: bool) -> dict[str, JSON]:
    base: dict[str, JSON] = {key: False for key in ("bold", "italic", "strikethrough")}
    base.update(underline=False, code=False, color="default")
    base.update(on)
    return base


def text_items(
    content: str, link: str | None = None, style: str | None = None
) -> list[dict[str, JSON]]:
    """Build text items for ``content`` (``style`` names one annotation), split in chunks."""
    on = {style: True} if style else {}
    pieces = [content[i : i + CHUNK] for i in range(0, len(content), CHUNK)] or [""]
    return [
        {
            "type": "text",
            "text": {"content": piece, "link": {"url": link} if link else None},
            "annotations": _annotations(**on),
            "plain_text": piece,
            "href": link,
        }
        for piece in pieces
    ]


def _mention(kind: str, payload: dict[str, JSON], shown: str, href: str | None) -> JSON:
    return {
        "type": "mention",
        "mention": {"type": kind, kind: payload},
        "annotations": _annotations(),
        "plain_text": shown,
        "href": href,
    }


def inline(text: str, refs: Refs) -> list[dict[str, JSON]]:
    """Parse inline markup into a rich-text array."""
    items: list[dict[str, JSON]] = []
    pos = 0
    for match in _INLINE.finditer(text):
        if match.start() > pos:
            items += text_items(text[pos : match.start()])
        pos = match.end()
        g = match.groupdict()
        if g["pg"]:
            page_id, title, url = refs.page(g["pg"])
            items.append(_mention("page", {"id": page_id}, title, url))
        elif g["us"]:
            user_id, name = refs.user(g["us"])
            items.append(_mention("user", {"id": user_id}, "@" + name, None))
        elif g["dt"]:
            day = refs.day(int(g["dt"]))
            items.append(
                _mention("date", {"start": day, "end": None, "time_zone": None}, day, None)
            )
        elif g["eq"]:
            expr = g["eq"]
            items.append(
                {
                    "type": "equation",
                    "equation": {"expression": expr},
                    "annotations": _annotations(),
                    "plain_text": expr,
                    "href": None,
                }
            )
        elif g["lt"]:
            items += text_items(g["lt"], link=g["lu"])
        else:
            flag = {"b": "bold", "s": "strikethrough", "c": "code", "u": "underline", "i": "italic"}
            key = next(k for k in flag if g[k])
            items += text_items(g[key], style=flag[key])
    if pos < len(text) or not items:
        items += text_items(text[pos:])
    return items


def _text_data(text: str, refs: Refs, **extra: JSON) -> dict[str, JSON]:
    return {
        "rich_text": inline(text, refs),
        "text_color": "default",
        "background_color": "default",
    } | extra


def _media(kind: str, args: str, refs: Refs) -> dict[str, JSON]:
    url, _, caption = (part.strip() for part in args.partition("|"))
    captions = inline(caption, refs) if caption else []
    if kind == "image":
        return {"type": "external", "external": {"url": url}, "caption": captions}
    if kind == "file":
        return {
            "type": "file",
            "file": {"url": url, "expiry_time": refs.expiry()},
            "caption": captions,
        }
    return {"url": url, "caption": captions}


def _directive(name: str, args: str, refs: Refs) -> tuple[str, dict[str, JSON], str | None]:
    """Return (type, data, id override) for a ``::name args`` line."""
    if name in ("image", "file", "bookmark", "embed"):
        return name, _media(name, args, refs), None
    if name == "link":
        return "link_to_page", {"page_id": refs.page(args)[0]}, None
    if name == "page":
        page_id, title = refs.child_page(args)
        return "child_page", {"title": title}, page_id
    if name == "database":
        db_id, title = refs.database(args)
        return "child_database", {"title": title}, db_id
    if name == "columns":
        return "column_list", {}, None
    if name == "column":
        return "column", {}, None
    if name == "table":
        header = {"has_column_header": True, "has_row_header": args == "rowheader"}
        return "table", {"table_width": 0, **header}, None
    if name == "template":
        return "template", {"rich_text": inline(args, refs)}, None
    if name == "synced":
        return "synced_block", {}, refs.synced(args)
    if name == "synced-ref":
        return "synced_block", {"synced_from": {"block_id": refs.synced(args)}}, None
    raise ValueError(f"unknown directive ::{name}")


def _line_block(line: str, refs: Refs) -> dict[str, JSON]:
    typed = line.startswith("~typed ")
    line = line.removeprefix("~typed ")
    block_id: str | None = None
    numbered = re.match(r"\d+\. ", line)
    todo = re.match(r"\[( |x)\] ", line)
    if line.startswith("::"):
        name, _, args = line[2:].partition(" ")
        kind, data, block_id = _directive(name, args.strip(), refs)
    elif line == "---":
        kind, data = "divider", {}
    elif line.startswith("$$ "):
        kind, data = "equation", {"expression": line[3:].strip()}
    elif line.startswith("! "):
        emoji, _, rest = line[2:].partition(" ")
        icon = {"type": "emoji", "emoji": emoji}
        kind, data = "callout", _text_data(rest, refs, icon=icon, background_color="yellow")
    elif line.startswith("|"):
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        kind, data = "table_row", {"cells": [inline(cell, refs) for cell in cells]}
    elif numbered:
        kind, data = "numbered_list_item", _text_data(line[numbered.end() :], refs)
    elif todo:
        kind = "to_do"
        data = _text_data(line[todo.end() :], refs, checked=todo.group(1) == "x")
    else:
        prefix = next((p for p in sorted(_SIMPLE, key=len, reverse=True) if line.startswith(p)), "")
        kind = _SIMPLE.get(prefix, "paragraph")
        data = _text_data(line[len(prefix) :], refs)
    block: dict[str, JSON] = {"id": block_id or refs.block_id(), "type": kind, "data": data}
    if typed:
        block["shape"] = "typed"
    return block


def parse_blocks(text: str, refs: Refs) -> list[dict[str, JSON]]:
    """Turn a markup text into a list of top-level blocks with nested ``children``."""
    lines = text.strip("\n").split("\n")
    top: list[dict[str, JSON]] = []
    stack: list[tuple[int, dict[str, JSON]]] = []
    index = 0
    while index < len(lines):
        raw = lines[index]
        index += 1
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if line.startswith("```"):
            body: list[str] = []
            while index < len(lines) and lines[index].strip() != "```":
                body.append(
                    lines[index][indent:]
                    if lines[index][:indent].isspace()
                    else lines[index].lstrip()
                )
                index += 1
            index += 1
            code = "\n".join(body)
            data = {
                "rich_text": text_items(code),
                "language": line[3:].strip() or "Plain Text",
                "caption": [],
            }
            block: dict[str, JSON] = {"id": refs.block_id(), "type": "code", "data": data}
        else:
            block = _line_block(line, refs)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        (stack[-1][1].setdefault("children", []) if stack else top).append(block)
        stack.append((indent, block))
    _size_tables(top)
    return top


def _size_tables(blocks: list[dict[str, JSON]]) -> None:
    for block in blocks:
        if block["type"] == "table":
            rows = block.get("children", [])
            block["data"]["table_width"] = len(rows[0]["data"]["cells"]) if rows else 0
        _size_tables(block.get("children", []))


def plain_text(blocks: list[dict[str, JSON]]) -> str:
    """Concatenate the visible text of a block tree (for word counts and text pools)."""
    parts: list[str] = []
    for block in blocks:
        data = block.get("data", {})
        for item in data.get("rich_text", []):
            parts.append(item.get("plain_text", ""))
        for cell in data.get("cells", []):
            parts.extend(item.get("plain_text", "") for item in cell)
        parts.append(plain_text(block.get("children", [])))
    return "".join(parts)
