"""The history and /metrics queries the dashboard runs give the same answers on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from diaryflow.llm.types import CallRecord, Usage
from diaryflow.state.history import attempted, job_names, last_ok_period, last_run, runs_page
from diaryflow.state.runs import (
    finish_run,
    record_flowus,
    record_llm_call,
    record_skip,
    start_run,
)
from diaryflow.state.store import Store
from diaryflow.web.metrics import StateCollector
from diaryflow.web.overview import Overview
from tests.helpers import StoreFactory

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)


def fill(store_factory: StoreFactory) -> None:
    """30 attempts a minute apart; every third failed; jobs alternate; then 5 in one second."""
    for n in range(30):
        at = NOW + timedelta(minutes=n)
        with store_factory(clock=lambda at=at: at) as store:
            start_run(store, f"r{n:02d}", "daily" if n % 2 else "weekly", f"p{n % 10}")
            finish_run(store, f"r{n:02d}", "failed" if n % 3 == 0 else "ok")
    later = NOW + timedelta(hours=1)
    with store_factory(clock=lambda: later) as store:
        for n in range(30, 35):
            start_run(store, f"r{n:02d}", "daily", "same-second")


def test_history_pages_are_newest_first_without_gaps_or_repeats(
        store_factory: StoreFactory) -> None:
    fill(store_factory)
    with store_factory() as store:
        pages = [runs_page(store, page=n, size=8) for n in range(1, 6)]
        assert [len(p.rows) for p in pages] == [8, 8, 8, 8, 3]
        assert [p.has_more for p in pages] == [True, True, True, True, False]
        ids = [row.run_id for p in pages for row in p.rows]
        assert ids == [f"r{n:02d}" for n in range(34, -1, -1)]  # ties: the later insert first
        assert runs_page(store, page=0, size=8).page == 1  # a page below 1 is the first


def test_history_filters_combine(store_factory: StoreFactory) -> None:
    fill(store_factory)
    with store_factory() as store:
        failed = runs_page(store, status="failed").rows
        assert [r.run_id for r in failed] == [f"r{n:02d}" for n in range(27, -1, -3)]
        daily_failed = runs_page(store, job="daily", status="failed").rows
        assert [r.run_id for r in daily_failed] == ["r27", "r21", "r15", "r09", "r03"]
        period = runs_page(store, job="weekly", period="p4").rows
        assert [r.run_id for r in period] == ["r24", "r14", "r04"]
        assert runs_page(store, job="monthly").rows == []


def test_the_latest_attempts_of_a_job(store_factory: StoreFactory) -> None:
    fill(store_factory)
    with store_factory(clock=lambda: NOW + timedelta(hours=2)) as store:
        record_skip(store, "skip", "daily", "p9", None, "weekend")
        last = last_run(store, "daily")
        assert last is not None and last.run_id == "r34"
        skipped = last_run(store, "daily", skipped=True)
        assert skipped is not None and skipped.run_id == "skip"
        assert last_ok_period(store, "weekly") == "p8"  # r28
        assert last_ok_period(store, "monthly") is None and last_run(store, "monthly") is None
        assert attempted(store, "daily", "p1") and not attempted(store, "daily", "p2")
        record_skip(store, "skip2", "daily", "never-ran", None, "weekend")
        assert not attempted(store, "daily", "never-ran")
        assert job_names(store) == ["daily", "weekly"]


def samples(store: Store) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    collector = StateCollector(store, lambda: Overview([], None, None))
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in collector.collect() for s in family.samples}


def test_metrics_queries_agree(store_factory: StoreFactory) -> None:
    with store_factory(clock=lambda: NOW) as store:
        start_run(store, "ok", "daily", "p1")
        start_run(store, "bad", "daily", "p2")
        record_skip(store, "skip", "daily", "p3", None, "weekend")
    with store_factory(clock=lambda: NOW + timedelta(seconds=42)) as store:
        finish_run(store, "ok", "ok")
        record_flowus(store, "ok", 120, 3)
        record_flowus(store, "bad", 30, 1)
        record_llm_call(store, "ok", CallRecord("m1", "ok", 3.0, 200, usage=Usage(100, 20)))
        record_llm_call(store, "ok", CallRecord("m1", "error", 1.0, 503, error="busy"))
        record_llm_call(store, None, CallRecord("m2", "error", 1.0, 429, error="slow"))
    with store_factory(clock=lambda: NOW + timedelta(seconds=10)) as store:
        finish_run(store, "bad", "failed")
        got = samples(store)

    def value(name: str, **labels: str) -> float:
        return got[(name, tuple(sorted(labels.items())))]

    assert value("diaryflow_runs_total", job="daily", status="ok") == 1
    assert value("diaryflow_runs_total", job="daily", status="skipped") == 1
    assert value("diaryflow_last_success_timestamp_seconds", job="daily") == \
        (NOW + timedelta(seconds=42)).timestamp()
    assert value("diaryflow_run_duration_seconds_sum", job="daily", status="ok") == \
        pytest.approx(42, abs=0.01)
    assert value("diaryflow_run_duration_seconds_sum", job="daily", status="failed") == \
        pytest.approx(10, abs=0.01)
    assert value("diaryflow_flowus_requests_total", job="daily") == 150
    assert value("diaryflow_flowus_rate_limited_total", job="daily") == 4
    assert value("diaryflow_llm_tokens_total", job="daily", model="m1", kind="prompt") == 100
    assert value("diaryflow_llm_tokens_total", job="", model="m2", kind="completion") == 0
    assert value("diaryflow_llm_calls_total", model="m1", status="error") == 1
    assert value("diaryflow_llm_call_failures_total", model="m2", **{"class": "rate_limited"}) \
        == 1
