"""/healthz, /metrics and the JSON API over a real uvicorn, with a fixed clock."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from diaryflow.config.load import load_config, report_jobs
from diaryflow.llm.types import CallRecord, Usage
from diaryflow.schedule.lateness import due
from diaryflow.state.lock import Lock, serve_lock_path
from diaryflow.state.runs import finish_run, record_flowus, record_llm_call, start_run
from diaryflow.state.store import Store
from tests.web.serving import serving_file, write_config

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
SCHEDULER = ('[scheduler]\ntime = "08:00"\ntimezone = "UTC"\nmax_retries = 1\n'
             'retry_interval = 600\ntimeout = 900\n')  # grace: 900 + 600 + 900 s = 40 min


def record(folder: Path, job: str, period: str, status: str, at: datetime = NOW,
           run_id: str | None = None, seconds: float = 30.0) -> str:
    run_id = run_id or f"{job}-{period}-{status}"
    with Store(folder / "diaryflow.db", clock=lambda: at) as store:
        start_run(store, run_id, job, period)
    with Store(folder / "diaryflow.db", clock=lambda: at + timedelta(seconds=seconds)) as store:
        finish_run(store, run_id, status, error=None if status == "ok" else "boom",
                   prompt_tokens=100, completion_tokens=20, model="m1")
    return run_id


def health(path: Path, now: datetime = NOW) -> httpx.Response:
    with serving_file(path, clock=lambda: now) as url:
        return httpx.get(f"{url}/healthz")


def test_healthz_says_missed_when_a_due_period_has_no_attempt(tmp_path: Path) -> None:
    answer = health(write_config(tmp_path, SCHEDULER))
    assert answer.status_code == 503
    assert answer.json() == {"serve": "stopped", "jobs": [
        {"name": "default", "last_ok_period": None, "late": True, "status": "missed"}]}


def test_healthz_says_late_when_every_attempt_failed_past_the_grace(tmp_path: Path) -> None:
    config = write_config(tmp_path, SCHEDULER)
    record(tmp_path, "default", "2026-11-27", "ok")
    record(tmp_path, "default", "2026-11-28", "failed")
    answer = health(config)
    assert answer.status_code == 503
    assert answer.json()["jobs"] == [
        {"name": "default", "last_ok_period": "2026-11-27", "late": True, "status": "late"}]


def test_healthz_is_200_with_serve_holding_its_lock_and_nothing_late(tmp_path: Path) -> None:
    config = write_config(tmp_path, SCHEDULER)
    record(tmp_path, "default", "2026-11-28", "ok")
    lock = Lock(serve_lock_path(tmp_path / "diaryflow.db"))
    assert lock.try_acquire()
    try:
        answer = health(config)
    finally:
        lock.release()
    assert answer.status_code == 200
    assert answer.json() == {"serve": "running", "jobs": [
        {"name": "default", "last_ok_period": "2026-11-28", "late": False, "status": "ok"}]}
    assert health(config).status_code == 503  # the lock released: serve is stopped


def test_a_period_within_its_grace_is_pending_not_late(tmp_path: Path) -> None:
    config = write_config(tmp_path, SCHEDULER)
    record(tmp_path, "default", "2026-11-27", "ok")
    record(tmp_path, "default", "2026-11-28", "failed", at=NOW.replace(hour=8))
    answer = health(config, NOW.replace(hour=8, minute=30))  # 30 of 40 minutes gone
    assert answer.json()["jobs"][0] == {
        "name": "default", "last_ok_period": "2026-11-27", "late": False, "status": "pending"}
    answer = health(config, NOW.replace(hour=8, minute=41))
    assert answer.json()["jobs"][0]["status"] == "late"


def test_healthz_with_a_real_serve_process(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[scheduler]\ntime = "03:00"\ntimezone = "UTC"\n'
                        "catch_up = false\n")
    config = load_config(path, env={})
    state = due(config, report_jobs(config)[0], datetime.now(timezone.utc))
    for period in {state.period, state.checked} - {None}:
        record(tmp_path, "default", str(period), "ok", at=datetime.now(timezone.utc))
    serve = subprocess.Popen([sys.executable, "-m", "diaryflow", "serve", "--config", str(path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 20
        while Lock(serve_lock_path(tmp_path / "diaryflow.db")).holder() != serve.pid:
            assert time.monotonic() < deadline and serve.poll() is None
            time.sleep(0.1)
        with serving_file(path) as url:
            answer = httpx.get(f"{url}/healthz")
            assert answer.status_code == 200, answer.text
            assert answer.json()["serve"] == "running"
            jobs = httpx.get(f"{url}/api/jobs").json()
            assert jobs["serve_pid"] == serve.pid
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(15)


def test_metrics_parse_and_count_runs_tokens_and_failures(tmp_path: Path) -> None:
    config = write_config(tmp_path, SCHEDULER)
    run_id = record(tmp_path, "default", "2026-11-28", "ok", seconds=42.0)
    record(tmp_path, "default", "2026-11-27", "failed", seconds=10.0)
    with Store(tmp_path / "diaryflow.db") as store:
        record_llm_call(store, run_id, CallRecord("m1", "ok", 3.0, 200, usage=Usage(100, 20)))
        record_llm_call(store, run_id, CallRecord("m1", "error", 1.0, 503, error="busy"))
        record_llm_call(store, run_id, CallRecord("m2", "error", 1.0, 429, error="slow down"))
        record_llm_call(store, run_id, CallRecord("m2", "error", 9.0, None, error="timeout"))
        record_flowus(store, run_id, 120, 3)
        record_flowus(store, "default-2026-11-27-failed", 30, 1)
    with serving_file(config, clock=lambda: NOW) as url:
        answer = httpx.get(f"{url}/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(answer.text)
               for s in family.samples}

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    assert value("diaryflow_runs_total", job="default", status="ok") == 1
    assert value("diaryflow_runs_total", job="default", status="failed") == 1
    finished = NOW + timedelta(seconds=42)
    assert value("diaryflow_last_success_timestamp_seconds", job="default") == \
        finished.timestamp()
    assert abs(value("diaryflow_run_duration_seconds_sum", job="default", status="ok") - 42) < 1
    assert value("diaryflow_run_duration_seconds_count", job="default", status="ok") == 1
    assert value("diaryflow_llm_tokens_total", job="default", model="m1", kind="prompt") == 100
    assert value("diaryflow_llm_tokens_total", job="default", model="m1",
                 kind="completion") == 20
    assert value("diaryflow_llm_calls_total", model="m2", status="error") == 2
    assert value("diaryflow_llm_call_failures_total", model="m1", **{"class": "overloaded"}) == 1
    assert value("diaryflow_llm_call_failures_total", model="m2",
                 **{"class": "rate_limited"}) == 1
    assert value("diaryflow_llm_call_failures_total", model="m2",
                 **{"class": "no_response"}) == 1
    assert value("diaryflow_flowus_requests_total", job="default") == 150
    assert value("diaryflow_flowus_rate_limited_total", job="default") == 4
    assert value("diaryflow_serve_up") == 0
    assert value("diaryflow_job_late", job="default") == 0
    assert value("diaryflow_job_paused", job="default") == 0


def test_api_runs_filters_and_pages_newest_first(tmp_path: Path) -> None:
    config = write_config(tmp_path, SCHEDULER)
    for day in range(1, 28):
        record(tmp_path, "default", f"2026-11-{day:02d}", "ok" if day % 3 else "failed",
               at=NOW - timedelta(days=30 - day))
    with serving_file(config, clock=lambda: NOW) as url:
        first = httpx.get(f"{url}/api/runs").json()
        failed = httpx.get(f"{url}/api/runs", params={"status": "failed"}).json()
        one = httpx.get(f"{url}/api/runs", params={"period": "2026-11-05"}).json()
        html = httpx.get(f"{url}/history", params={"status": "failed"}).text
    assert [r["period"] for r in first["runs"]][:2] == ["2026-11-27", "2026-11-26"]
    assert first["has_more"] is False and len(first["runs"]) == 27
    assert {r["status"] for r in failed["runs"]} == {"failed"} and len(failed["runs"]) == 9
    assert [r["period"] for r in one["runs"]] == ["2026-11-05"]
    assert "2026-11-27" in html and "2026-11-26" not in html


def test_history_pages_follow_each_other_without_gaps(tmp_path: Path) -> None:
    config = write_config(tmp_path, SCHEDULER)
    with Store(tmp_path / "diaryflow.db", clock=lambda: NOW) as store:
        for number in range(130):
            start_run(store, f"r{number:03d}", "default", f"p{number:03d}")
    with serving_file(config, clock=lambda: NOW) as url:
        api = [httpx.get(f"{url}/api/runs", params={"page": n}).json() for n in (1, 2)]
        html = [httpx.get(f"{url}/history", params={"page": n}).text for n in (1, 2, 3)]
    assert [len(p["runs"]) for p in api] == [100, 30]
    assert [p["has_more"] for p in api] == [True, False]
    ids = [r["run_id"] for p in api for r in p["runs"]]
    assert ids == [f"r{n:03d}" for n in range(129, -1, -1)]  # newest first, each once
    shown = [sorted(set(re.findall(r"/runs/(r\d{3})", page))) for page in html]
    assert [len(s) for s in shown] == [50, 50, 30] and not set(shown[0]) & set(shown[1])
    assert 'rel="next"' in html[0] and 'rel="prev"' in html[2] and 'rel="next"' not in html[2]
