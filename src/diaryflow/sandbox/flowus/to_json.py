"""Turns stored workspace objects into the API's JSON: Database, Page, Block, search hits."""

from __future__ import annotations

import copy
from typing import Any

from diaryflow.sandbox.flowus.property_checks import ANNOTATIONS
from diaryflow.sandbox.flowus.workspace import Workspace

JSON = Any
TEXT_TYPES = ("title", "rich_text")


def user_ref(user_id: object) -> dict[str, JSON]:
    """Render a User reference."""
    return {"object": "user", "id": str(user_id)}


def rich_text(content: str) -> list[dict[str, JSON]]:
    """Render a plain string as a one-item rich-text array."""
    return [
        {
            "type": "text",
            "text": {"content": content, "link": None},
            "annotations": dict(ANNOTATIONS),
            "plain_text": content,
            "href": None,
        }
    ]


def plain(items: object) -> str:
    """Concatenate the plain text of a rich-text array."""
    if not isinstance(items, list):
        return ""
    parts = []
    for item in items:
        if isinstance(item, dict):
            text = item.get("plain_text")
            if text is None:
                text = (item.get("text") or {}).get("content", "")
            parts.append(str(text))
    return "".join(parts)


def page_title(page: dict[str, JSON]) -> str:
    """Return a page's title as plain text."""
    for value in (page.get("properties") or {}).values():
        if isinstance(value, dict) and value.get("type") == "title":
            return plain(value.get("title"))
    return ""


def database_json(ws: Workspace, db: dict[str, JSON]) -> dict[str, JSON]:
    """Render the spec's Database object."""
    return {
        "object": "database",
        "id": db["id"],
        "created_time": db.get("created_time"),
        "created_by": user_ref(db.get("created_by", ws.data.get("me"))),
        "last_edited_time": db.get("last_edited_time", db.get("created_time")),
        "last_edited_by": user_ref(db.get("created_by", ws.data.get("me"))),
        "title": rich_text(str(db.get("title", ""))),
        "icon": copy.deepcopy(db.get("icon")),
        "cover": None,
        "properties": copy.deepcopy(db.get("properties", {})),
        "parent": copy.deepcopy(db.get("parent")),
        "url": ws.page_url(db["id"]),
        "archived": bool(db.get("archived")),
        "is_inline": bool(db.get("is_inline")),
    }


def properties_json(ws: Workspace, page: dict[str, JSON]) -> dict[str, JSON]:
    """Render a page's property values, each carrying its schema property id."""
    db = ws.databases.get(str((page.get("parent") or {}).get("database_id")))
    schema = (db or {}).get("properties", {})
    out: dict[str, JSON] = {}
    for name, value in (page.get("properties") or {}).items():
        rendered = copy.deepcopy(value)
        prop_id = (schema.get(name) or {}).get("id") or ("title" if name == "title" else name)
        out[name] = {"id": prop_id, **rendered}
    return out


def page_json(ws: Workspace, page: dict[str, JSON]) -> dict[str, JSON]:
    """Render the spec's Page object (snake_case)."""
    creator = page.get("created_by", ws.data.get("me"))
    return {
        "object": "page",
        "id": page["id"],
        "created_time": page["created_time"],
        "created_by": user_ref(creator),
        "last_edited_time": page.get("last_edited_time", page["created_time"]),
        "last_edited_by": user_ref(page.get("last_edited_by", creator)),
        "archived": bool(page.get("archived")),
        "properties": properties_json(ws, page),
        "parent": copy.deepcopy(page.get("parent")),
        "url": page.get("url") or ws.page_url(page["id"]),
        "icon": copy.deepcopy(page.get("icon")),
        "cover": copy.deepcopy(page.get("cover")),
    }


def created_page_json(ws: Workspace, page: dict[str, JSON]) -> dict[str, JSON]:
    """Render the camelCase CreatePageResponse the create call answers with."""
    full = page_json(ws, page)
    return {
        "object": "page",
        "id": full["id"],
        "createdAt": full["created_time"],
        "createdBy": full["created_by"],
        "updatedAt": full["last_edited_time"],
        "updatedBy": full["last_edited_by"],
        "archived": full["archived"],
        "properties": full["properties"],
        "parent": full["parent"],
        "url": full["url"],
    }


def search_hit_json(ws: Workspace, page: dict[str, JSON]) -> dict[str, JSON]:
    """Render a V1SearchPageResult: the title always sits under ``properties.title``."""
    return {
        "object": "page",
        "id": page["id"],
        "created_time": page["created_time"],
        "last_edited_time": page.get("last_edited_time", page["created_time"]),
        "parent": copy.deepcopy(page.get("parent")),
        "archived": bool(page.get("archived")),
        "properties": {"title": {"type": "title", "title": rich_text(page_title(page))}},
    }


def _parent_ref(ws: Workspace, container_id: str) -> dict[str, JSON]:
    if container_id in ws.pages:
        return {"type": "page_id", "page_id": container_id}
    return {"type": "block_id", "block_id": container_id}


def block_json(ws: Workspace, block: dict[str, JSON]) -> dict[str, JSON]:
    """Render the spec's Block object, type-keyed instead of ``data`` when marked typed."""
    block_id = block["id"]
    owner = ws.pages.get(ws.owner_page(ws.parents.get(block_id) or block_id) or "") or {}
    created = block.get("created_time") or owner.get("created_time")
    creator = user_ref(owner.get("created_by", ws.data.get("me")))
    if block["type"] == "child_page" and block_id in ws.pages:
        has_children = bool(ws.pages[block_id].get("children"))
    else:
        has_children = bool(ws.children_list(block_id))
    out: dict[str, JSON] = {
        "object": "block",
        "id": block_id,
        "parent": _parent_ref(ws, ws.parents.get(block_id, "")),
        "type": block["type"],
        "created_time": created,
        "created_by": creator,
        "last_edited_time": block.get("last_edited_time") or created,
        "last_edited_by": creator,
        "archived": False,
        "has_children": has_children,
    }
    data = copy.deepcopy(block.get("data") or {})
    if block.get("shape") == "typed":
        out[block["type"]] = data
    else:
        out["data"] = data
    return out


def page_as_block_json(ws: Workspace, page: dict[str, JSON]) -> dict[str, JSON]:
    """Render a page asked for through the blocks API, as its child_page block."""
    parent = page.get("parent") or {}
    return {
        "object": "block",
        "id": page["id"],
        "parent": copy.deepcopy(parent),
        "type": "child_page",
        "created_time": page["created_time"],
        "created_by": user_ref(page.get("created_by", ws.data.get("me"))),
        "last_edited_time": page.get("last_edited_time", page["created_time"]),
        "last_edited_by": user_ref(page.get("last_edited_by", page.get("created_by"))),
        "archived": bool(page.get("archived")),
        "has_children": bool(page.get("children")),
        "data": {"title": page_title(page)},
    }


def listing(results: list[JSON], next_cursor: str | None) -> dict[str, JSON]:
    """Render the spec's PaginatedList envelope."""
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor is not None,
    }
