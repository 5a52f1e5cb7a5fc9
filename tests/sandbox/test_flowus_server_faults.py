"""Tests of the FlowUs sandbox server, over real HTTP with httpx: faults, rate limits, latency."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from diaryflow.sandbox import Fault, FlowUsSandbox, Workspace
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from tests.sandbox.helpers import AUTH, text


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
