"""Endpoints for blocks: read one, list and append children, update, delete."""

from __future__ import annotations

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
BLOCK_TYPES = (
    "paragraph", "heading_1", "heading_2", "heading_3", "bulleted_list_item",
    "numbered_list_item", "to_do", "quote", "toggle", "code", "image", "file", "bookmark",
    "embed", "callout", "equation", "link_to_page", "template", "synced_block", "divider",
    "column_list", "column", "table", "table_row", "child_page", "child_database",
)  # fmt: skip
CAN_HAVE_CHILDREN = (
    "paragraph", "heading_1", "heading_2", "heading_3", "bulleted_list_item",
    "numbered_list_item", "to_do", "quote", "toggle", "callout", "column_list", "column",
    "table", "synced_block", "template",
)  # fmt: skip
MAX_APPEND = 100
MAX_DEPTH = 50


def _container(ws: Workspace, block_id: str) -> None:
    if block_id not in ws.pages and block_id not in ws.blocks:
        raise not_found("block", block_id)
    check_access(ws, block_id, "block")


@route("GET", "/v1/blocks/{block_id}")
def get_block(ctx: Context, req: Request) -> Result:
    """GET one block; a page id answers as its child_page block."""
    ws, block_id = ctx.ws, req.params["block_id"]
    _container(ws, block_id)
    if block_id in ws.blocks:
        return Result(to_json.block_json(ws, ws.blocks[block_id]))
    return Result(to_json.page_as_block_json(ws, ws.pages[block_id]))


@route("GET", "/v1/blocks/{block_id}/children", is_list=True)
def list_children(ctx: Context, req: Request) -> Result:
    """List a page's or block's children; the cursor is the id of a child."""
    ws, block_id = ctx.ws, req.params["block_id"]
    _container(ws, block_id)
    children = ws.children_list(block_id) or []
    size = page_size(req.query.get("page_size"), 50)
    ids = [b["id"] for b in children]
    chunk, next_cursor, first = paginate(children, ids, req.query.get("start_cursor"), size)
    results = [to_json.block_json(ws, b) for b in chunk]
    return Result(to_json.listing(results, next_cursor), first_cursor=first)


@route(
    "PATCH",
    "/v1/blocks/{block_id}/children",
    schema="AppendBlockChildrenRequest",
    body_required=True,
)
def append_children(ctx: Context, req: Request) -> Result:
    """Append at most 100 flat children to a page or block; answers the created blocks."""
    ws, block_id, body = ctx.ws, req.params["block_id"], req.body
    _container(ws, block_id)
    items = body.get("children")
    if not isinstance(items, list):
        raise bad_request("$.children: a list of blocks is required")
    if len(items) > MAX_APPEND:
        raise bad_request(f"$.children: {len(items)} blocks, at most {MAX_APPEND} per call")
    parent_type = "page" if block_id in ws.pages else ws.blocks[block_id]["type"]
    if parent_type != "page" and parent_type not in CAN_HAVE_CHILDREN:
        raise bad_request(f"a {parent_type} block cannot have children")
    if ws.depth(block_id) + 1 > MAX_DEPTH:
        raise bad_request(f"blocks cannot nest deeper than {MAX_DEPTH}")
    now = timestamps.now_iso()
    created = []
    for index, item in enumerate(items):
        _check_child(ws, block_id, parent_type, item, f"$.children[{index}]")
        data = property_checks.normalise_block_data(ws, item["data"])
        block = {"id": str(uuid.uuid4()), "type": item["type"], "data": data}
        created.append({**block, "created_time": now, "last_edited_time": now})
    ws.add_blocks(block_id, created)
    return Result(to_json.listing([to_json.block_json(ws, b) for b in created], None))


def _check_child(ws: Workspace, parent_id: str, parent_type: str, item: JSON, where: str) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
        raise bad_request(f"{where}: a block needs a type and a data object")
    kind = item.get("type")
    if kind not in BLOCK_TYPES:
        raise bad_request(f"{where}.type: unknown block type {kind!r}")
    if "children" in item or "children" in item["data"]:
        raise bad_request(
            f"{where}.children: nested children cannot be sent; append them to the new block"
        )
    if kind in ("child_page", "child_database"):
        raise bad_request(f"{where}.type: create pages and databases through their endpoints")
    if (parent_type == "table") != (kind == "table_row"):
        raise bad_request(f"{where}.type: table rows go in tables, and only rows do")
    if (parent_type == "column_list") != (kind == "column"):
        raise bad_request(f"{where}.type: columns go in a column_list, and only columns do")
    if kind == "table_row":
        width = ws.blocks[parent_id]["data"].get("table_width")
        cells = item["data"].get("cells")
        if not isinstance(cells, list) or (width is not None and len(cells) != width):
            raise bad_request(f"{where}.data.cells: a row needs {width} cells")


@route("PATCH", "/v1/blocks/{block_id}", schema="UpdateBlockRequest", body_required=True)
def update_block(ctx: Context, req: Request) -> Result:
    """Update a block's data (keys merged) or archive it with ``archived: true``."""
    ws, block_id, body = ctx.ws, req.params["block_id"], req.body
    _container(ws, block_id)
    if block_id not in ws.blocks or ws.blocks[block_id]["type"] in ("child_page", "child_database"):
        raise bad_request("pages and databases are updated through their own endpoints")
    block = ws.blocks[block_id]
    if body.get("type") not in (None, block["type"]):
        raise bad_request(f"$.type: a {block['type']} block cannot change its type")
    if body.get("archived") is True:
        rendered = to_json.block_json(ws, block)
        owner = ws.owner_page(block_id)
        ws.remove_block(block_id)
        if owner in ws.pages:
            ws.touch(owner)
        return Result({**rendered, "archived": True})
    if isinstance(body.get("data"), dict):
        block.setdefault("data", {}).update(property_checks.normalise_block_data(ws, body["data"]))
    owner = ws.owner_page(block_id)
    block["last_edited_time"] = ws.touch(owner) if owner else timestamps.now_iso()
    return Result(to_json.block_json(ws, block))


@route("DELETE", "/v1/blocks/{block_id}")
def delete_block(ctx: Context, req: Request) -> Result:
    """Delete a block and its subtree; a page id archives that page."""
    ws, block_id = ctx.ws, req.params["block_id"]
    _container(ws, block_id)
    if block_id in ws.blocks:
        host = ws.owner_page(ws.parents[block_id])
        ws.remove_block(block_id)
        if host in ws.pages:
            ws.touch(host)
    else:
        ws.pages[block_id]["archived"] = True
        ws.touch(block_id)
    return Result({"object": "block", "id": block_id, "deleted": True})
