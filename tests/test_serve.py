"""`diaryflow serve` as a real process: scheduled attempts, signals, the lock, hard deadlines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.schedule.child import ChildLauncher
from diaryflow.schedule.signals import Waker
from diaryflow.state.runs import recent_runs, start_run
from diaryflow.state.store import Store

LLM_KEY = "sk-serve-test-key-not-real"


def write_config(folder: Path, sandbox: FlowUsSandbox, at: datetime, **extra: str) -> Path:
    config = folder / "config.toml"
    lines = [
        "[flowus]", f'token = "{sandbox.token}"', f'base_url = "{sandbox.base_url}"',
        f'url = "https://flowus.cn/x/{ROOT_PAGE_ID}"', f'parent_page_id = "{ROOT_PAGE_ID}"',
        'date_property = "日期"', "writes_per_minute = 60000", "reads_per_minute = 60000",
        "[scheduler]", f'time = "{at:%H:%M:%S}"', 'timezone = "UTC"', "catch_up = false",
        "max_retries = 0", "timeout = 60",
    ]
    for key, value in extra.items():
        lines.append(f"{key} = {value}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config.chmod(0o600)
    return config


def start_serve(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "diaryflow", "serve", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=config.parent,
    )


@pytest.fixture
def served(sample_sandbox: FlowUsSandbox, tmp_path: Path) -> Iterator[tuple[Path, FlowUsSandbox]]:
    yield tmp_path, sample_sandbox


def wait_for(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def statuses(config: Path) -> list[str]:
    with Store(config.parent / "diaryflow.db") as store:
        return [r.status for r in recent_runs(store)]


def test_serve_runs_a_scheduled_attempt_and_stops_on_sigterm(
    served: tuple[Path, FlowUsSandbox]
) -> None:
    folder, sandbox = served
    config = write_config(folder, sandbox, datetime.now(timezone.utc) + timedelta(seconds=3))
    daemon = start_serve(config)
    try:
        assert wait_for(lambda: "ok" in statuses(config), 40), daemon.stdout
        started = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(10) == 0 and time.monotonic() - started < 5
    finally:
        daemon.kill()
    output = daemon.stdout.read() if daemon.stdout else ""
    assert "next report at" in output
    pages = [b for b in sandbox.workspace.children_list(ROOT_PAGE_ID) or []
             if b["type"] == "child_page" and b["data"]["title"].startswith("AI生成内容")]
    assert len(pages) == 1


def test_a_second_serve_exits_75_naming_the_first(served: tuple[Path, FlowUsSandbox]) -> None:
    folder, sandbox = served
    config = write_config(folder, sandbox, datetime.now(timezone.utc) + timedelta(hours=2))
    first = start_serve(config)
    try:
        time.sleep(1.5)
        second = subprocess.run([sys.executable, "-m", "diaryflow", "serve", "--config",
                                 str(config)], capture_output=True, text=True, timeout=30)
        assert second.returncode == 75
        assert f"pid {first.pid}" in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(10)


def test_a_killed_daemon_leaves_no_lock_behind(served: tuple[Path, FlowUsSandbox]) -> None:
    folder, sandbox = served
    config = write_config(folder, sandbox, datetime.now(timezone.utc) + timedelta(hours=2))
    first = start_serve(config)
    time.sleep(1.5)
    first.kill()  # SIGKILL: no chance to clean up
    first.wait(10)
    again = start_serve(config)
    try:
        time.sleep(2)
        assert again.poll() is None  # running, not refused
    finally:
        again.send_signal(signal.SIGTERM)
        assert again.wait(10) == 0


def test_disabled_serve_exits_0(served: tuple[Path, FlowUsSandbox]) -> None:
    folder, sandbox = served
    config = write_config(folder, sandbox, datetime.now(timezone.utc))
    config.write_text(config.read_text().replace("catch_up = false", "catch_up = false\n"
                                                 "enabled = false"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "diaryflow", "serve", "--config",
                             str(config)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "enabled = false" in result.stdout


def test_a_hung_attempt_is_killed_at_its_deadline(tmp_path: Path) -> None:
    # the child and a grandchild both hang and ignore SIGTERM; the whole group must go
    script = ("import os, signal, subprocess, sys, time\n"
              "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
              "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
              "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)'])\n"
              "time.sleep(120)\n")
    state = tmp_path / "diaryflow.db"
    with Store(state) as store:
        start_run(store, "hung", "default", "2026-11-27")
    with Waker() as waker:
        launcher = ChildLauncher(waker, grace=1.0)
        started = time.monotonic()
        outcome = launcher.run([sys.executable, "-c", script], 1.5, state, "hung")
        elapsed = time.monotonic() - started
    assert outcome.status == "timeout" and outcome.retryable
    assert 1.5 <= elapsed < 6
    assert "scheduler.timeout" in (outcome.error or "")
    with Store(state) as store:
        assert [r.status for r in recent_runs(store)] == ["timeout"]
    leftover = subprocess.run(["pgrep", "-f", "time.sleep(120)"], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


def log_times(log: Path, needle: str) -> list[datetime]:
    """When each line of ``log`` containing ``needle`` was written."""
    return [datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
            for line in log.read_text(encoding="utf-8").splitlines() if needle in line]


def test_a_retry_after_a_timed_out_attempt_waits_its_whole_interval(
    served: tuple[Path, FlowUsSandbox]
) -> None:
    # A real hung attempt is killed at its deadline; the kill's SIGCHLD must not end the wait.
    folder, sandbox = served
    sandbox.set_latency(6.0)  # every request outlasts the 2 s deadline
    config = write_config(folder, sandbox, datetime.now(timezone.utc) + timedelta(seconds=2))
    config.write_text(config.read_text().replace("max_retries = 0", "max_retries = 1\n"
                      "retry_interval = 3").replace("timeout = 60", "timeout = 2"),
                      encoding="utf-8")
    daemon = start_serve(config)
    try:
        assert wait_for(lambda: statuses(config) == ["timeout", "timeout"], 40), daemon.stdout
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(10)
    log = folder / "logs" / "scheduler.log"
    (waited,) = log_times(log, "retry 1 in 3 s")
    started = log_times(log, " started (pid ")
    assert len(started) == 2 and started[0] < waited < started[1]
    assert 3.0 <= (started[1] - waited).total_seconds() < 5.0


def test_secrets_never_reach_the_logs_after_a_failing_run(
    served: tuple[Path, FlowUsSandbox]
) -> None:
    from diaryflow.sandbox import OpenAISandbox

    folder, sandbox = served
    with OpenAISandbox(api_key="a-different-key") as llm:  # our key is refused: 401
        config = write_config(folder, sandbox, datetime.now(timezone.utc) + timedelta(seconds=2))
        config.write_text(config.read_text() + f'[siliconflow]\ntoken = "{LLM_KEY}"\n'
                          f'base_url = "{llm.base_url}"\n'
                          '[notify]\nwebhook_url = "http://127.0.0.1:9/hook/secret-hook-token"\n',
                          encoding="utf-8")
        daemon = start_serve(config)
        try:
            assert wait_for(lambda: "failed" in statuses(config), 40)
            time.sleep(1)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(10)
    output = daemon.stdout.read() if daemon.stdout else ""
    logs = "".join(p.read_text(encoding="utf-8") for p in (folder / "logs").glob("*"))
    everything = output + logs
    assert "siliconflow.token" in everything  # the failure is explained
    for secret in (LLM_KEY, sandbox.token, "secret-hook-token"):
        assert secret not in everything
    assert os.path.exists(folder / "logs" / "scheduler.log")


def test_sigterm_during_an_attempt_stops_it_and_records_it(
    served: tuple[Path, FlowUsSandbox]
) -> None:
    folder, sandbox = served
    sandbox.set_latency(1.0)  # every request takes a second: the attempt is still running
    config = write_config(folder, sandbox, datetime.now(timezone.utc) + timedelta(seconds=2))
    daemon = start_serve(config)
    try:
        assert wait_for(lambda: "running" in statuses(config), 30)
        time.sleep(1)
        started = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(20) == 0
        assert time.monotonic() - started < 12  # within the grace period
    finally:
        daemon.kill()
    assert statuses(config) == ["cancelled"]


def test_sighup_with_a_bad_file_keeps_serving(served: tuple[Path, FlowUsSandbox]) -> None:
    folder, sandbox = served
    config = write_config(folder, sandbox, datetime.now(timezone.utc) + timedelta(hours=2))
    daemon = start_serve(config)
    try:
        time.sleep(1.5)
        good = config.read_text(encoding="utf-8")
        config.write_text(good.replace('timezone = "UTC"', 'timezone = "Mars/Olympus"'),
                          encoding="utf-8")
        daemon.send_signal(signal.SIGHUP)
        log = folder / "logs" / "scheduler.log"
        assert wait_for(lambda: log.exists() and "keeping the old one" in log.read_text(), 10)
        assert daemon.poll() is None
        config.write_text(good.replace('timezone = "UTC"', 'timezone = "Asia/Tokyo"'),
                          encoding="utf-8")
        daemon.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "(Asia/Tokyo)" in log.read_text(), 10)
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(10) == 0
