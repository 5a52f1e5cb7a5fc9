"""The collect stage against the sandbox: relations and mentions followed to linked pages."""

from __future__ import annotations

from collections import Counter

from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import (
    PRIVATE_PAGE_ID,
    PROBLEM_DATABASE_ID,
    PROJECT_DATABASE_ID,
)
from diaryflow.state.store import Store
from tests.collect.helpers import run
from tests.helpers import ClientFactory


def test_relations_and_mentions_are_followed_once_whatever_their_age(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    snap = run(sample_sandbox, make_client, store, recent_days=60, max_relation_depth=3)
    parents = Counter(p.parent.get("database_id") for p in snap.linked)
    assert parents[PROBLEM_DATABASE_ID] > 0 and parents[PROJECT_DATABASE_ID] > 0
    assert min(p.created_time.date() for p in snap.linked) < snap.window_start
    page_reads = Counter(r.path for r in sample_sandbox.requests if r.path.startswith("/v1/pages/"))
    assert page_reads and max(page_reads.values()) == 1  # the relation cycle is read once
    entry_ids = {e.page.id for e in snap.entries}
    assert not entry_ids & {p.id for p in snap.linked}
    assert PRIVATE_PAGE_ID in {m.id for m in snap.missing}  # unreadable, reported, not fatal


def test_relation_depth_limits_how_far_links_are_followed(
    sample_sandbox: FlowUsSandbox, make_client: ClientFactory, store: Store
) -> None:
    sizes = [
        len(run(sample_sandbox, make_client, store, recent_days=3, max_relation_depth=d).linked)
        for d in (0, 1, 2, 5)
    ]
    assert sizes[0] == 0
    assert 0 < sizes[1] < sizes[2] <= sizes[3]
    no_links = run(
        sample_sandbox,
        make_client,
        store,
        recent_days=3,
        fetch_relations=False,
        include_mentioned=False,
    )
    assert no_links.linked == ()
