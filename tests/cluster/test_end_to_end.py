"""The cluster end to end: 50 tenants, 2 planners and 3 workers as real processes, against
real PostgreSQL and Redis and the sandboxes; one complete page per tenant and period, no 429,
no tenant's text anywhere but its own page and prompt, no secret in any log."""

from __future__ import annotations

import json
import re

import pytest

from diaryflow.cluster.database import open_cluster
from diaryflow.sandbox.sample.tenants import tenant_marker, tenant_token
from tests.cluster.harness import MODEL_KEY, WEBHOOK, TestCluster, tenant_name
from tests.cluster.processes import start_planner, start_worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.timeout(300)]
MARKER = re.compile(r"【租户(\d+)】")


def states(world: TestCluster) -> dict[str, int]:
    with open_cluster(world.settings) as cluster:
        return {str(state): int(count) for state, count in cluster.query(
            "SELECT state, COUNT(*) FROM cluster_runs GROUP BY state")}


def test_fifty_tenants_two_planners_three_workers(cluster_world: TestCluster) -> None:
    world = cluster_world
    world.add_tenants(50)
    env = world.env
    planners = [start_planner(f"planner-{n}", env, world.folder) for n in (1, 2)]
    workers = [start_worker(f"worker-{n}", env, world.folder) for n in (1, 2, 3)]
    processes = planners + workers
    try:
        wait_for(lambda: states(world).get("done", 0) + states(world).get("failed", 0) >= 50,
                 240, "50 runs to finish")
    finally:
        codes = {p.name: p.stop() for p in processes}
    logs = {p.name: p.output for p in processes}
    assert codes == dict.fromkeys(codes, 0), logs
    assert states(world) == {"done": 50}, logs

    with open_cluster(world.settings) as cluster:
        rows = cluster.query("SELECT t.name, r.job, r.period, r.attempts, r.worker FROM "
                             "cluster_runs r JOIN tenants t ON t.id = r.tenant_id")
    assert len({(r[0], r[1], r[2]) for r in rows}) == 50
    assert len({str(r[4]).split(":")[0] for r in rows}) >= 1
    busy = {w.name for w in workers if "done: page" in w.output}
    assert len(busy) >= 2, "the work did not spread over the workers"

    for copy in world.copies:
        pages = world.report_pages(copy)
        assert len(pages) == 1, (tenant_name(copy), pages)  # archived ones count too
        assert not pages[0].get("archived")
        text = world.page_text(copy, pages[0]["id"])
        assert tenant_marker(copy.number) in text
        assert set(MARKER.findall(text)) == {str(copy.number)}
    assert world.flowus.rate_limited == 0
    assert world.model.rate_limited == 0

    requests = world.model.chat_requests()
    assert len(requests) >= 50
    for request in requests:
        seen = set(MARKER.findall(json.dumps(request.body, ensure_ascii=False)))
        assert len(seen) == 1, f"one prompt holds the text of tenants {sorted(seen)}"

    secrets = [MODEL_KEY, world.secret_key, *(tenant_token(c.number) for c in world.copies),
               *(f"{WEBHOOK}-{c.number}" for c in world.copies)]
    for name, text in logs.items():
        assert not [s for s in secrets if s in text], f"a secret in the log of {name}"
        assert "【租户" not in text, f"diary text in the log of {name}"
