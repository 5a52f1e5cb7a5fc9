"""`status` lists every job; `history --job` shows one job's runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from diaryflow.state.runs import finish_run, start_run
from diaryflow.state.store import Store


def diaryflow(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "diaryflow", *args], capture_output=True,
                          text=True, timeout=60)


def jobs_site(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        '[scheduler]\ntimezone = "Asia/Shanghai"\n'
        '[[jobs]]\nname = "weekly"\nperiod = "week"\ntime = "09:00"\n'
        '[[jobs]]\nname = "monthly"\nperiod = "month"\non = "last"\nenabled = false\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    with Store(tmp_path / "diaryflow.db") as store:
        start_run(store, "a1", "weekly", "2026-W47")
        finish_run(store, "a1", "ok", page_id="0123456789abcdef")
        start_run(store, "b1", "monthly", "2026-10")
        finish_run(store, "b1", "failed", error="boom", retryable=False)
    return config


def test_status_lists_every_job_with_its_next_fire_and_last_result(tmp_path: Path) -> None:
    result = diaryflow("status", "--config", str(jobs_site(tmp_path)))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    weekly = next(line for line in lines if line.startswith("Job weekly (week): next "))
    assert " 09:00 CST · last: " in weekly and "period 2026-W47 · ok" in weekly
    monthly = next(line for line in lines if line.startswith("Job monthly (month): "))
    assert "next disabled" in monthly and "period 2026-10 · failed" in monthly


def test_history_job_shows_only_that_jobs_runs(tmp_path: Path) -> None:
    config = jobs_site(tmp_path)
    result = diaryflow("history", "--json", "--job", "weekly", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert [(r["job"], r["period"]) for r in json.loads(result.stdout)] == [
        ("weekly", "2026-W47")]
    every = json.loads(diaryflow("history", "--json", "--config", str(config)).stdout)
    assert {r["job"] for r in every} == {"weekly", "monthly"}
