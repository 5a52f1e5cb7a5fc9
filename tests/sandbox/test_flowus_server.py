"""Tests of the FlowUs sandbox server, over real HTTP with httpx."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from diaryflow.diary import block_payload
from diaryflow.sandbox import Fault, FlowUsSandbox, RecordedRequest, Workspace, sample_workspace
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID, PRIVATE_PAGE_ID, ROOT_PAGE_ID
from tests.sandbox.helpers import DIARY_ENTRIES, END

AUTH = {"Authorization": "Bearer sandbox-token"}


@pytest.fixture
def ws() -> Workspace:
    return sample_workspace(END)


@pytest.fixture
def sb(ws: Workspace) -> Iterator[FlowUsSandbox]:
    with FlowUsSandbox(ws) as sandbox:
        yield sandbox


@pytest.fixture
def client(sb: FlowUsSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sb.base_url}/v1", headers=AUTH, timeout=5) as c:
        yield c


def text(content: str) -> dict[str, Any]:
    return {"type": "text", "text": {"content": content}}


def paragraph(content: str) -> dict[str, Any]:
    return {"type": "paragraph", "data": {"rich_text": [text(content)]}}


def new_page(client: httpx.Client, title: str = "测试页") -> str:
    body = {
        "parent": {"page_id": ROOT_PAGE_ID},
        "properties": {"title": {"type": "title", "title": [text(title)]}},
    }
    r = client.post("/pages", json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def all_children(client: httpx.Client, block_id: str, size: int = 50) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"page_size": size}
    while True:
        body = client.get(f"/blocks/{block_id}/children", params=params).json()
        out += body["results"]
        if not body["has_more"]:
            return out
        params["start_cursor"] = body["next_cursor"]


def edited(client: httpx.Client, page_id: str) -> datetime:
    stamp = client.get(f"/pages/{page_id}").json()["last_edited_time"]
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


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


# ----- faults
def test_error_fault_kinds(sb: FlowUsSandbox, client: httpx.Client) -> None:
    sb.inject(Fault("status", method="GET", path="/users/me", status=503, retry_after=7))
    r = client.get("/users/me")
    assert (
        r.status_code == 503
        and r.json()["code"] == "internal_error"
        and r.headers["Retry-After"] == "7"
    )
    sb.inject(Fault("status_alt_body", status=429))
    r = client.get("/users/me")
    assert r.status_code == 429 and r.json() == {
        "error": {"code": "rate_limit", "message": "sandbox fault rate_limit"}
    }
    sb.inject(Fault("status_text", status=502))
    r = client.get("/users/me")
    assert (
        r.status_code == 502
        and r.headers["content-type"].startswith("text/html")
        and "<html>" in r.text
    )
    sb.inject(Fault("error_on_200", status=404))
    r = client.get("/users/me")
    assert r.status_code == 200 and r.json()["object"] == "error" and r.json()["status"] == 404
    sb.inject(Fault("malformed"))
    r = client.get(f"/pages/{ROOT_PAGE_ID}")
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)
    assert client.get("/users/me").status_code == 200


def test_faults_match_in_order_and_are_used_up(sb: FlowUsSandbox, client: httpx.Client) -> None:
    sb.inject(Fault("status", method="POST", path="/search", status=500, times=2))
    sb.inject(Fault("status", path="/pages/", status=503))
    assert client.get("/users/me").status_code == 200
    assert [client.post("/search", json={"query": ""}).status_code for _ in range(3)] == [
        500,
        500,
        200,
    ]
    assert client.get(f"/pages/{ROOT_PAGE_ID}").status_code == 503
    assert client.get(f"/pages/{ROOT_PAGE_ID}").status_code == 200
    with pytest.raises(ValueError):
        Fault("explode")


def test_timeout_fault_still_does_the_write(
    sb: FlowUsSandbox, client: httpx.Client, ws: Workspace
) -> None:
    sb.inject(Fault("timeout", method="POST", path="^/v1/pages$", delay=1.0))
    body = {
        "parent": {"page_id": ROOT_PAGE_ID},
        "properties": {"title": {"type": "title", "title": [text("超时的页面")]}},
    }
    with pytest.raises(httpx.ReadTimeout):
        client.post("/pages", json=body, timeout=0.2)
    titles = [
        p["properties"].get("title", {}).get("title", [{}])[0].get("plain_text")
        for p in ws.pages.values()
    ]
    assert "超时的页面" in titles


@pytest.mark.parametrize(("kind", "done"), [("late_status", True), ("drop", True),
                                            ("reset", False)])
def test_lost_answer_faults_do_or_skip_the_write(
    sb: FlowUsSandbox, client: httpx.Client, ws: Workspace, kind: str, done: bool
) -> None:
    sb.inject(Fault(kind, method="POST", path="^/v1/pages$", status=500))
    body = {
        "parent": {"page_id": ROOT_PAGE_ID},
        "properties": {"title": {"type": "title", "title": [text("答复丢失的页面")]}},
    }
    if kind == "late_status":
        answer = client.post("/pages", json=body)
        assert answer.status_code == 500 and answer.json()["code"] == "internal_error"
    else:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/pages", json=body)
    made = [p for p in ws.pages.values()
            if p["properties"].get("title", {}).get("title", [{}])[0].get("plain_text")
            == "答复丢失的页面"]
    assert len(made) == (1 if done else 0)


def test_a_fault_mix_fails_its_share_of_requests(sb: FlowUsSandbox, client: httpx.Client) -> None:
    mix = sb.fail_randomly(0.25, seed=3)
    failed = 0
    for _ in range(200):
        try:
            failed += client.get("/users/me").status_code != 200
        except httpx.RemoteProtocolError:
            failed += 1
    assert failed == mix.drawn and 30 <= failed <= 70
    sb.clear_faults()
    assert all(client.get("/users/me").status_code == 200 for _ in range(20))


# ----- rate limits and latency
def test_rate_limit_answers_429_with_retry_after(ws: Workspace) -> None:
    sandbox = FlowUsSandbox(ws, read_limit=3, write_limit=1, rate_window=30)
    with sandbox as sb, httpx.Client(base_url=f"{sb.base_url}/v1", headers=AUTH) as c:
        assert [c.get("/users/me").status_code for _ in range(3)] == [200] * 3
        limited = c.post("/search", json={"query": ""})
        assert limited.status_code == 429 and limited.json()["code"] == "rate_limit"
        assert 1 <= int(limited.headers["Retry-After"]) <= 30
        page = c.post(
            "/pages", json={"properties": {"title": {"type": "title", "title": [text("x")]}}}
        )
        assert page.status_code == 200  # writes have their own window
        assert c.post("/pages", json={"properties": {}}).status_code == 429
        assert sb.rate_limited == 2
        sb.set_limits(read_limit=None)
        assert c.get("/users/me").status_code == 200
    assert [r.kind for r in sb.requests[3:5]] == ["read", "write"]


def test_latency_overlaps_across_connections(sb: FlowUsSandbox, client: httpx.Client) -> None:
    sb.set_latency(0.2)
    started = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(lambda _: client.get("/users/me").status_code, range(10)))
    elapsed = time.monotonic() - started
    assert codes == [200] * 10 and 0.2 <= elapsed < 1.0


# ----- validation and writes
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
