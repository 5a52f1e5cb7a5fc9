"""FlowUs rich text (a list of text, mention and equation items) rendered as inline Markdown."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from types import MappingProxyType
from typing import Any, NamedTuple

NO_NAMES: Mapping[str, str] = MappingProxyType({})
EMPTY: Mapping[str, Any] = MappingProxyType({})

_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})")
_BACKTICKS = re.compile(r"`+")
_AWKWARD_URL = re.compile(r"[ ()<>]")


def as_map(value: object) -> Mapping[str, Any]:
    """Return ``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else EMPTY


def as_list(value: object) -> Sequence[Any]:
    """Return ``value`` if it is a list or tuple, else an empty tuple."""
    return value if isinstance(value, (list, tuple)) else ()


def as_str(value: object) -> str:
    """Return ``value`` with line breaks normalised to ``\\n`` if it is a string, else ``""``."""
    return _BREAKS.sub("\n", value) if isinstance(value, str) else ""


def one_line(text: str) -> str:
    """Collapse all whitespace runs (newlines included) into single spaces."""
    return " ".join(text.split())


def name_of(names: Mapping[str, str], key: str) -> str:
    """Look ``key`` up in a caller's id → name map, tolerating missing or non-string names."""
    found = names.get(key) if key else None
    return found if isinstance(found, str) else ""


def page_name(page_id: str, titles: Mapping[str, str]) -> str:
    """Title of a page by id, else ``页面`` and the id's first 8 characters."""
    return one_line(name_of(titles, page_id)) or (f"页面 {page_id[:8]}" if page_id else "")


def md_link(label: str, url: str) -> str:
    """A Markdown link, percent-encoding the URL characters that would end it early."""
    return f"[{label}]({_AWKWARD_URL.sub(lambda m: f'%{ord(m[0]):02X}', url)})"


def date_text(value: object) -> str:
    """Render a date object ``{start, end}`` (or a bare date string) as ``start → end``."""
    if isinstance(value, str):
        return _norm_date(value)
    data = as_map(value)
    start, end = _norm_date(as_str(data.get("start"))), _norm_date(as_str(data.get("end")))
    if start and end and end != start:
        return f"{start} → {end}"
    return start or end


def _norm_date(text: str) -> str:
    # FlowUs is reported to return YYYY/MM/DD as well as ISO dates.
    text = one_line(text)
    return _SLASH_DATE.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text)


def _items(items: object) -> Sequence[Any]:
    if isinstance(items, (str, Mapping)):
        return (items,)
    return as_list(items)


def _raw_text(item: Mapping[str, Any]) -> str:
    content = as_map(item.get("text")).get("content")
    if isinstance(content, str):
        return as_str(content)
    plain = item.get("plain_text")
    if isinstance(plain, str):
        return as_str(plain)
    return as_str(as_map(item.get("equation")).get("expression"))


def plain_text(items: object) -> str:
    """Concatenate the unformatted text of rich-text items (for titles and code)."""
    parts = (as_str(i) if isinstance(i, str) else _raw_text(as_map(i)) for i in _items(items))
    return "".join(parts)


class _Run(NamedTuple):
    text: str
    bold: bool = False
    italic: bool = False
    strike: bool = False
    code: bool = False
    link: str = ""
    mergeable: bool = True


def render_rich_text(
    items: object, titles: Mapping[str, str], users: Mapping[str, str] = NO_NAMES
) -> str:
    """Render rich-text items as Markdown: annotations, links, mentions and equations."""
    runs: list[_Run] = []
    for item in _items(items):
        run = _run(item, titles, users)
        if not run.text:
            continue
        if runs and run.mergeable and runs[-1].mergeable and runs[-1][1:] == run[1:]:
            # Long text arrives split into ≤2000-char items; one span reads better.
            runs[-1] = runs[-1]._replace(text=runs[-1].text + run.text)
        else:
            runs.append(run)
    return "".join(_format(run) for run in runs)


def _run(item: object, titles: Mapping[str, str], users: Mapping[str, str]) -> _Run:
    if isinstance(item, str):
        return _Run(as_str(item))
    data = as_map(item)
    ann = as_map(data.get("annotations"))
    bold, italic, strike = (ann.get(k) is True for k in ("bold", "italic", "strikethrough"))
    kind = data.get("type")
    if kind == "mention":
        text = _mention(data, titles, users)
        return _Run(text, bold, italic, strike, mergeable=False)
    if kind == "equation":
        expr = one_line(as_str(as_map(data.get("equation")).get("expression")))
        expr = expr or one_line(as_str(data.get("plain_text")))
        return _Run(f"${expr}$" if expr else "", mergeable=False)
    link = as_str(as_map(as_map(data.get("text")).get("link")).get("url")) or as_str(
        data.get("href")
    )
    code = ann.get("code") is True
    return _Run(_raw_text(data), bold, italic, strike, code, one_line(link))


def _mention(item: Mapping[str, Any], titles: Mapping[str, str], users: Mapping[str, str]) -> str:
    mention = as_map(item.get("mention"))
    kind = as_str(mention.get("type"))
    plain = one_line(as_str(item.get("plain_text")))
    target_id = one_line(as_str(as_map(mention.get(kind)).get("id"))) if kind else ""
    if kind in ("page", "database"):
        title = one_line(name_of(titles, target_id)) or plain or page_name(target_id, {})
        return f"[[{title}]]" if title else ""
    if kind == "user":
        name = one_line(name_of(users, target_id)) or plain.removeprefix("@") or target_id[:8]
        return f"@{name}" if name else ""
    if kind == "date":
        return date_text(mention.get("date")) or plain
    return plain


def _format(run: _Run) -> str:
    text = run.text
    if run.code:
        text = _per_line(text, _code_span)
    for flag, mark in ((run.strike, "~~"), (run.italic, "*"), (run.bold, "**")):
        if flag:
            text = _per_line(text, partial(_surround, mark))
    if run.link and text.strip():
        if one_line(text) == run.link and not _AWKWARD_URL.search(run.link):
            return f"<{run.link}>"  # an autolink keeps the link; a bare URL would lose it
        return md_link(text, run.link)
    return text


def _surround(mark: str, core: str) -> str:
    return f"{mark}{core}{mark}"


def _per_line(text: str, wrap: Callable[[str], str]) -> str:
    # Markers must hug non-space text and must not span lines, or Markdown ignores them.
    lines = []
    for line in text.split("\n"):
        core = line.strip()
        if core:
            lead = len(line) - len(line.lstrip())
            line = f"{line[:lead]}{wrap(core)}{line[lead + len(core) :]}"
        lines.append(line)
    return "\n".join(lines)


def _code_span(core: str) -> str:
    fence = "`" * (max((len(m) for m in _BACKTICKS.findall(core)), default=0) + 1)
    pad = " " if core.startswith("`") or core.endswith("`") else ""
    return f"{fence}{pad}{core}{pad}{fence}"
