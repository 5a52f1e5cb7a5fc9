"""Checks and normalises page property values and rich text sent by clients."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from diaryflow.sandbox.flowus.apierror import bad_request
from diaryflow.sandbox.flowus.workspace import Workspace

JSON = Any
READ_ONLY = (
    "formula",
    "rollup",
    "created_time",
    "created_by",
    "last_edited_time",
    "last_edited_by",
)
ANNOTATIONS = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}
EMPTY: dict[str, JSON] = {
    "title": [],
    "rich_text": [],
    "number": None,
    "select": None,
    "multi_select": [],
    "date": None,
    "people": [],
    "files": [],
    "checkbox": False,
    "url": None,
    "email": None,
    "phone_number": None,
    "relation": [],
    "formula": {"type": "number", "number": None},
    "rollup": {"type": "array", "array": [], "function": "show_original"},
}


def empty_value(prop_type: str) -> dict[str, JSON]:
    """Return the value a page shows for a property nobody filled in."""
    return {"type": prop_type, prop_type: copy.deepcopy(EMPTY.get(prop_type))}


def normalise_rich_text(ws: Workspace, items: JSON) -> list[dict[str, JSON]]:
    """Fill in what the API adds to sent rich text: annotations, plain_text, href."""
    out = []
    for item in items if isinstance(items, list) else []:
        full = copy.deepcopy(item)
        full["annotations"] = {**ANNOTATIONS, **(full.get("annotations") or {})}
        if full.get("type") == "text":
            text = full.setdefault("text", {})
            text.setdefault("link", None)
            full.setdefault("plain_text", text.get("content", ""))
            full.setdefault("href", (text.get("link") or {}).get("url"))
        else:
            full.setdefault("plain_text", _mention_text(ws, full))
            full.setdefault("href", None)
        out.append(full)
    return out


def _mention_text(ws: Workspace, item: dict[str, JSON]) -> str:
    if item.get("type") == "equation":
        return str((item.get("equation") or {}).get("expression", ""))
    mention = item.get("mention") or {}
    if mention.get("type") == "user":
        user = ws.user(str((mention.get("user") or {}).get("id"))) or {}
        return "@" + str(user.get("name", "用户"))
    if mention.get("type") == "date":
        return str((mention.get("date") or {}).get("start", ""))
    page = ws.pages.get(str((mention.get("page") or {}).get("id"))) or {}
    for value in (page.get("properties") or {}).values():
        if value.get("type") == "title":
            return "".join(i.get("plain_text", "") for i in value.get("title", []))
    return "未命名页面"


def normalise_block_data(ws: Workspace, data: dict[str, JSON]) -> dict[str, JSON]:
    """Normalise every rich-text array inside a block's data."""
    out = copy.deepcopy(data)
    for key in ("rich_text", "caption"):
        if key in out:
            out[key] = normalise_rich_text(ws, out[key])
    if "cells" in out:
        out["cells"] = [normalise_rich_text(ws, cell) for cell in out["cells"]]
    return out


def title_only(ws: Workspace, properties: dict[str, JSON]) -> dict[str, JSON]:
    """Keep just the title of properties sent for a page outside any database."""
    for name, value in properties.items():
        if isinstance(value, dict) and (value.get("type") == "title" or name == "title"):
            items = normalise_rich_text(ws, value.get("title"))
            return {"title": {"type": "title", "title": items}}
    return {}


def for_database(
    ws: Workspace, db: dict[str, JSON], properties: dict[str, JSON]
) -> dict[str, JSON]:
    """Check sent values against the database's schema and return them as stored."""
    schema = db.get("properties", {})
    out: dict[str, JSON] = {}
    for name, value in properties.items():
        prop = schema.get(name)
        if prop is None:
            raise bad_request(f"$.properties.{name}: the database has no property {name!r}")
        if not isinstance(value, dict):
            raise bad_request(f"$.properties.{name}: a property value must be an object")
        prop_type = prop["type"]
        if prop_type in READ_ONLY:
            raise bad_request(f"$.properties.{name}: {prop_type} is read-only")
        sent_type = value.get("type", prop_type)
        if sent_type != prop_type or prop_type not in value:
            raise bad_request(f"$.properties.{name}: expected a {prop_type} value")
        out[name] = {"type": prop_type, prop_type: _value(ws, prop, value[prop_type], name)}
    return out


def _value(ws: Workspace, prop: dict[str, JSON], raw: JSON, name: str) -> JSON:
    kind = prop["type"]
    if kind in ("title", "rich_text"):
        return normalise_rich_text(ws, raw)
    if kind == "select":
        return None if raw is None else _option(prop, raw, name)
    if kind == "multi_select":
        return [_option(prop, item, name) for item in raw or []]
    if kind == "date":
        return None if raw is None else {"start": None, "end": None, "time_zone": None, **raw}
    if kind == "people":
        return [{"object": "user", "id": str(person.get("id"))} for person in raw or []]
    if kind == "relation":
        return [{"id": str(item.get("id"))} for item in raw or []]
    return copy.deepcopy(raw)


def _option(prop: dict[str, JSON], raw: JSON, name: str) -> dict[str, JSON]:
    if not isinstance(raw, dict) or not (raw.get("name") or raw.get("id")):
        raise bad_request(f"$.properties.{name}: an option needs a name")
    options = prop.setdefault(prop["type"], {}).setdefault("options", [])
    for option in options:
        if option.get("name") == raw.get("name") or option.get("id") == raw.get("id"):
            return {"id": option["id"], "name": option["name"], "color": option["color"]}
    if not raw.get("name"):
        raise bad_request(f"$.properties.{name}: no option with id {raw.get('id')!r}")
    # As in Notion (unverified for FlowUs), an unknown option name becomes a new option.
    option = {"id": uuid.uuid4().hex[:8], "name": raw["name"], "color": raw.get("color", "default")}
    options.append(option)
    return dict(option)
