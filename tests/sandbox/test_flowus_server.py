"""Tests of the FlowUs sandbox server, over real HTTP with httpx: auth, reads, paging, search."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from diaryflow.diary import block_payload
from diaryflow.sandbox import Fault, FlowUsSandbox, RecordedRequest, Workspace
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID, PRIVATE_PAGE_ID, ROOT_PAGE_ID
from tests.sandbox.helpers import AUTH, DIARY_ENTRIES, END, all_children, new_page, paragraph


# ----- auth, envelope, simple reads
def test_auth_rejects_missing_wrong_and_doubled_tokens(sb: FlowUsSandbox) -> None:
    url = f"{sb.base_url}/v1/users/me"
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Bearer Bearer sandbox-token"},
    ):
        r = httpx.get(url, headers=headers)
        assert r.status_code == 401
        assert r.json()["object"] == "error" and r.json()["code"] == "unauthorized"
        assert r.headers["X-Request-Id"] == r.json()["request_id"]
    ok = httpx.get(url, headers=AUTH)
    assert ok.status_code == 200 and ok.headers["X-Request-Id"]
    assert ok.json()["name"] == "林晓" and ok.json()["type"] == "person"


def test_database_schema_and_unknown_route(client: httpx.Client) -> None:
    db = client.get(f"/databases/{DIARY_DATABASE_ID}").json()
    assert db["object"] == "database" and db["title"][0]["plain_text"] == "日记"
    types = {name: p["type"] for name, p in db["properties"].items()}
    assert types["标题"] == "title" and types["日期"] == "date" and types["字数"] == "formula"
    assert types["项目进度"] == "rollup" and types["关联问题"] == "relation"
    assert [o["name"] for o in db["properties"]["分类"]["select"]["options"]] == [
        "工作",
        "学习",
        "生活",
        "健康",
        "阅读",
    ]
    assert client.get("/databases/nope").json()["code"] == "not_found"
    assert client.get("/nothing/here").status_code == 404


def test_query_lists_all_rows_newest_first_with_opaque_cursor(client: httpx.Client) -> None:
    rows, cursor, pages = [], None, 0
    while True:
        body: dict[str, Any] = {"page_size": 25} | ({"start_cursor": cursor} if cursor else {})
        answer = client.post(f"/databases/{DIARY_DATABASE_ID}/query", json=body).json()
        assert answer["object"] == "list" and len(answer["results"]) <= 25
        rows += answer["results"]
        pages += 1
        if not answer["has_more"]:
            assert answer["next_cursor"] is None
            break
        cursor = answer["next_cursor"]
    assert len(rows) == DIARY_ENTRIES and pages == 3
    created = [r["created_time"] for r in rows]
    assert created == sorted(created, reverse=True)
    assert all(not r["archived"] for r in rows)
    assert (
        client.post(
            f"/databases/{DIARY_DATABASE_ID}/query", json={"start_cursor": "bogus"}
        ).status_code
        == 400
    )
    assert len(client.post(f"/databases/{DIARY_DATABASE_ID}/query").json()["results"]) == 50


def test_page_size_bounds(client: httpx.Client) -> None:
    query = f"/databases/{DIARY_DATABASE_ID}/query"
    for size in (0, 101, "10"):
        assert client.post(query, json={"page_size": size}).json()["code"] == "validation_error"
    assert len(client.post(query, json={"page_size": 100}).json()["results"]) == DIARY_ENTRIES
    for bad in ("0", "101", "abc"):
        assert (
            client.get(f"/blocks/{ROOT_PAGE_ID}/children", params={"page_size": bad}).status_code
            == 400
        )
    assert client.post("/search", json={"query": "", "page_size": 101}).status_code == 400


def test_pages_and_blocks_read_in_both_shapes(client: httpx.Client, ws: Workspace) -> None:
    root = client.get(f"/pages/{ROOT_PAGE_ID}").json()
    assert root["properties"]["title"]["title"][0]["plain_text"] == "我的日记本"
    kids = all_children(client, ROOT_PAGE_ID)
    db_block = next(b for b in kids if b["type"] == "child_database")
    assert db_block["id"] == DIARY_DATABASE_ID and db_block["data"]["title"] == "日记"
    code = next(b for b in kids if b["type"] == "code")
    assert (
        code["data"]["language"] == "Markdown"
        and "复盘助手" in code["data"]["rich_text"][0]["plain_text"]
    )
    as_block = client.get(f"/blocks/{ROOT_PAGE_ID}").json()
    assert as_block["type"] == "child_page" and as_block["has_children"]
    typed = [b for b in ws.blocks.values() if b.get("shape") == "typed"]
    assert len(typed) >= 2
    for block in typed:
        served = client.get(f"/blocks/{block['id']}").json()
        assert "data" not in served and served[served["type"]] == block["data"]
        assert block_payload(served) == block["data"]


# ----- pagination
@pytest.mark.parametrize("count", [100, 101])
def test_children_pagination_at_the_limit(client: httpx.Client, count: int) -> None:
    page_id = new_page(client)
    first = client.patch(
        f"/blocks/{page_id}/children",
        json={"children": [paragraph(f"第{i}段") for i in range(100)]},
    )
    assert first.status_code == 200 and len(first.json()["results"]) == 100
    if count == 101:
        client.patch(f"/blocks/{page_id}/children", json={"children": [paragraph("最后一段")]})
    one = client.get(f"/blocks/{page_id}/children", params={"page_size": 100}).json()
    assert len(one["results"]) == 100 and one["has_more"] is (count == 101)
    got = all_children(client, page_id)
    assert len(got) == count and len({b["id"] for b in got}) == count
    assert got[0]["data"]["rich_text"][0]["plain_text"] == "第0段"


def test_empty_first_page_fault_points_at_the_real_first_page(
    sb: FlowUsSandbox, client: httpx.Client
) -> None:
    sb.inject(Fault("empty_first_page", path=r"/children$"))
    assert client.get("/users/me").status_code == 200  # not a list: left alone
    empty = client.get(f"/blocks/{ROOT_PAGE_ID}/children").json()
    assert empty["results"] == [] and empty["has_more"] is True
    real = client.get(
        f"/blocks/{ROOT_PAGE_ID}/children", params={"start_cursor": empty["next_cursor"]}
    ).json()
    assert real["results"][0]["type"] == "paragraph"
    assert all_children(client, ROOT_PAGE_ID) == real["results"]
    sb.inject(Fault("empty_first_page", path="/query"))
    answer = client.post(f"/databases/{DIARY_DATABASE_ID}/query", json={}).json()
    assert answer["results"] == [] and answer["has_more"]


# ----- search, records, shutdown
def test_search_and_created_hint(ws: Workspace) -> None:
    with (
        FlowUsSandbox(ws, honour_created_hint=True) as sb,
        httpx.Client(base_url=f"{sb.base_url}/v1", headers=AUTH) as c,
    ):
        hits = c.post("/search", json={"query": "redis"}).json()["results"]
        assert {h["properties"]["title"]["title"][0]["plain_text"] for h in hits} >= {
            "Redis 连接池又报警了"
        }
        seen, cursor = [], None
        while True:
            body = c.post(
                "/search",
                json={"query": "", "page_size": 30} | ({"start_cursor": cursor} if cursor else {}),
            ).json()
            seen += body["results"]
            if not body["has_more"]:
                break
            cursor = body["next_cursor"]
        assert PRIVATE_PAGE_ID not in {h["id"] for h in seen} and len(seen) == len(
            {h["id"] for h in seen}
        )
        assert c.post("/search", json={"query": "", "start_cursor": "???"}).status_code == 400
        since = datetime(END.year, END.month, END.day) - timedelta(days=6)
        for hint in (since.isoformat() + "+08:00", int(since.timestamp() * 1000)):
            recent = c.post(
                f"/databases/{DIARY_DATABASE_ID}/query", json={"after_created_at": hint}
            ).json()
            assert 0 < len(recent["results"]) < 15
    with FlowUsSandbox(ws) as sb, httpx.Client(base_url=f"{sb.base_url}/v1", headers=AUTH) as c:
        ignored = c.post(
            f"/databases/{DIARY_DATABASE_ID}/query",
            json={"after_created_at": "2099-01-01", "page_size": 100},
        )
        assert len(ignored.json()["results"]) == DIARY_ENTRIES


def test_requests_are_recorded(sb: FlowUsSandbox, client: httpx.Client) -> None:
    sb.clear_requests()
    client.post(f"/databases/{DIARY_DATABASE_ID}/query", json={"page_size": 2})
    client.get(f"/blocks/{ROOT_PAGE_ID}/children", params={"page_size": "5"})
    first, second = sb.requests
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.body, first.status, first.kind) == (
        "POST",
        {"page_size": 2},
        200,
        "read",
    )
    assert second.path == f"/v1/blocks/{ROOT_PAGE_ID}/children" and second.query == {
        "page_size": "5"
    }
    assert first.started <= second.started
    sb.clear_requests()
    assert sb.requests == []


def test_stop_closes_keep_alive_connections(ws: Workspace) -> None:
    sb = FlowUsSandbox(ws).start()
    with httpx.Client(base_url=f"{sb.base_url}/v1", headers=AUTH) as c:
        assert c.get("/users/me").status_code == 200
        sb.stop()
        with pytest.raises(httpx.TransportError):
            c.get("/users/me")
    assert not any(t.name == "flowus-sandbox" and t.is_alive() for t in threading.enumerate())
