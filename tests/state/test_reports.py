"""Kept reports: saved once per (job, period), replaced in place, found by the dates they cover."""

from __future__ import annotations

from datetime import date

from diaryflow.state.reports import SavedReport, reports_within, save_report, saved_report
from diaryflow.state.runs import get_run, record_inputs, start_run
from tests.helpers import StoreFactory


def weekly(period: str, start: date, end: date, text: str = "本周") -> SavedReport:
    return SavedReport("weekly", period, start, end, "r-" + period, f"周报 {period}", text)


def test_a_report_is_kept_per_job_and_period_and_replaced_in_place(
        store_factory: StoreFactory) -> None:
    with store_factory() as store:
        assert saved_report(store, "weekly", "2026-W47") is None
        save_report(store, weekly("2026-W47", date(2026, 11, 16), date(2026, 11, 22), "一"))
        save_report(store, weekly("2026-W47", date(2026, 11, 16), date(2026, 11, 22), "二"))
        kept = saved_report(store, "weekly", "2026-W47")
        assert kept is not None and kept.markdown == "二" and kept.start == date(2026, 11, 16)
        assert saved_report(store, "monthly", "2026-W47") is None
        assert store.query("SELECT COUNT(*) FROM reports") == [(1,)]


def test_reports_within_a_window_are_those_wholly_inside_it_oldest_first(
        store_factory: StoreFactory) -> None:
    weeks = [("2026-W44", date(2026, 10, 26), date(2026, 11, 1)),
             ("2026-W46", date(2026, 11, 9), date(2026, 11, 15)),
             ("2026-W45", date(2026, 11, 2), date(2026, 11, 8)),
             ("2026-W49", date(2026, 11, 30), date(2026, 12, 6))]
    with store_factory() as store:
        for key, start, end in weeks:
            save_report(store, weekly(key, start, end))
        inside = reports_within(store, "weekly", date(2026, 11, 1), date(2026, 11, 30))
        assert [r.period for r in inside] == ["2026-W45", "2026-W46"]
        assert reports_within(store, "daily", date(2026, 11, 1), date(2026, 11, 30)) == []


def test_an_attempt_records_its_sources_and_privacy_counts(store_factory: StoreFactory) -> None:
    with store_factory() as store:
        start_run(store, "r1", "monthly", "2026-11")
        row = get_run(store, "r1")
        assert row is not None and row.sources == () and row.privacy == {}
        record_inputs(store, "r1", sources=["2026-W45", "2026-W46"],
                      privacy={"excluded": 2, "phone": 1})
        row = get_run(store, "r1")
        assert row is not None and row.sources == ("2026-W45", "2026-W46")
        assert row.privacy == {"excluded": 2, "phone": 1}
