"""Markdown (as the LLM writes reports) converted into FlowUs blocks ready to append."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.tasklists import tasklists_plugin

from diaryflow.flowus.colors import COLORS
from diaryflow.publish.markdown_inline import (
    Image,
    Run,
    clean,
    html_text,
    inline_runs,
    plain_items,
    rich_text,
)

__all__ = ["BlockSpec", "batches", "code_language", "count_blocks", "markdown_to_blocks"]

PLAIN_TEXT = "Plain Text"
# The API nests blocks 50 deep; other blocks stop at 49 so a table there still has room for rows.
_MAX_DEPTH = 49
# markdown-it silently drops content nested deeper than maxNesting (20 by default).
_MAX_NESTING = 100
_LANGUAGES: dict[str, tuple[str, ...]] = {
    PLAIN_TEXT: ("text", "txt", "plain", "plaintext", "none", "nohighlight"),
    "Mermaid": ("mermaid", "mmd"),
    "Python": ("python", "py", "python3", "py3", "ipython", "pycon"),
    "JavaScript": ("javascript", "js", "jsx", "mjs", "cjs", "node"),
    "TypeScript": ("typescript", "ts", "tsx", "mts"),
    "Shell": ("shell", "sh", "bash", "zsh", "console", "shellscript", "shell-session", "fish"),
    "PowerShell": ("powershell", "ps1", "pwsh", "ps"),
    "SQL": ("sql", "mysql", "postgresql", "postgres", "psql", "sqlite", "plsql", "tsql"),
    "JSON": ("json", "jsonc", "json5", "jsonl"),
    "YAML": ("yaml", "yml"),
    "Markdown": ("markdown", "md", "gfm"),
    "HTML": ("html", "htm", "xhtml"),
    "CSS": ("css",),
    "SCSS": ("scss",),
    "Sass": ("sass",),
    "Less": ("less",),
    "XML": ("xml", "svg", "xsl", "plist"),
    "Java": ("java",),
    "Kotlin": ("kotlin", "kt", "kts"),
    "Scala": ("scala", "sc"),
    "Groovy": ("groovy", "gradle"),
    "Go": ("go", "golang"),
    "Rust": ("rust", "rs"),
    "C": ("c", "h"),
    "C++": ("cpp", "c++", "cc", "cxx", "hpp", "hh", "hxx"),
    "C#": ("csharp", "cs", "c#"),
    "Objective-C": ("objective-c", "objc", "objectivec", "obj-c"),
    "Swift": ("swift",),
    "Dart": ("dart",),
    "Ruby": ("ruby", "rb"),
    "PHP": ("php",),
    "Perl": ("perl", "pl"),
    "Lua": ("lua",),
    "R": ("r",),
    "Julia": ("julia", "jl"),
    "MATLAB": ("matlab",),
    "Haskell": ("haskell", "hs"),
    "Elixir": ("elixir", "ex", "exs"),
    "Erlang": ("erlang", "erl"),
    "Clojure": ("clojure", "clj"),
    "F#": ("fsharp", "f#", "fs"),
    "OCaml": ("ocaml", "ml"),
    "LaTeX": ("latex", "tex"),
    "Docker": ("docker", "dockerfile"),
    "Makefile": ("makefile", "make", "mk"),
    "Diff": ("diff", "patch"),
    "GraphQL": ("graphql", "gql"),
    "Protobuf": ("protobuf", "proto"),
    "Visual Basic": ("vb", "vba", "vbnet", "visual-basic"),
}
_ALIASES = {
    alias: name
    for name, aliases in _LANGUAGES.items()
    for alias in (*aliases, name.lower(), name.lower().replace(" ", "-"))
}


@dataclass(frozen=True)
class BlockSpec:
    """One block to append: its type, its ``data`` payload and the children to append under it."""

    type: str
    data: Mapping[str, Any]
    children: tuple[BlockSpec, ...] = ()

    def to_api(self) -> dict[str, Any]:
        """The append item ``{"type", "data"}``; children go in later calls under the new block."""
        return {"type": self.type, "data": copy.deepcopy(dict(self.data))}


@dataclass
class _Node:
    """A block token with the tokens between it and its closing token."""

    token: Token
    children: list[_Node] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.token.type.removesuffix("_open")


def _tree(tokens: Sequence[Token]) -> list[_Node]:
    """Nest markdown-it's flat block tokens (a loop, not recursion: nesting is unbounded)."""
    root: list[_Node] = []
    open_lists = [root]
    for token in tokens:
        if token.nesting == 1:
            node = _Node(token)
            open_lists[-1].append(node)
            open_lists.append(node.children)
        elif token.nesting == -1:
            if len(open_lists) > 1:
                open_lists.pop()
        else:
            open_lists[-1].append(_Node(token))
    return root


class _Colors(NamedTuple):
    text_color: str
    background_color: str


def markdown_to_blocks(
    markdown: str, *, text_color: str = "default", background_color: str = "default"
) -> list[BlockSpec]:
    """Convert Markdown into block specs; colours go on every block type that takes them.

    Raises ``ValueError`` for a colour FlowUs does not know; any Markdown string is accepted.
    """
    for name, color in (("text_color", text_color), ("background_color", background_color)):
        if color not in COLORS:
            raise ValueError(f"{name} must be one of {', '.join(COLORS)}, not {color!r}")
    tree = _tree(_parser().parse(clean(markdown)))
    return _blocks(tree, _Colors(text_color, background_color), 1)


def count_blocks(blocks: Sequence[BlockSpec]) -> int:
    """Count blocks including every nested child (what publishing will create)."""
    return sum(1 + count_blocks(block.children) for block in blocks)


def batches(blocks: Sequence[BlockSpec], size: int = 100) -> list[list[BlockSpec]]:
    """Split sibling blocks into consecutive chunks of at most ``size`` (one append call each)."""
    if size < 1:
        raise ValueError(f"batch size must be at least 1, not {size}")
    return [list(blocks[start : start + size]) for start in range(0, len(blocks), size)]


def code_language(info: str) -> str:
    """Map a code fence's info string (``py``, ``c++``, ``mermaid``…) to FlowUs's language name."""
    words = info.split(maxsplit=1)
    word = words[0].lower().strip("{}.,;") if words else ""
    return _ALIASES.get(word.removeprefix("language-"), PLAIN_TEXT)


@functools.cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING})
    return md.enable(["table", "strikethrough"]).use(tasklists_plugin)


def _blocks(nodes: Sequence[_Node], colors: _Colors, depth: int) -> list[BlockSpec]:
    out: list[BlockSpec] = []
    for node in nodes:
        out.extend(_block(node, colors, depth))
    return out


def _block(node: _Node, colors: _Colors, depth: int) -> list[BlockSpec]:
    kind = node.type
    if kind in ("heading", "paragraph"):
        images: list[Image] = []
        runs = inline_runs(_inline(node), images)
        level = min(int(node.token.tag[1:] or 1), 3) if kind == "heading" else 0
        block_type = f"heading_{level}" if level else "paragraph"
        head = [BlockSpec(block_type, _text_data(runs, colors))] if _visible(runs) else []
        return [*head, *map(_image_block, images)]
    if kind in ("bullet_list", "ordered_list"):
        ordered = kind == "ordered_list"
        return [b for item in node.children for b in _item(item, ordered, colors, depth)]
    if kind == "blockquote":
        return _with_text("quote", node, {}, colors, depth)
    if kind in ("fence", "code_block"):
        body = node.token.content.removesuffix("\n")
        language = code_language(node.token.info) if kind == "fence" else PLAIN_TEXT
        return [BlockSpec("code", {"rich_text": plain_items(body), "language": language})]
    if kind == "table":
        return [_table(node)]
    if kind == "hr":
        return [BlockSpec("divider", {})]
    if kind == "html_block":
        text = html_text(node.token.content)
        return [BlockSpec("paragraph", _text_data([Run(text)], colors))] if text else []
    return _blocks(node.children, colors, depth)


def _item(node: _Node, ordered: bool, colors: _Colors, depth: int) -> list[BlockSpec]:
    checked = _task_state(node)
    if checked is not None:
        return _with_text("to_do", node, {"checked": checked}, colors, depth)
    kind = "numbered_list_item" if ordered else "bulleted_list_item"
    return _with_text(kind, node, {}, colors, depth)


def _with_text(
    kind: str, node: _Node, extra: Mapping[str, Any], colors: _Colors, depth: int
) -> list[BlockSpec]:
    """A container block: its first paragraph is its text, everything after are its children."""
    rest = list(node.children)
    images: list[Image] = []
    runs: list[Run] = []
    if rest and rest[0].type == "paragraph":
        runs = inline_runs(_inline(rest.pop(0)), images)
    data = {**_text_data(runs, colors), **extra}
    nested = depth < _MAX_DEPTH
    kids = [*map(_image_block, images), *_blocks(rest, colors, depth + 1 if nested else depth)]
    if nested:
        return [BlockSpec(kind, data, tuple(kids))]
    # Too deep for the API: the children follow their parent as siblings instead.
    return [BlockSpec(kind, data), *kids]


def _task_state(item: _Node) -> bool | None:
    """``checked`` of a task-list item, ``None`` for an ordinary list item."""
    if "task-list-item" not in str(item.token.attrs.get("class", "")).split():
        return None
    inline = _inline(item.children[0]) if item.children else None
    box = inline.children[0] if inline is not None and inline.children else None
    return box is not None and box.type == "html_inline" and 'checked="checked"' in box.content


def _table(node: _Node) -> BlockSpec:
    rows = [
        [rich_text(inline_runs(_inline(cell), None)) for cell in row.children]
        for section in node.children
        for row in section.children
    ]
    width = max([1, *map(len, rows)])
    data = {"table_width": width, "has_column_header": True, "has_row_header": False}
    cells = (row + [[] for _ in range(width - len(row))] for row in rows)
    return BlockSpec("table", data, tuple(BlockSpec("table_row", {"cells": c}) for c in cells))


def _image_block(image: Image) -> BlockSpec:
    # "type" is what FlowUs documents for file-like blocks (file | external), although the
    # spec's BlockData omits it; see sandbox/SPEC_GAPS.md.
    data = {"type": "external", "external": {"url": image.url}, "caption": plain_items(image.alt)}
    return BlockSpec("image", data)


def _inline(node: _Node) -> Token | None:
    return next((child.token for child in node.children if child.type == "inline"), None)


def _visible(runs: Sequence[Run]) -> bool:
    return any(run.text.strip() or run.style.code for run in runs)


def _text_data(runs: Sequence[Run], colors: _Colors) -> dict[str, Any]:
    return {
        "rich_text": rich_text(runs),
        "text_color": colors.text_color,
        "background_color": colors.background_color,
    }
