"""Endpoints for databases, pages, search and the bot's user."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Any

from diaryflow.sandbox.flowus import property_checks, timestamps, to_json
from diaryflow.sandbox.flowus.api import (
    Context,
    Request,
    Result,
    check_access,
    page_size,
    paginate,
    route,
)
from diaryflow.sandbox.flowus.apierror import bad_request, not_found
from diaryflow.sandbox.flowus.workspace import Workspace

JSON = Any


def _database(ws: Workspace, database_id: str) -> dict[str, JSON]:
    db = ws.databases.get(database_id)
    if db is None:
        raise not_found("database", database_id)
    check_access(ws, database_id, "database")
    return db


def _page(ws: Workspace, page_id: str) -> dict[str, JSON]:
    page = ws.pages.get(page_id)
    if page is None:
        raise not_found("page", page_id)
    check_access(ws, page_id, "page")
    return page


@route("GET", "/v1/databases/{database_id}")
def get_database(ctx: Context, req: Request) -> Result:
    """GET a database: its title and property schema."""
    return Result(to_json.database_json(ctx.ws, _database(ctx.ws, req.params["database_id"])))


@route(
    "POST",
    "/v1/databases/{database_id}/query",
    schema="QueryDatabaseRequest",
    is_list=True,
    read=True,
)
def query_database(ctx: Context, req: Request) -> Result:
    """List a database's pages, newest created first; no filters (v1 has none)."""
    ws, body = ctx.ws, req.body or {}
    database_id = req.params["database_id"]
    _database(ws, database_id)
    size = page_size(body.get("page_size"), 50)
    rows = [p for p in ws.rows(database_id) if not p.get("archived") and not ws.access(p["id"])]
    if ctx.honour_created_hint:
        rows = _apply_hints(rows, body)
    rows.sort(key=lambda p: (timestamps.parse_iso(p["created_time"]), p["id"]), reverse=True)
    chunk, next_cursor, first = paginate(
        rows, [p["id"] for p in rows], body.get("start_cursor"), size
    )
    results = [to_json.page_json(ws, p) for p in chunk]
    return Result(to_json.listing(results, next_cursor), first_cursor=first)


def _apply_hints(rows: list[dict[str, JSON]], body: dict[str, JSON]) -> list[dict[str, JSON]]:
    for hint, field in (
        ("after_created_at", "created_time"),
        ("after_updated_at", "last_edited_time"),
    ):
        if body.get(hint) is None:
            continue
        try:
            since = timestamps.parse_hint(body[hint])
        except (ValueError, OverflowError) as exc:
            raise bad_request(f"$.{hint}: {exc}") from exc
        rows = [p for p in rows if timestamps.parse_iso(p.get(field) or p["created_time"]) >= since]
    return rows


@route("GET", "/v1/pages/{page_id}")
def get_page(ctx: Context, req: Request) -> Result:
    """GET a page's properties and metadata (archived pages too)."""
    return Result(to_json.page_json(ctx.ws, _page(ctx.ws, req.params["page_id"])))


@route("POST", "/v1/pages", schema="CreatePageRequest", body_required=True)
def create_page(ctx: Context, req: Request) -> Result:
    """Create a page; an unknown parent silently puts it at the workspace root."""
    ws, body = ctx.ws, req.body
    sent = body.get("parent") or {}
    page_id = sent.get("page_id")
    parent, props = _placement(ws, sent, body.get("properties") or {})
    now = timestamps.now_iso()
    new_id = str(uuid.uuid4())
    page = {
        "id": new_id,
        "parent": parent,
        "properties": props,
        "created_time": now,
        "last_edited_time": now,
        "created_by": ws.data.get("bot", ws.data.get("me")),
        "archived": False,
        "url": ws.page_url(new_id),
        "icon": body.get("icon"),
        "cover": body.get("cover"),
        "children": [],
    }
    ws.add_page(page)
    if parent["type"] == "page_id":
        title = to_json.page_title(page)
        ws.add_blocks(
            str(page_id), [{"id": new_id, "type": "child_page", "data": {"title": title}}]
        )
    return Result(to_json.created_page_json(ws, page))


def _placement(
    ws: Workspace, sent: dict[str, JSON], sent_props: dict[str, JSON]
) -> tuple[dict[str, JSON], dict[str, JSON]]:
    """Where a new page goes and its properties: a database row, a sub-page, or the root."""
    database_id, page_id = sent.get("database_id"), sent.get("page_id")
    parent: dict[str, JSON]
    if database_id and database_id in ws.databases:
        db = _database(ws, database_id)
        parent = {"type": "database_id", "database_id": database_id}
        values = property_checks.for_database(ws, db, sent_props)
        props = {
            name: values.get(name) or property_checks.empty_value(schema["type"])
            for name, schema in db.get("properties", {}).items()
        }
    else:
        if page_id and page_id in ws.pages and not database_id:
            _page(ws, page_id)
            parent = {"type": "page_id", "page_id": page_id}
        else:
            # The real API creates the page elsewhere instead of failing: at the root.
            parent = {"type": "space_id", "space_id": ws.space_id}
        props = property_checks.title_only(ws, sent_props)
    return parent, props


@route("PATCH", "/v1/pages/{page_id}", schema="UpdatePageRequest", body_required=True)
def update_page(ctx: Context, req: Request) -> Result:
    """Update some properties, the icon, the cover or the archived flag of a page."""
    ws, body = ctx.ws, req.body
    page = _page(ws, req.params["page_id"])
    sent = body.get("properties") or {}
    db = ws.databases.get(str((page.get("parent") or {}).get("database_id")))
    if db is not None:
        page["properties"].update(property_checks.for_database(ws, db, sent))
    elif sent:
        title = property_checks.title_only(ws, sent)
        if not title or len(sent) > 1:
            raise bad_request("$.properties: a page outside a database has only a title")
        page["properties"].update(title)
    for key in ("icon", "cover", "archived"):
        if key in body:
            page[key] = body[key]
    ws.touch(page["id"])
    return Result(to_json.page_json(ws, page))


def _decode_offset(cursor: object) -> int:
    if cursor in (None, ""):
        return 0
    try:
        decoded = json.loads(base64.b64decode(str(cursor), validate=True))
        offset = decoded["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise bad_request(f"start_cursor {cursor!r} is not a cursor search gave out") from exc
    if not isinstance(offset, int) or offset < 0:
        raise bad_request(f"start_cursor {cursor!r} is not a cursor search gave out")
    return offset


def _encode_offset(offset: int) -> str:
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


@route("POST", "/v1/search", schema="V1SearchRequest", body_required=True, is_list=True, read=True)
def search(ctx: Context, req: Request) -> Result:
    """Search visible pages by title; an empty query lists them all, recently edited first."""
    ws, body = ctx.ws, req.body
    query = str(body.get("query") or "").casefold()
    size = page_size(body.get("page_size"), 10)
    offset = _decode_offset(body.get("start_cursor"))
    hits = [
        p
        for p in ws.pages.values()
        if not p.get("archived")
        and ws.access(p["id"]) is None
        and query in to_json.page_title(p).casefold()
    ]
    if offset > len(hits):
        raise bad_request(f"start_cursor {body.get('start_cursor')!r} is past the end")
    hits.sort(key=lambda p: (timestamps.parse_iso(p["last_edited_time"]), p["id"]), reverse=True)
    chunk = hits[offset : offset + size]
    more = offset + size < len(hits)
    results = [to_json.search_hit_json(ws, p) for p in chunk]
    next_cursor = _encode_offset(offset + size) if more else None
    return Result(to_json.listing(results, next_cursor), first_cursor=_encode_offset(offset))


@route("GET", "/v1/users/me")
def users_me(ctx: Context, req: Request) -> Result:
    """Answer the bot creator's user, the cheap auth check."""
    me = ctx.ws.me
    return Result(
        {
            "object": "user",
            "id": me["id"],
            "type": "person",
            "person": {"email": me.get("email")},
            "name": me.get("name"),
            "avatar_url": me.get("avatar_url"),
        }
    )
