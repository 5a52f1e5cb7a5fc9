"""`diaryflow serve` as a real process with [[jobs]]: a job's own timeout, retries and webhook."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.state.runs import recent_runs
from diaryflow.state.store import Store
from tests.schedule.helpers import webhook_receiver

JOB_SECRET = "job-hook-secret-4711"
GLOBAL_SECRET = "global-hook-secret-0815"


def test_a_jobs_timeout_retries_and_webhook_are_its_own(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    sample_sandbox.set_latency(6.0)  # every request outlasts the job's 2 s deadline
    at = datetime.now(timezone.utc) + timedelta(seconds=3)
    with webhook_receiver(JOB_SECRET) as own, webhook_receiver(GLOBAL_SECRET) as shared:
        config = tmp_path / "config.toml"
        config.write_text("\n".join([
            "[flowus]", f'token = "{sample_sandbox.token}"',
            f'base_url = "{sample_sandbox.base_url}"', f'url = "https://flowus.cn/x/{ROOT_PAGE_ID}"',
            f'parent_page_id = "{ROOT_PAGE_ID}"', 'date_property = "日期"',
            "[scheduler]", 'time = "03:00"', 'timezone = "UTC"', "catch_up = false",
            "max_retries = 3", "retry_interval = 1", "timeout = 60",
            "[notify]", f'webhook_url = "{shared.url()}"',
            "[[jobs]]", 'name = "late"', 'period = "day"', f'time = "{at:%H:%M:%S}"',
            "max_retries = 0", "timeout = 2", f'webhook_url = "{own.url()}"',
        ]) + "\n", encoding="utf-8")
        config.chmod(0o600)
        daemon = subprocess.Popen(
            [sys.executable, "-m", "diaryflow", "serve", "--config", str(config)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
        try:
            deadline = time.monotonic() + 40
            while not own.received and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.5)  # a retry (scheduler.max_retries) would have started by now
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(20)
    with Store(tmp_path / "diaryflow.db") as store:
        runs = recent_runs(store)
    assert [(r.job, r.status) for r in runs] == [("late", "timeout")]
    assert "jobs[1].timeout = 2 s" in (runs[0].error or "")
    assert [body["job"] for _, _, body in own.received] == ["late"]
    assert shared.received == []
    output = daemon.stdout.read() if daemon.stdout else ""
    logs = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "logs").glob("*"))
    assert "failure notice for late" in logs
    for secret in (JOB_SECRET, GLOBAL_SECRET, sample_sandbox.token):
        assert secret not in output + logs
