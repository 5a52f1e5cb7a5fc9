"""Benchmark of the web dashboard: latency over 100,000 runs, and idle memory.

Fills a state database with 100,000 attempts over three jobs (with model calls for some),
starts a real `diaryflow web` on 127.0.0.1, and measures the median latency of the overview
and of the first history page (targets: ≤ 50 ms each), and the process's idle RSS (target:
≤ 60 MB).
"""

from __future__ import annotations

import argparse
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from diaryflow.state.store import Store

RUNS = 100_000
LATENCY_TARGET_MS = 50.0
RSS_TARGET_MB = 60.0
JOBS = ("daily", "weekly", "monthly")
CONFIG = """\
[siliconflow]
model = "offline"
[scheduler]
time = "08:00"
timezone = "Asia/Shanghai"
[web]
port = {port}
[[jobs]]
name = "daily"
period = "day"
[[jobs]]
name = "weekly"
period = "week"
[[jobs]]
name = "monthly"
period = "month"
"""


def fill(path: Path, runs: int) -> None:
    """``runs`` attempts, newest now, one every ten minutes back in time."""
    Store(path).close()  # the schema, with its indexes
    start = datetime.now(timezone.utc)
    statuses = ("ok", "ok", "ok", "failed", "skipped")
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO runs (run_id, job, period, attempt, started_at, finished_at, status, "
            "error, stages_json, model, prompt_tokens, completion_tokens) "
            "VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, 'm', 1000, 200)",
            ((f"r{n:06d}", JOBS[n % 3], (start - timedelta(minutes=10 * n)).date().isoformat(),
              (start - timedelta(minutes=10 * n)).replace(microsecond=0).isoformat(),
              (start - timedelta(minutes=10 * n - 1)).replace(microsecond=0).isoformat(),
              statuses[n % 5], "boom" if n % 5 == 3 else None, '{"collect": 1.5}')
             for n in range(runs)))
        db.executemany(
            "INSERT INTO llm_calls (run_id, at, model, status, prompt_tokens, "
            "completion_tokens, seconds) VALUES (?, ?, 'm', 'ok', 1000, 200, 3.0)",
            ((f"r{n:06d}", start.isoformat()) for n in range(0, runs, 10)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def median_ms(client: httpx.Client, path: str, count: int) -> float:
    client.get(path)  # warm
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        config = Path(folder) / "config.toml"
        config.write_text(CONFIG.format(port=port), encoding="utf-8")
        fill(Path(folder) / "diaryflow.db", args.runs)
        web = subprocess.Popen([sys.executable, "-m", "diaryflow", "web", "--config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{base}/api/jobs", timeout=2)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            time.sleep(2)
            idle = rss_mb(web.pid)
            with httpx.Client(base_url=base) as client:
                overview = median_ms(client, "/", args.requests)
                history = median_ms(client, "/history", args.requests)
                filtered = median_ms(client, "/history?job=weekly&status=failed", args.requests)
                metrics = median_ms(client, "/metrics", 10)
        finally:
            web.terminate()
            web.wait(10)
    print(f"runs in the history table: {args.runs:,}")
    for name, value in (("overview", overview), ("history, first page", history)):
        print(f"{name}: median {value:.1f} ms "
              f"({value / LATENCY_TARGET_MS:.2f} of the {LATENCY_TARGET_MS:.0f} ms bound)")
    print(f"history filtered by job and status: median {filtered:.1f} ms")
    print(f"/metrics (aggregates at scrape time): median {metrics:.1f} ms")
    print(f"idle RSS of diaryflow web (before requests): {idle:.1f} MB "
          f"({idle / RSS_TARGET_MB:.2f} of the {RSS_TARGET_MB:.0f} MB bound)")


if __name__ == "__main__":
    main()
