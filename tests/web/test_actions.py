"""Run now, rerun, pause against the sandboxes: real runs, a real serve, a real uvicorn."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.state.lock import Lock, run_lock_path
from diaryflow.state.runs import recent_runs
from diaryflow.state.store import Store
from tests.web.serving import sandbox_config, serve_firing_soon, serving_file


def csrf(client: httpx.Client) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert found is not None
    return found[1]


def started_run(answer: httpx.Response) -> str:
    """The id of the run an action started, from where it sends the browser."""
    assert answer.status_code == 303, answer.text
    location = httpx.URL(answer.headers["location"])
    assert location.path == "/" and location.params["notice"] == "started"
    return location.params["run"]


def wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_run_now_starts_a_real_run_that_ends_ok(sample_sandbox: FlowUsSandbox,
                                                tmp_path: Path) -> None:
    path = sandbox_config(tmp_path, sample_sandbox)
    with serving_file(path) as url, httpx.Client(base_url=url) as browser:
        answer = browser.post("/jobs/default/run", data={"csrf": csrf(browser)})
        assert answer.status_code == 303
        run_id = started_run(answer)

        def status() -> str | None:
            runs = browser.get("/api/runs").json()["runs"]
            return next((r["status"] for r in runs if r["run_id"] == run_id), None)

        assert wait_for(lambda: status() == "ok", 60), status()
        fragment = browser.get("/fragments/overview").text
        assert 'class="run run-ok"' in fragment and f"/runs/{run_id}" in fragment
        detail = browser.get(f"/runs/{run_id}").text
        assert "collect" in detail and f"run {run_id}" in detail  # stages and log lines
        period = browser.get("/api/runs").json()["runs"][0]["period"]
        report = browser.get(f"/report/default/{period}")
        assert report.status_code == 200 and "本期日记索引" in report.text
    pages = [b for b in sample_sandbox.workspace.children_list(ROOT_PAGE_ID) or []
             if b["type"] == "child_page"]
    assert len(pages) == 1


def test_a_held_run_lock_starts_nothing(sample_sandbox: FlowUsSandbox, tmp_path: Path) -> None:
    path = sandbox_config(tmp_path, sample_sandbox)
    with serving_file(path) as url, httpx.Client(base_url=url) as browser:
        token = csrf(browser)
        lock = Lock(run_lock_path(tmp_path / "diaryflow.db"))
        assert lock.try_acquire()
        try:
            assert "A run is in progress" in browser.get(
                "/", headers={"Accept-Language": "en"}).text
            for action, data in (("run", {}), ("rerun", {"period": "2026-11-20"})):
                answer = browser.post(f"/jobs/default/{action}", data={"csrf": token, **data})
                assert answer.headers["location"] == "/?notice=busy"
            assert "已有运行正在进行" in browser.get("/?notice=busy").text
        finally:
            lock.release()
        bad = browser.post("/jobs/default/rerun", data={"csrf": token, "period": "2026-W99"})
        assert bad.status_code == 400 and "--period" in bad.text
        assert browser.post("/jobs/nope/run", data={"csrf": token}).status_code == 404
    time.sleep(0.5)
    with Store(tmp_path / "diaryflow.db") as store:
        assert recent_runs(store) == []


def test_rerun_reports_the_chosen_period(sample_sandbox: FlowUsSandbox, tmp_path: Path) -> None:
    path = sandbox_config(tmp_path, sample_sandbox)
    with serving_file(path) as url, httpx.Client(base_url=url) as browser:
        answer = browser.post("/jobs/default/rerun",
                              data={"csrf": csrf(browser), "period": "2026-11-27"})
        run_id = started_run(answer)
        assert wait_for(lambda: any(r["run_id"] == run_id and r["status"] == "ok"
                                    for r in browser.get("/api/runs").json()["runs"]), 60)
        assert browser.get("/api/runs").json()["runs"][0]["period"] == "2026-11-27"


def test_a_real_serve_skips_a_job_paused_from_the_dashboard(sample_sandbox: FlowUsSandbox,
                                                            tmp_path: Path) -> None:
    with serve_firing_soon(tmp_path, sample_sandbox, 6) as path, serving_file(path) as url, \
            httpx.Client(base_url=url) as browser:
        assert wait_for(lambda: browser.get("/healthz").json()["serve"] == "running", 20)
        # serve is already running: the pause reaches it without a restart.
        answer = browser.post("/jobs/default/pause", data={"csrf": csrf(browser)})
        assert answer.status_code == 303

        def runs() -> list[dict[str, object]]:
            found: list[dict[str, object]] = browser.get("/api/runs").json()["runs"]
            return found

        assert wait_for(lambda: bool(runs()), 30)
        assert [(r["status"], r["reason"]) for r in runs()] == [("skipped", "paused")]
        assert "已暂停" in browser.get("/").text
