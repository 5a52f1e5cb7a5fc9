"""FlowUs page properties rendered as one compact ``name: value · name: value`` line."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from diaryflow.collect.rich_text import (
    NO_NAMES,
    as_list,
    as_map,
    as_str,
    date_text,
    one_line,
    page_name,
    plain_text,
    render_rich_text,
)

_KINDS = (
    "title", "rich_text", "number", "checkbox", "select", "multi_select", "status", "date",
    "people", "files", "url", "email", "phone_number", "relation", "formula", "rollup",
    "created_time", "last_edited_time", "created_by", "last_edited_by",
)  # fmt: skip
_RESULT_KINDS = ("number", "string", "boolean", "date", "array")
_MAX_NESTING = 8  # rollups of rollups; real data nests once


def _kind(value: Mapping[str, Any]) -> str:
    declared = value.get("type")
    if isinstance(declared, str) and declared:
        return declared
    return next((k for k in _KINDS if k in value), "")


def page_title(properties: Mapping[str, object]) -> str:
    """Plain text of the title-type property, ``""`` if there is none."""
    for value in as_map(properties).values():
        data = as_map(value)
        if _kind(data) == "title":
            return one_line(plain_text(data.get("title")))
    return ""


def render_properties(
    properties: Mapping[str, object],
    titles: Mapping[str, str],
    users: Mapping[str, str] = NO_NAMES,
    skip: Collection[str] = (),
) -> str:
    """Render every non-empty property except the title (and ``skip``) on one line."""
    if isinstance(skip, str):
        skip = (skip,)
    parts = []
    for name, value in as_map(properties).items():
        label = one_line(name) if isinstance(name, str) else ""
        data = as_map(value)
        kind = _kind(data)
        if kind == "title" or label in skip:
            continue
        text = one_line(_value(data, kind, titles, users, 0))
        if text:
            parts.append(f"{label}: {text}" if label else text)
    return " · ".join(parts)


def _value(
    data: Mapping[str, Any],
    kind: str,
    titles: Mapping[str, str],
    users: Mapping[str, str],
    depth: int,
) -> str:
    raw = data.get(kind) if kind else None
    if kind in ("title", "rich_text"):
        return render_rich_text(raw, titles, users)
    if kind in ("select", "status"):
        return as_str(as_map(raw).get("name"))
    if kind == "multi_select":
        return _join(as_str(as_map(option).get("name")) for option in as_list(raw))
    if kind == "date":
        return date_text(raw)
    if kind == "people":
        return _join(_user(person, users) for person in as_list(raw))
    if kind in ("created_by", "last_edited_by"):
        return _user(raw, users)
    if kind == "files":
        return _join(_file_name(file) for file in as_list(raw))
    if kind == "relation":
        names = [f"[[{page_name(_id(ref), titles)}]]" for ref in as_list(raw) if _id(ref)]
        more = ["…"] if data.get("has_more") is True else []
        return _join(names + more)
    if kind in ("formula", "rollup"):
        return _computed(as_map(raw), titles, users, depth)
    return _scalar(raw)


def _computed(
    data: Mapping[str, Any], titles: Mapping[str, str], users: Mapping[str, str], depth: int
) -> str:
    declared = data.get("type")
    kind = declared if isinstance(declared, str) and declared in data else ""
    kind = kind or next((k for k in _RESULT_KINDS if k in data), "")
    raw = data.get(kind)
    if kind == "date":
        return date_text(raw)
    if kind == "array":
        if depth >= _MAX_NESTING:
            return ""
        values = (as_map(item) for item in as_list(raw))
        return _join(_value(v, _kind(v), titles, users, depth + 1) for v in values)
    return _scalar(raw)


def _scalar(raw: object) -> str:
    if isinstance(raw, bool):
        return "✓" if raw else "✗"
    if isinstance(raw, str):
        return raw
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() and abs(raw) < 1e16 else repr(raw)
    if isinstance(raw, int):
        try:
            return str(raw)
        except ValueError:  # beyond Python's int→str digit limit
            return ""
    return ""


def _id(value: object) -> str:
    if isinstance(value, str):
        return one_line(value)
    return one_line(as_str(as_map(value).get("id")))


def _user(value: object, users: Mapping[str, str]) -> str:
    user_id = _id(value)
    known = users.get(user_id) if user_id else None
    if isinstance(known, str) and known.strip():
        return one_line(known)
    return one_line(as_str(as_map(value).get("name"))) or user_id[:8]


def _file_name(value: object) -> str:
    data = as_map(value)
    name = as_str(data.get("name"))
    if name:
        return name
    url = as_str(as_map(data.get("external")).get("url"))
    url = url or as_str(as_map(data.get("file")).get("url"))
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def _join(parts: Iterable[str]) -> str:
    return ", ".join(p for p in (one_line(p) for p in parts) if p)
