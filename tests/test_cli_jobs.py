"""`status` lists every job; `history --job` shows one job's runs; `backfill` makes each once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.flowus.api import is_read
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.state.runs import finish_run, start_run
from diaryflow.state.store import Store
from tests.helpers import PACED_LIMIT, PACED_RATE, PACED_WINDOW, most_in_a_window


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


def test_a_backfill_of_six_weeks_makes_six_pages_and_a_second_one_makes_none(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    config = weekly_site(sample_sandbox, tmp_path)
    args = ("backfill", "--job", "weekly", "--from", "2026-10-19", "--to", "2026-11-29",
            "--config", str(config))
    first = diaryflow(*args)
    assert first.returncode == 0, first.stderr
    assert "6 made, 0 skipped, of 6 week periods" in first.stdout
    titles = [f"周报 2026-W{n}" for n in range(43, 49)]
    assert report_titles(sample_sandbox) == titles
    second = diaryflow(*args)
    assert second.returncode == 0, second.stderr
    assert "0 made, 6 skipped, of 6 week periods" in second.stdout
    assert report_titles(sample_sandbox) == titles
    forced = diaryflow("backfill", "--job", "weekly", "--from", "2026-10-19", "--to",
                       "2026-10-25", "--config", str(config), "--force")
    assert "1 made, 0 skipped, of 1 week periods" in forced.stdout, forced.stderr
    assert report_titles(sample_sandbox) == titles


def report_titles(sandbox: FlowUsSandbox) -> list[str]:
    ws = sandbox.workspace
    return sorted(b["data"].get("title") for b in ws.children_list(ROOT_PAGE_ID) or []
                  if b["type"] == "child_page" and str(b["data"].get("title")).startswith("周报")
                  and not ws.pages[b["id"]].get("archived"))


def test_ctrl_c_stops_a_backfill_after_the_current_period_and_a_rerun_goes_on(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    config = weekly_site(sample_sandbox, tmp_path)
    sample_sandbox.set_latency(0.05)  # each period takes a while: the signal lands mid-run
    args = [sys.executable, "-m", "diaryflow", "backfill", "--job", "weekly", "--from",
            "2026-10-19", "--to", "2026-11-29", "--config", str(config)]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    first = child.stdout.readline()  # the first period is done
    child.send_signal(signal.SIGINT)  # a real Ctrl-C, during the second period
    rest, errors = child.communicate(timeout=120)
    assert first.startswith("[1/6] weekly 2026-W43"), errors
    assert child.returncode == 130, errors
    # The signal lands just after period 1 was printed: the current period is the first or
    # the second, and the backfill stops once it is done, never in the middle of one.
    made = report_titles(sample_sandbox)
    assert made in (["周报 2026-W43"], ["周报 2026-W43", "周报 2026-W44"])
    assert f"Stopped after {made[-1].split()[-1]} on request" in rest
    sample_sandbox.set_latency(0)
    again = diaryflow(*args[3:])
    assert f"{6 - len(made)} made, {len(made)} skipped, of 6 week periods" in again.stdout
    assert len(report_titles(sample_sandbox)) == 6


def weekly_site(sandbox: FlowUsSandbox, tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[flowus]\ntoken = "{sandbox.token}"\nbase_url = "{sandbox.base_url}"\n'
        f'url = "https://flowus.cn/x/{ROOT_PAGE_ID}"\nparent_page_id = "{ROOT_PAGE_ID}"\n'
        'date_property = "日期"\nreads_per_minute = 60000\nwrites_per_minute = 60000\n'
        '[siliconflow]\nmodel = "offline"\n'
        '[[jobs]]\nname = "weekly"\nperiod = "week"\ntitle = "周报 {period}"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    return config


def test_a_backfill_keeps_the_read_limit_across_its_periods(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    # The server's limit and the client's rate of test_client_pacing: no window of the whole
    # backfill, across period boundaries, holds more reads than the server allows.
    config = weekly_site(sample_sandbox, tmp_path)
    config.write_text(config.read_text(encoding="utf-8").replace(
        "reads_per_minute = 60000", f"reads_per_minute = {PACED_RATE}"), encoding="utf-8")
    sample_sandbox.set_limits(read_limit=PACED_LIMIT, rate_window=PACED_WINDOW)
    result = diaryflow("backfill", "--job", "weekly", "--from", "2026-11-02", "--to",
                       "2026-11-22", "--config", str(config))
    assert "3 made, 0 skipped, of 3 week periods" in result.stdout, result.stderr
    assert sample_sandbox.rate_limited == 0
    reads = [r.started for r in sample_sandbox.requests if is_read(r.method, r.path)]
    assert len(reads) > 2 * PACED_LIMIT
    assert most_in_a_window(reads, PACED_WINDOW) <= PACED_LIMIT
