"""Cluster throughput: reports per minute with 1, 2 and 4 workers, against the bound the
shared model-key limit sets.

Every round starts afresh: a new PostgreSQL database and Redis, N tenants (each its own token
and workspace copy in one FlowUs sandbox answering every request after 100 ms, with FlowUs'
per-token limits of 1,000 reads and 100 writes a minute), a model sandbox answering every call
in a fixed 2 s, one planner, and W worker processes (`diaryflow cluster worker`). The round
ends when every tenant's run is done; it prints the reports per minute, the scaling ratio to
one worker, the ratio to the model-key bound (`[limits] model_requests_per_minute`: one call
per report), and the 429s met (FlowUs and model), which must be 0. It also prints what one
report cost (FlowUs reads and writes, model calls, prompt tokens, the tokens its calls drew
from the key's budget) and the memory of the worker processes: the capacity model's inputs.

    python bench/cluster.py [--tenants 500] [--workers 1 2 4] [--concurrency 8]
                            [--model-rpm 600]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' service helpers

from tests.cluster.harness import MODEL_KEY, TestCluster
from tests.cluster.processes import start_planner, start_worker
from tests.cluster.redis_server import RedisServer, redis_server_binary
from tests.helpers import echo_titles
from tests.postgres import postgres_server

from diaryflow.cluster.database import open_cluster
from diaryflow.cluster.settings import ClusterSettings
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.openai.answer import prompt_tokens
from diaryflow.sandbox.openai.server import OpenAISandbox
from diaryflow.sandbox.sample.load import sample_workspace

LATENCY = 0.1  # seconds before every FlowUs answer
MODEL_SECONDS = 2.0  # every model answer


def done(settings: ClusterSettings) -> tuple[int, int]:
    """(finished runs, all runs)."""
    with open_cluster(settings) as cluster:
        rows = cluster.query("SELECT state, COUNT(*) FROM cluster_runs GROUP BY state")
    counts = {str(state): int(count) for state, count in rows}
    return counts.get("done", 0) + counts.get("failed", 0), sum(counts.values())


def per_report(flowus: FlowUsSandbox, model: OpenAISandbox, tenants: int) -> dict[str, float]:
    """What one report cost on average: FlowUs requests, model calls and tokens."""
    mine = [r for r in flowus.requests if r.tenant not in (None, "default")]
    calls = [r for r in model.chat_requests() if r.status == 200]
    prompts = [prompt_tokens(r.body["messages"]) for r in calls]
    drawn = [p + int(r.body.get("max_tokens") or 0) for p, r in zip(prompts, calls, strict=True)]
    return {"reads": sum(r.kind == "read" for r in mine) / tenants,
            "writes": sum(r.kind == "write" for r in mine) / tenants,
            "calls": len(calls) / tenants, "prompt_tokens": sum(prompts) / tenants,
            "budget_tokens": sum(drawn) / tenants}


def group_usage(pgid: int) -> tuple[float, float]:
    """(resident MiB, CPU seconds so far) of every process in a process group."""
    rss = cpu = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                cpu += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
                rss += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return rss / 2**20, cpu / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK"), sum(values) / os.sysconf("SC_CLK_TCK")


def one_round(postgres: object, tenants: int, workers: int, concurrency: int,
              model_rpm: int) -> dict[str, float]:
    """Run ``tenants`` reports with ``workers`` workers; the figures of the round."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-cluster-{workers}-"))
    redis = RedisServer(redis_server_binary(), folder)
    redis.start()
    settings = ClusterSettings(database_url=postgres.new_database(),  # type: ignore[attr-defined]
                               broker_url=redis.url)
    try:
        with FlowUsSandbox(sample_workspace(), token="bench-default", latency=LATENCY,
                           read_limit=1000, write_limit=100, rate_window=60.0) as flowus, \
                OpenAISandbox(api_key=MODEL_KEY, responder=echo_titles,
                              answer_delay=MODEL_SECONDS, rpm_limit=model_rpm) as model:
            world = TestCluster(folder, settings, flowus, model)
            world.write_cluster_toml(model_requests_per_minute=model_rpm,
                                     model_tokens_per_minute=100_000_000)
            started = time.monotonic()
            world.add_tenants(tenants)
            print(f"  {tenants} tenants added in {time.monotonic() - started:.1f} s",
                  flush=True)
            procs = [start_worker(f"worker-{n}", world.env, folder, concurrency)
                     for n in range(1, workers + 1)]
            started = time.monotonic()
            cpu_before = sum(group_usage(proc.process.pid)[1] for proc in procs)
            busy_before = machine_busy()
            procs.append(start_planner("planner", world.env, folder, interval=2.0))
            finished = 0
            while finished < tenants:
                time.sleep(2)
                finished, _ = done(settings)
                print(f"\r  {finished}/{tenants} reports, {time.monotonic() - started:.0f} s",
                      end="", flush=True)
            seconds = time.monotonic() - started
            print(flush=True)
            usage = [group_usage(proc.process.pid) for proc in procs[:-1]]
            busy_after = machine_busy()
            busy = ((busy_after[0] - busy_before[0])
                    / max(busy_after[1] - busy_before[1], 1e-9))
            for proc in procs:
                proc.stop()
            return {"seconds": seconds, "per_minute": tenants / seconds * 60,
                    "flowus_429": flowus.rate_limited, "model_429": model.rate_limited,
                    "worker_mib": sum(mib for mib, _ in usage) / (workers * (concurrency + 1)),
                    "worker_cpu": (sum(cpu for _, cpu in usage) - cpu_before) / tenants,
                    "machine_busy": busy,
                    **per_report(flowus, model, tenants)}
    finally:
        redis.stop()


def main() -> None:
    """Run the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--model-rpm", type=int, default=600)
    args = parser.parse_args()
    results = {}
    with postgres_server() as postgres:
        for workers in args.workers:
            print(f"{workers} worker(s) x {args.concurrency} processes:", flush=True)
            results[workers] = one_round(postgres, args.tenants, workers, args.concurrency,
                                         args.model_rpm)
    base = results[args.workers[0]]["per_minute"]
    print(f"\n{args.tenants} tenants; FlowUs {LATENCY * 1000:.0f} ms per request, "
          f"1,000 reads / 100 writes a minute per token; model {MODEL_SECONDS:g} s per call; "
          f"model-key bound {args.model_rpm} reports/min (one call each)")
    for workers, figures in results.items():
        print(f"  {workers} worker(s): {figures['per_minute']:7.1f} reports/min "
              f"({figures['seconds']:.0f} s); scaling x{figures['per_minute'] / base:.2f}; "
              f"{figures['per_minute'] / args.model_rpm:.2f} of the model-key bound; "
              f"429s: FlowUs {figures['flowus_429']:.0f}, model {figures['model_429']:.0f}")
    for workers, figures in results.items():
        print(f"  per report ({workers} worker(s)): FlowUs {figures['reads']:.1f} reads, "
              f"{figures['writes']:.1f} writes; model {figures['calls']:.2f} calls, "
              f"{figures['prompt_tokens']:.0f} prompt tokens, "
              f"{figures['budget_tokens']:.0f} tokens drawn from the key's budget; "
              f"{figures['worker_mib']:.0f} MiB per worker process, "
              f"{figures['worker_cpu']:.2f} worker CPU seconds; "
              f"machine CPU {figures['machine_busy']:.0%} busy ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
