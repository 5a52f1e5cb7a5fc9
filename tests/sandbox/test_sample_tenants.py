"""Tenant copies of the sample: every id remapped, references kept, every diary entry marked."""

from __future__ import annotations

import json
import re
from typing import Any

from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID, ROOT_PAGE_ID, sample_workspace
from diaryflow.sandbox.sample.tenants import (
    tenant_id,
    tenant_marker,
    tenant_workspace,
    tenant_workspaces,
)
from tests.sandbox.helpers import DIARY_ENTRIES, END

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def uuids(data: Any) -> set[str]:
    return set(UUID.findall(json.dumps(data, ensure_ascii=False)))


def test_no_original_id_survives_and_tenants_share_none() -> None:
    original = uuids(sample_workspace(END).to_json())
    one, two = tenant_workspace(1, END), tenant_workspace(2, END)
    ids_one, ids_two = uuids(one.workspace.to_json()), uuids(two.workspace.to_json())
    assert len(original) > 500
    assert not ids_one & original and not ids_two & original and not ids_one & ids_two
    # One id each, plus the marker paragraph of every diary entry (archived ones too).
    rows = [p for p in one.workspace.pages.values() if p["parent"].get("database_id")]
    diary = [p for p in rows if p["parent"]["database_id"] == one.diary_database_id]
    assert len(ids_one) == len(original) + len(diary)
    assert one.diary_database_id == tenant_id(DIARY_DATABASE_ID, 1) in one.workspace.databases
    assert one.root_page_id == tenant_id(ROOT_PAGE_ID, 1) in one.workspace.pages
    assert tenant_workspace(1, END).workspace.to_json() == one.workspace.to_json()


def test_references_point_into_the_same_copy() -> None:
    copy = tenant_workspace(7, END)
    ws = copy.workspace
    related = [
        item["id"]
        for page in ws.pages.values()
        for value in page["properties"].values()
        if value.get("type") == "relation"
        for item in value["relation"]
    ]
    mentioned = re.findall(r'"page_id": "([0-9a-f-]{36})"', json.dumps(ws.to_json()))
    assert related and mentioned
    assert set(related) | set(mentioned) <= set(ws.pages) | set(ws.blocks)
    for page in ws.pages.values():
        parent = page["parent"]
        key = parent["type"]
        if key in ("page_id", "database_id", "block_id"):
            assert parent[key] in {**ws.pages, **ws.databases, **ws.blocks}, page["id"]


def test_every_diary_entry_carries_its_tenant_marker() -> None:
    assert tenant_marker(1) not in tenant_marker(10) and tenant_marker(1) not in tenant_marker(11)
    copies = tenant_workspaces(3, END)
    assert [c.number for c in copies] == [1, 2, 3]
    for copy in copies:
        rows = copy.workspace.rows(copy.diary_database_id)
        live = [r for r in rows if not r.get("archived")]
        assert len(live) == DIARY_ENTRIES
        for row in rows:
            title = "".join(i["plain_text"] for i in row["properties"]["标题"]["title"])
            first = row["children"][0]
            assert title.startswith(copy.marker)
            assert first["type"] == "paragraph"
            assert copy.marker in first["data"]["rich_text"][0]["plain_text"]
        text = json.dumps(copy.workspace.to_json(), ensure_ascii=False)
        others = [c.marker for c in copies if c is not copy]
        assert not any(marker in text for marker in others)
    plain = json.dumps(sample_workspace(END).to_json(), ensure_ascii=False)
    assert "租户" not in plain
