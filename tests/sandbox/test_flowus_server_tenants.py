"""Tests of the FlowUs sandbox serving many tenants over real HTTP: isolation, own limits, logs."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from diaryflow.sandbox import FlowUsSandbox, Workspace
from diaryflow.sandbox.flowus.tenancy import token_label
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID
from diaryflow.sandbox.sample.tenants import TenantCopy, tenant_token, tenant_workspace
from tests.sandbox.helpers import AUTH, DIARY_ENTRIES, END, paragraph

ONE, TWO = tenant_token(1), tenant_token(2)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def copies() -> tuple[TenantCopy, TenantCopy]:
    return tenant_workspace(1, END), tenant_workspace(2, END)


@pytest.fixture
def cluster(ws: Workspace, copies: tuple[TenantCopy, TenantCopy]) -> Iterator[FlowUsSandbox]:
    sandbox = FlowUsSandbox(ws, read_limit=3, write_limit=2, rate_window=30)
    sandbox.add_tenant(ONE, copies[0].workspace, "tenant-1")
    sandbox.add_tenant(TWO, copies[1].workspace, "tenant-2")
    with sandbox:
        yield sandbox


def api(sandbox: FlowUsSandbox, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{sandbox.base_url}/v1", headers=bearer(token), timeout=5)


def diary_rows(client: httpx.Client, database_id: str) -> list[dict[str, Any]]:
    answer = client.post(f"/databases/{database_id}/query", json={"page_size": 100})
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["results"]
    return rows


def title(row: dict[str, Any]) -> str:
    return "".join(item["plain_text"] for item in row["properties"]["标题"]["title"])


def test_each_token_reads_only_its_own_workspace(
    copies: tuple[TenantCopy, TenantCopy],
) -> None:
    one, two = copies
    sandbox = FlowUsSandbox(one.workspace, token=ONE)  # no limits: one read each is not enough
    sandbox.add_tenant(TWO, two.workspace, "tenant-2")
    with sandbox, api(sandbox, ONE) as first, api(sandbox, TWO) as second:
        rows_one = diary_rows(first, one.diary_database_id)
        rows_two = diary_rows(second, two.diary_database_id)
        assert len(rows_one) == len(rows_two) == DIARY_ENTRIES
        assert all(title(r).startswith(one.marker) for r in rows_one)
        assert all(title(r).startswith(two.marker) for r in rows_two)
        for client, other in ((first, two), (second, one)):
            for path in (
                f"/databases/{other.diary_database_id}",
                f"/pages/{other.root_page_id}",
                f"/blocks/{other.root_page_id}",
                f"/blocks/{other.root_page_id}/children",
            ):
                answer = client.get(path)
                assert answer.status_code == 404, path
                assert answer.json()["code"] == "not_found"
            query = client.post(f"/databases/{other.diary_database_id}/query", json={})
            assert query.status_code == 404 and query.json()["code"] == "not_found"
            append = client.patch(
                f"/blocks/{other.root_page_id}/children", json={"children": [paragraph("x")]}
            )
            assert append.status_code == 404 and append.json()["code"] == "not_found"
        # Search lists a tenant's own pages only; the sample's own ids are nobody's.
        hits = second.post("/search", json={"query": "", "page_size": 100}).json()["results"]
        assert hits and {h["id"] for h in hits} <= set(two.workspace.pages)
        assert second.get(f"/databases/{DIARY_DATABASE_ID}").status_code == 404
        assert httpx.get(f"{sandbox.base_url}/v1/users/me", headers=AUTH).status_code == 401
    assert len(one.workspace.blocks) == len(tenant_workspace(1, END).workspace.blocks)
    assert sandbox.tenant("tenant-2").rate_limited == 0


def test_every_token_has_its_own_read_and_write_limits(cluster: FlowUsSandbox) -> None:
    with api(cluster, ONE) as first, api(cluster, TWO) as second:
        assert [first.get("/users/me").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert [second.get("/users/me").status_code for _ in range(3)] == [200] * 3
        assert httpx.get(f"{cluster.base_url}/v1/users/me", headers=AUTH).status_code == 200
        body = {"properties": {"title": {"type": "title", "title": []}}}
        assert [first.post("/pages", json=body).status_code for _ in range(3)] == [200, 200, 429]
        assert second.post("/pages", json=body).status_code == 200
        assert second.get("/users/me").status_code == 429
    assert cluster.rate_limited_by_tenant() == {"default": 0, "tenant-1": 2, "tenant-2": 1}
    assert cluster.rate_limited == 3
    cluster.set_limits(read_limit=None, write_limit=None)
    with api(cluster, ONE) as first:
        assert first.get("/users/me").status_code == 200


def test_requests_are_recorded_per_tenant_without_the_token(cluster: FlowUsSandbox) -> None:
    with api(cluster, ONE) as first, api(cluster, TWO) as second:
        first.get("/users/me")
        second.get("/users/me")
        second.post("/search", json={"query": ""})
    httpx.get(f"{cluster.base_url}/v1/users/me", headers=bearer("nobody"))
    assert [r.path for r in cluster.requests_of("tenant-1")] == ["/v1/users/me"]
    assert [r.kind for r in cluster.requests_of("tenant-2")] == ["read", "read"]
    assert [r.tenant for r in cluster.requests][-1] is None  # a token nobody owns: 401
    assert ONE not in repr(cluster.requests) and TWO not in repr(cluster.tenants.all())


def test_a_token_or_name_serves_one_tenant_only(ws: Workspace) -> None:
    sandbox = FlowUsSandbox(ws)
    added = sandbox.add_tenant(ONE, ws)
    assert added.name == token_label(ONE) and ONE not in added.name
    with pytest.raises(ValueError, match="already belongs"):
        sandbox.add_tenant(ONE, ws, "other")
    with pytest.raises(ValueError, match="taken"):
        sandbox.add_tenant(TWO, ws, "default")


def test_the_command_prints_each_tenant_s_token_and_ids() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "diaryflow.sandbox.flowus.server", "--tenants", "2"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(5)]
        base_url = lines[0].split("=", 1)[1].strip()
        tenants = [re.fullmatch(r"tenant (\d): token = (\S+)\s+diary database = (\S+)\s+"
                                r"root page = (\S+)\n", line) for line in lines[3:]]
        assert all(tenants), lines
        for found in tenants:
            assert found is not None
            _, token, database, root = found.groups()
            own = httpx.get(f"{base_url}/v1/pages/{root}", headers=bearer(token))
            assert own.status_code == 200
            assert httpx.get(f"{base_url}/v1/databases/{database}",
                             headers=bearer(token)).status_code == 200
        first, second = (found.groups() for found in tenants if found is not None)
        assert httpx.get(f"{base_url}/v1/pages/{second[3]}",
                         headers=bearer(first[1])).status_code == 404
    finally:
        # SIGTERM, not Ctrl-C: a shell's background job starts with SIGINT ignored.
        server.terminate()
        server.communicate(timeout=30)
