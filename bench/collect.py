"""Benchmark of the collect stage: 300 entries of ~60 blocks, 100 ms latency, 1,000 reads/min.

Runs `diaryflow export` as a child process against the sandbox (so the child's peak RSS is
the collector's alone), cold and then warm after three entries changed, and prints the
requests made, the wall time, the peak RSS and the ratio to the lower bound
max(requests ÷ rate, requests × latency ÷ concurrency).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from diaryflow.sandbox import FlowUsSandbox, scaled_workspace
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID

READS_PER_MINUTE = 1000
LATENCY = 0.1
CONCURRENCY = 8


def write_config(folder: Path, base_url: str, token: str, days: int) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f"""
[flowus]
token = "{token}"
base_url = "{base_url}"
database_id = "{DIARY_DATABASE_ID}"
reads_per_minute = {READS_PER_MINUTE}
concurrency = {CONCURRENCY}

[database]
recent_days = {days}
""",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def export(config: Path, end: date) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "diaryflow", "export", "--config", str(config),
         "--date", end.isoformat()],
        check=True, stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def report(label: str, requests: int, seconds: float, limited: int) -> None:
    by_rate = requests / (READS_PER_MINUTE / 60)
    by_latency = requests * LATENCY / CONCURRENCY
    bound = max(by_rate, by_latency)
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{label}: {requests} requests, {seconds:.1f} s wall, peak RSS {rss_mb:.0f} MB, "
        f"bound {bound:.1f} s -> ratio {seconds / bound:.3f}, 429s answered: {limited}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--blocks", type=int, default=60)
    args = parser.parse_args()
    end = date(2026, 11, 27)
    workspace = scaled_workspace(entries=args.entries, blocks_per_entry=args.blocks, end_date=end)
    with tempfile.TemporaryDirectory() as tmp, FlowUsSandbox(
        workspace, latency=LATENCY, read_limit=READS_PER_MINUTE
    ) as sandbox:
        config = write_config(Path(tmp), sandbox.base_url, sandbox.token, days=366)
        cold_seconds = export(config, end)
        cold = len(sandbox.requests)
        report("cold", cold, cold_seconds, sandbox.rate_limited)
        changed = sandbox.workspace.touch_entries(3)
        sandbox.clear_requests()
        warm_seconds = export(config, end)
        warm = len(sandbox.requests)
        report(f"warm ({len(changed)} entries changed)", warm, warm_seconds, sandbox.rate_limited)
        print(f"warm requests / cold requests = {warm / cold:.3%} (target <= 5%)")


if __name__ == "__main__":
    main()
