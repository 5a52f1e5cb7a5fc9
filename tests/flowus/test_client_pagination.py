"""The FlowUs client over real HTTP against the sandbox: every page of a paginated list."""

from __future__ import annotations

import pytest

from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.flowus.faults import Fault
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID
from tests.flowus.helpers import PAGE, workspace_with_children
from tests.helpers import TOKEN, ClientFactory


def children_requests(sandbox: FlowUsSandbox) -> int:
    return sum(1 for r in sandbox.requests if r.path.endswith("/children"))


@pytest.mark.parametrize(("count", "requests"), [(0, 1), (1, 1), (100, 1), (101, 2), (250, 3)])
def test_pagination_reads_every_child(
    make_client: ClientFactory, count: int, requests: int
) -> None:
    with FlowUsSandbox(workspace_with_children(count), token=TOKEN) as sandbox:
        items = list(make_client(sandbox).list_children(PAGE))
        assert [i["data"]["rich_text"][0]["text"]["content"] for i in items] == [
            f"第 {n} 段" for n in range(count)
        ]
        assert children_requests(sandbox) == requests


def test_pagination_goes_past_an_empty_first_page(make_client: ClientFactory) -> None:
    with FlowUsSandbox(workspace_with_children(5), token=TOKEN) as sandbox:
        sandbox.inject(Fault("empty_first_page", path=r"/children$"))
        assert len(list(make_client(sandbox).list_children(PAGE))) == 5
        assert children_requests(sandbox) == 2


def test_database_query_is_paginated(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory
) -> None:
    client = make_client(sample_sandbox)
    small = [p["id"] for p in client.query_database(DIARY_DATABASE_ID, page_size=7)]
    large = [p["id"] for p in client.query_database(DIARY_DATABASE_ID)]
    assert small == large
    assert len(large) == len(set(large)) > 40
    queries = [r for r in sample_sandbox.requests if r.path.endswith("/query")]
    assert len(queries) == -(-len(large) // 7) + 1
