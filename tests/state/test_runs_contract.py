"""Runs, report pages, checkpoints and model calls round-trip the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from diaryflow.llm.types import CallRecord, Usage
from diaryflow.state.history import model_calls
from diaryflow.state.runs import (
    ReportPage,
    checkpoint,
    clear_checkpoints,
    end_unfinished_run,
    finish_run,
    forget_report_page,
    get_run,
    interrupt_orphans,
    period_done,
    recent_runs,
    record_flowus,
    record_llm_call,
    record_skip,
    report_page,
    save_checkpoint,
    save_report_page,
    start_run,
)
from tests.helpers import StoreFactory

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)


def test_an_attempt_is_recorded_from_start_to_finish(store_factory: StoreFactory) -> None:
    with store_factory(clock=lambda: NOW) as store:
        assert start_run(store, "r1", "daily", "2026-11-27", "2026-11-28T08:00:00+08:00") == 1
        row = get_run(store, "r1")
        assert row is not None and row.status == "running" and row.finished_at is None
        assert row.started_at == "2026-11-28T08:00:00+00:00" and row.retryable
    with store_factory(clock=lambda: NOW + timedelta(seconds=42)) as store:
        finish_run(store, "r1", "failed", error="FlowUs 503", stages={"collect": 1.5},
                   model="m1", prompt_tokens=100, completion_tokens=20, page_id="pg",
                   retryable=False)
        record_flowus(store, "r1", 120, 3)
        assert start_run(store, "r2", "daily", "2026-11-27") == 2  # the next attempt
        assert not period_done(store, "daily", "2026-11-27")
        finish_run(store, "r2", "ok")
        assert period_done(store, "daily", "2026-11-27")
        assert not period_done(store, "weekly", "2026-11-27")
        row = get_run(store, "r1")
    assert row is not None and row.status == "failed" and row.error == "FlowUs 503"
    assert row.finished_at == "2026-11-28T08:00:42+00:00" and row.stages == {"collect": 1.5}
    assert (row.model, row.prompt_tokens, row.completion_tokens, row.page_id, row.retryable) == \
        ("m1", 100, 20, "pg", False)
    assert row.scheduled_at == "2026-11-28T08:00:00+08:00" and row.attempt == 1


def test_unfinished_attempts_are_closed_and_skips_recorded(store_factory: StoreFactory) -> None:
    with store_factory(clock=lambda: NOW) as store:
        for run_id in ("a", "b", "c"):
            start_run(store, run_id, "daily", f"p-{run_id}")
        finish_run(store, "c", "ok")
        end_unfinished_run(store, "a", "timeout", "ran past its timeout")
        end_unfinished_run(store, "c", "timeout", "not running: untouched")
        assert interrupt_orphans(store, "serve") == 1  # only "b" was still running
        record_skip(store, "s", "daily", "p-s", None, "weekend")
        rows = {run_id: get_run(store, run_id) for run_id in ("a", "b", "c", "s")}
    assert {k: (r.status if r else None) for k, r in rows.items()} == \
        {"a": "timeout", "b": "interrupted", "c": "ok", "s": "skipped"}
    b, s = rows["b"], rows["s"]
    assert b is not None and b.error is not None and "found by serve" in b.error and b.retryable
    assert s is not None and s.reason == "weekend" and s.attempt == 0


def test_recent_runs_are_newest_first_and_by_job(store_factory: StoreFactory) -> None:
    with store_factory(clock=lambda: NOW) as store:  # one second for all: insertion order
        for number in range(5):
            start_run(store, f"r{number}", "daily" if number % 2 else "weekly", f"p{number}")
        assert [r.run_id for r in recent_runs(store)] == ["r4", "r3", "r2", "r1", "r0"]
        assert [r.run_id for r in recent_runs(store, 2)] == ["r4", "r3"]
        assert [r.run_id for r in recent_runs(store, job="daily")] == ["r3", "r1"]
        assert recent_runs(store, job="never") == []


def test_report_pages_are_one_per_job_and_period(store_factory: StoreFactory) -> None:
    with store_factory(clock=lambda: NOW) as store:
        assert report_page(store, "daily", "p") is None
        save_report_page(store, "daily", "p", "page-1", None, False)
        save_report_page(store, "daily", "p", "page-1", "https://flowus.cn/page-1", True)
        save_report_page(store, "weekly", "p", "page-2", None, False)
        assert report_page(store, "daily", "p") == \
            ReportPage("page-1", "https://flowus.cn/page-1", True)
        assert store.query("SELECT COUNT(*) FROM report_pages") == [(2,)]
        forget_report_page(store, "daily", "p")
        assert report_page(store, "daily", "p") is None
        assert report_page(store, "weekly", "p") == ReportPage("page-2", None, False)


def test_checkpoints_are_kept_per_stage_and_cleared_per_period(
        store_factory: StoreFactory) -> None:
    content = {"entries": [{"title": "周一", "words": 12}], "ratio": 0.5, "none": None}
    with store_factory(clock=lambda: NOW) as store:
        assert checkpoint(store, "daily", "p", "collect") is None
        save_checkpoint(store, "daily", "p", "collect", "r1", {"old": True})
        save_checkpoint(store, "daily", "p", "collect", "r2", content)
        save_checkpoint(store, "daily", "p", "generate", "r2", {"text": "100% 完成"})
        save_checkpoint(store, "daily", "q", "collect", "r3", {"other": 1})
    with store_factory() as store:
        assert checkpoint(store, "daily", "p", "collect") == content
        assert checkpoint(store, "daily", "p", "generate") == {"text": "100% 完成"}
        clear_checkpoints(store, "daily", "p")
        assert checkpoint(store, "daily", "p", "collect") is None
        assert checkpoint(store, "daily", "q", "collect") == {"other": 1}


def test_model_calls_round_trip_oldest_first(store_factory: StoreFactory) -> None:
    with store_factory(clock=lambda: NOW) as store:
        start_run(store, "r1", "daily", "p")
        record_llm_call(store, "r1", CallRecord("m1", "ok", 3.25, 200, usage=Usage(100, 20),
                                                finish_reason="stop"))
        record_llm_call(store, "r1", CallRecord("m2", "error", 1.5, None, error="timeout"))
        record_llm_call(store, None, CallRecord("m1", "ok", 0.125, 200))  # outside a run
        calls = model_calls(store, "r1")
    assert [(c.model, c.status, c.http_status, c.error, c.prompt_tokens, c.completion_tokens,
             c.seconds, c.finish_reason) for c in calls] == [
        ("m1", "ok", 200, None, 100, 20, 3.25, "stop"),
        ("m2", "error", None, "timeout", 0, 0, 1.5, None)]
    assert calls[0].at == "2026-11-28T08:00:00+00:00"
