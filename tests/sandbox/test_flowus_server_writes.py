"""Tests of the FlowUs sandbox server, over real HTTP with httpx: validation, writes, sharing."""

from __future__ import annotations

import itertools
from datetime import datetime

import httpx

from diaryflow.sandbox import Workspace
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID, PRIVATE_PAGE_ID, ROOT_PAGE_ID
from tests.sandbox.helpers import DIARY_ENTRIES, all_children, new_page, paragraph, text


def edited(client: httpx.Client, page_id: str) -> datetime:
    stamp = client.get(f"/pages/{page_id}").json()["last_edited_time"]
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_validation_errors_name_the_path(client: httpx.Client) -> None:
    no_type = {
        "children": [{"type": "paragraph", "data": {"rich_text": [{"text": {"content": "丢失"}}]}}]
    }
    r = client.patch(f"/blocks/{ROOT_PAGE_ID}/children", json=no_type)
    assert r.status_code == 400 and "$.children[0].data.rich_text[0].type" in r.json()["message"]
    long = {"children": [paragraph("字" * 2001)]}
    assert "2001" in client.patch(f"/blocks/{ROOT_PAGE_ID}/children", json=long).json()["message"]
    too_many = {"children": [paragraph("x")] * 101}
    assert client.patch(f"/blocks/{ROOT_PAGE_ID}/children", json=too_many).status_code == 400
    nested = {
        "children": [
            {"type": "toggle", "data": {"rich_text": [text("x")], "children": [paragraph("y")]}}
        ]
    }
    assert (
        "children"
        in client.patch(f"/blocks/{ROOT_PAGE_ID}/children", json=nested).json()["message"]
    )
    wrong = {"children": [{"type": "video", "data": {}}]}
    assert client.patch(f"/blocks/{ROOT_PAGE_ID}/children", json=wrong).status_code == 400
    row = {"children": [{"type": "table_row", "data": {"cells": [[text("a")]]}}]}
    assert client.patch(f"/blocks/{ROOT_PAGE_ID}/children", json=row).status_code == 400
    bad_json = client.post(
        "/search", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400 and bad_json.json()["code"] == "validation_error"
    select_null = {"properties": {"分类": {"type": "select", "select": None}}}
    entry = client.post(f"/databases/{DIARY_DATABASE_ID}/query", json={"page_size": 1}).json()[
        "results"
    ][0]
    assert (
        client.patch(f"/pages/{entry['id']}", json=select_null).status_code == 200
    )  # nullable honoured
    formula = {"properties": {"字数": {"type": "formula", "formula": {"number": 1}}}}
    assert client.patch(f"/pages/{entry['id']}", json=formula).status_code == 400


def test_create_page_shapes_and_parent_fallback(client: httpx.Client, ws: Workspace) -> None:
    title = {"标题": {"type": "title", "title": [text("新日记")]}}
    made = client.post(
        "/pages", json={"parent": {"database_id": DIARY_DATABASE_ID}, "properties": title}
    ).json()
    assert (
        set(made) >= {"createdAt", "updatedAt", "createdBy", "url"} and "created_time" not in made
    )
    assert made["parent"] == {"type": "database_id", "database_id": DIARY_DATABASE_ID}
    page = client.get(f"/pages/{made['id']}").json()
    assert (
        page["properties"]["日期"]["date"] is None
        and page["properties"]["完成"]["checkbox"] is False
    )
    lost = client.post(
        "/pages", json={"parent": {"database_id": "0000-missing"}, "properties": title}
    ).json()
    assert lost["parent"] == {"type": "space_id", "space_id": ws.space_id}
    lost_page = client.post(
        "/pages", json={"parent": {"type": "page_id", "page_id": "gone"}, "properties": title}
    )
    assert lost_page.json()["parent"]["type"] == "space_id"
    wrong_key = {"title": {"type": "title", "title": [text("x")]}}
    r = client.post(
        "/pages", json={"parent": {"database_id": DIARY_DATABASE_ID}, "properties": wrong_key}
    )
    assert r.status_code == 400 and "title" in r.json()["message"]
    child = new_page(client, "子页面")
    assert any(
        b["id"] == child and b["type"] == "child_page" for b in all_children(client, ROOT_PAGE_ID)
    )


def test_every_write_bumps_last_edited_time(client: httpx.Client) -> None:
    page_id = new_page(client)
    stamps = [edited(client, page_id)]
    block = client.patch(
        f"/blocks/{page_id}/children", json={"children": [paragraph("一")]}
    ).json()["results"][0]
    stamps.append(edited(client, page_id))
    client.patch(f"/blocks/{block['id']}", json={"data": {"rich_text": [text("二")]}})
    stamps.append(edited(client, page_id))
    assert client.get(f"/blocks/{block['id']}").json()["data"]["rich_text"][0]["plain_text"] == "二"
    client.patch(f"/pages/{page_id}", json={"icon": {"type": "emoji", "emoji": "📝"}})
    stamps.append(edited(client, page_id))
    assert client.delete(f"/blocks/{block['id']}").json() == {
        "object": "block",
        "id": block["id"],
        "deleted": True,
    }
    stamps.append(edited(client, page_id))
    assert all(a < b for a, b in itertools.pairwise(stamps))
    assert client.get(f"/blocks/{block['id']}").status_code == 404


def test_delete_removes_the_subtree(client: httpx.Client, ws: Workspace) -> None:
    parent = next(b for b in ws.blocks.values() if b["type"] == "toggle" and b.get("children"))
    inner = [b["id"] for b in ws.iter_blocks(parent["id"])]
    assert client.delete(f"/blocks/{parent['id']}").status_code == 200
    assert all(client.get(f"/blocks/{i}").status_code == 404 for i in inner)


def test_unshare_and_delete_page(client: httpx.Client, ws: Workspace) -> None:
    assert client.get(f"/pages/{PRIVATE_PAGE_ID}").json()["code"] == "forbidden"
    rows = client.post(f"/databases/{DIARY_DATABASE_ID}/query", json={"page_size": 3}).json()[
        "results"
    ]
    ws.unshare(rows[0]["id"])
    assert client.get(f"/pages/{rows[0]['id']}").status_code == 403
    assert client.get(f"/blocks/{rows[0]['id']}/children").status_code == 403
    ws.unshare(rows[1]["id"], status=404)
    assert client.get(f"/pages/{rows[1]['id']}").status_code == 404
    ws.delete_page(rows[2]["id"])
    assert client.get(f"/pages/{rows[2]['id']}").json()["code"] == "not_found"
    listed = client.post(f"/databases/{DIARY_DATABASE_ID}/query", json={"page_size": 100}).json()[
        "results"
    ]
    assert len(listed) == DIARY_ENTRIES - 3
    ws.share(rows[0]["id"])
    assert client.get(f"/pages/{rows[0]['id']}").status_code == 200
    ws.unshare(DIARY_DATABASE_ID)
    assert client.post(f"/databases/{DIARY_DATABASE_ID}/query").status_code == 403
