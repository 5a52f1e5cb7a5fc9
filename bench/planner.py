"""The planner's cost at scale: one pass over N tenants who all ask for a daily report at 08:00
(Asia/Shanghai), against a real PostgreSQL and a real Redis broker.

Three passes with an injected clock: the first look at every tenant (07:59:50, nothing due),
the 08:00 pass that adds N runs and sends N task messages, and an idle pass after it. It prints
each pass's seconds, the time per tenant, and the 08:00 pass extrapolated to 100,000 tenants
against the 15 s between passes.

    python bench/planner.py [--tenants 10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' service helpers

from tests.cluster.redis_server import RedisServer, redis_server_binary
from tests.postgres import postgres_server

from diaryflow.clock import utc_now
from diaryflow.cluster.broker import broker_client, queue_depth
from diaryflow.cluster.bundle import read_bundle, schedule_of
from diaryflow.cluster.database import open_cluster
from diaryflow.cluster.planner import PASS_INTERVAL, Planner
from diaryflow.cluster.queue import make_app, send_run
from diaryflow.cluster.settings import ClusterSettings

CONFIG = """\
[flowus]
token = "bench-token"
url = "https://flowus.cn/x/00000000-0000-4000-8000-000000000001"
parent_page_id = "00000000-0000-4000-8000-000000000002"
[scheduler]
time = "08:00"
timezone = "Asia/Shanghai"
catch_up = false
"""


def add_tenants(settings: ClusterSettings, count: int, folder: Path) -> None:
    """``count`` tenant rows with one real tenant's schedule (the planner never opens the
    sealed bundle, so one placeholder serves them all)."""
    path = folder / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    schedule = json.dumps(schedule_of(read_bundle(path)), ensure_ascii=False, sort_keys=True)
    with open_cluster(settings) as cluster:
        cluster.execute("INSERT INTO tenants (name, sealed, schedule_json) "
                        "SELECT 'tenant-' || n, 'sealed', ? FROM generate_series(1, ?) AS n",
                        (schedule, count))


def redis_memory(client: Any) -> int:
    """The bytes Redis uses now."""
    return int(client.info("memory")["used_memory"])


def main() -> None:
    """Time the three passes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=10_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-planner-"))
    redis = RedisServer(redis_server_binary(), folder)
    redis.start()
    try:
        with postgres_server() as postgres:
            settings = ClusterSettings(database_url=postgres.new_database(),
                                       broker_url=redis.url)
            add_tenants(settings, args.tenants, folder)
            app = make_app(settings.broker_url)
            client = broker_client(settings.broker_url)
            memory_before = redis_memory(client)
            now = [datetime(2026, 12, 1, 23, 59, 50, tzinfo=timezone.utc)]
            with open_cluster(settings) as cluster:
                def send(run_id: int, timeout: float, at: datetime) -> None:
                    send_run(app, run_id, timeout, utc_now(), at)

                planner = Planner(cluster, send, clock=lambda: now[0],
                                  queue_depth=lambda: queue_depth(client))
                figures = []
                for label, at in (("first look, nothing due", "2026-12-01T23:59:50"),
                                  ("08:00, every run due", "2026-12-02T00:00:05"),
                                  ("idle, after 08:00", "2026-12-02T00:00:20")):
                    now[0] = datetime.fromisoformat(at).replace(tzinfo=timezone.utc)
                    started = time.perf_counter()
                    result = planner.run_pass()
                    figures.append((label, time.perf_counter() - started, result.planned))
            messages = queue_depth(client) or 0
            memory = redis_memory(client) - memory_before
    finally:
        redis.stop()
    print(f"{args.tenants} tenants, each a daily report at 08:00 Asia/Shanghai; "
          f"{messages} task messages in the queue, {memory / max(messages, 1):.0f} bytes of "
          f"Redis memory each")
    for label, seconds, planned in figures:
        scaled = seconds / args.tenants * 100_000
        print(f"  {label:24s} {seconds:7.2f} s, {planned:6d} planned, "
              f"{seconds / args.tenants * 1000:.3f} ms per tenant; at 100,000 tenants "
              f"{scaled:6.1f} s = {scaled / PASS_INTERVAL:.2f} x the {PASS_INTERVAL:.0f} s "
              f"between passes")


if __name__ == "__main__":
    main()
