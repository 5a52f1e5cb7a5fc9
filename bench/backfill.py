"""Benchmark of a backfill: 52 weekly reports over a year, then the year's report two ways.

A year of the scaled sample diary (about three entries every two days, ~60 blocks each) in the
FlowUs sandbox with 100 ms latency and FlowUs's documented limits (1,000 reads and 100 writes a
minute, enforced by the sandbox), the OpenAI-compatible sandbox as the model. Runs the real CLI
as child processes:

1. ``diaryflow backfill --job weekly`` over the 52 ISO weeks of 2025: wall time against the
   bound the rate limits and the latency set, requests per report, 429s met;
2. the same backfill again: every week skipped, no page made;
3. ``run --job yearly`` (``source_job = "weekly"``) and ``run --job yearly_raw`` (raw entries):
   model calls and prompt tokens of the yearly report with and without ``source_job``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from diaryflow.sandbox import FlowUsSandbox, scaled_workspace
from diaryflow.sandbox.flowus.api import is_read
from diaryflow.sandbox.openai.server import OpenAISandbox
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID, ROOT_PAGE_ID

READS_PER_MINUTE = 1000
WRITES_PER_MINUTE = 100
LATENCY = 0.1
CONCURRENCY = 8
FIRST, LAST = date(2024, 12, 30), date(2025, 12, 28)  # 2025-W01 … 2025-W52
YEAR = "2025"


def write_config(folder: Path, flowus: FlowUsSandbox, llm: OpenAISandbox) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f"""
[flowus]
token = "{flowus.token}"
base_url = "{flowus.base_url}"
database_id = "{DIARY_DATABASE_ID}"
parent_page_id = "{ROOT_PAGE_ID}"
date_property = "日期"
reads_per_minute = {READS_PER_MINUTE}
writes_per_minute = {WRITES_PER_MINUTE}
concurrency = {CONCURRENCY}

[siliconflow]
token = "{llm.api_key}"
base_url = "{llm.base_url}"
model = "{llm.models[0]}"

[[jobs]]
name = "weekly"
period = "week"
title = "周报 {{period}}"

[[jobs]]
name = "yearly"
period = "year"
source_job = "weekly"
title = "年度回顾 {{period}}"

[[jobs]]
name = "yearly_raw"
period = "year"
title = "年度回顾（原文） {{period}}"
""",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def diaryflow(config: Path, *args: str) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "diaryflow", *args, "--config", str(config)],
        check=True, capture_output=True, text=True,
    )
    return time.monotonic() - started, done.stdout


def history(config: Path, job: str) -> list[dict[str, Any]]:
    _, out = diaryflow(config, "history", "--json", "-n", "1000", "--job", job)
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def count(sandbox: FlowUsSandbox) -> tuple[int, int]:
    reads = sum(1 for r in sandbox.requests if is_read(r.method, r.path))
    return reads, len(sandbox.requests) - reads


def backfill(config: Path, flowus: FlowUsSandbox, label: str) -> None:
    flowus.clear_requests()
    seconds, out = diaryflow(config, "backfill", "--job", "weekly", "--from", FIRST.isoformat(),
                             "--to", LAST.isoformat())
    reads, writes = count(flowus)
    print(f"{label}: {out.strip().splitlines()[-1]}")
    print(f"  {reads} reads + {writes} writes in {seconds:.1f} s wall; 429s met: "
          f"{flowus.rate_limited}")
    if reads + writes:
        # A period reads, then writes: the two budgets are spent one after the other.
        by_reads = max(reads / (READS_PER_MINUTE / 60), reads * LATENCY / CONCURRENCY)
        by_writes = writes / (WRITES_PER_MINUTE / 60)
        bound = by_reads + by_writes
        print(f"  bound {by_reads:.1f} s of reads + {by_writes:.1f} s of writes = {bound:.1f} s "
              f"-> wall / bound = {seconds / bound:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blocks", type=int, default=60, help="blocks per entry")
    args = parser.parse_args()
    entries = (LAST - FIRST).days * 3 // 2
    workspace = scaled_workspace(entries=entries, blocks_per_entry=args.blocks, end_date=LAST)
    print(f"{entries} entries of ~{args.blocks} blocks from {FIRST} to {LAST}; "
          f"latency {LATENCY * 1000:.0f} ms; limits {READS_PER_MINUTE} reads and "
          f"{WRITES_PER_MINUTE} writes a minute")
    with tempfile.TemporaryDirectory() as tmp, OpenAISandbox() as llm, FlowUsSandbox(
        workspace, latency=LATENCY, read_limit=READS_PER_MINUTE, write_limit=WRITES_PER_MINUTE
    ) as flowus:
        config = write_config(Path(tmp), flowus, llm)
        backfill(config, flowus, "1. backfill of 52 weeks")
        weekly = [r for r in history(config, "weekly") if r["status"] == "ok"]
        reads, writes = count(flowus)
        print(f"  per report: {(reads + writes) / len(weekly):.1f} requests "
              f"({reads / len(weekly):.1f} reads, {writes / len(weekly):.1f} writes), "
              f"{sum(r['prompt_tokens'] for r in weekly) / len(weekly):.0f} prompt + "
              f"{sum(r['completion_tokens'] for r in weekly) / len(weekly):.0f} completion tokens")
        backfill(config, flowus, "2. the same backfill again")
        print(f"3. the {YEAR} report")
        for job in ("yearly", "yearly_raw"):
            before = len(llm.chat_requests())
            seconds, _ = diaryflow(config, "run", "--job", job, "--period", YEAR)
            row = history(config, job)[0]
            built = f", built from {len(row['sources'])} weekly reports" if row.get(
                "sources") else ", from the raw entries"
            print(f"  {job}: {len(llm.chat_requests()) - before} model calls, "
                  f"{row['prompt_tokens']} prompt + {row['completion_tokens']} completion "
                  f"tokens in {seconds:.1f} s{built}")
        ratio = history(config, "yearly")[0]["prompt_tokens"] / max(
            1, history(config, "yearly_raw")[0]["prompt_tokens"])
        print(f"  prompt tokens with source_job / without = {ratio:.1%}")


if __name__ == "__main__":
    main()
