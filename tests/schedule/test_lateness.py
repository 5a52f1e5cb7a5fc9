from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from diaryflow.config.load import config_from_mapping, report_jobs
from diaryflow.schedule.lateness import due, grace, late_status

UTC = timezone.utc


def test_grace_is_every_attempts_timeout_plus_the_waits_between_them(tmp_path: Path) -> None:
    loaded = config_from_mapping({"scheduler": {"max_retries": 2, "retry_interval": 300,
                                                "retry_backoff": 2.0, "timeout": 600}},
                                 base_dir=tmp_path)
    assert grace(loaded, report_jobs(loaded)[0]) == timedelta(seconds=3 * 600 + 300 + 600)


def test_a_weekly_job_is_judged_by_its_last_week_once_the_grace_is_over(tmp_path: Path) -> None:
    loaded = config_from_mapping({
        "scheduler": {"timezone": "Asia/Shanghai", "max_retries": 0, "timeout": 600},
        "jobs": [{"name": "weekly", "period": "week", "on": "monday", "time": "09:00"}],
    }, base_dir=tmp_path)
    job = report_jobs(loaded)[0]
    monday = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    inside = due(loaded, job, monday + timedelta(minutes=5))
    assert inside.period == "2026-W48" and inside.checked == "2026-W47"
    after = due(loaded, job, monday + timedelta(minutes=11))
    assert after.period == after.checked == "2026-W48"
    assert after.deadline == monday + timedelta(minutes=10)


def test_late_missed_pending_ok_and_paused(tmp_path: Path) -> None:
    loaded = config_from_mapping({"scheduler": {"time": "08:00", "timezone": "UTC",
                                                "max_retries": 0, "timeout": 600}},
                                 base_dir=tmp_path)
    job = report_jobs(loaded)[0]
    now = datetime(2026, 11, 28, 8, 5, tzinfo=UTC)
    state = due(loaded, job, now)
    assert (state.period, state.checked) == ("2026-11-28", "2026-11-27")
    done = {"2026-11-27"}
    tried: set[str] = set()
    assert late_status(state, done.__contains__, tried.__contains__) == "pending"
    assert late_status(state, set().__contains__, tried.__contains__) == "missed"
    assert late_status(state, set().__contains__, {"2026-11-27"}.__contains__) == "late"
    assert late_status(state, {"2026-11-27", "2026-11-28"}.__contains__,
                       tried.__contains__) == "ok"
    assert late_status(state, set().__contains__, tried.__contains__, paused=True) == "paused"


def test_a_weekday_job_is_not_due_on_weekends(tmp_path: Path) -> None:
    loaded = config_from_mapping({"scheduler": {"time": "08:00", "timezone": "UTC",
                                                "run_on_weekends": False}}, base_dir=tmp_path)
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert due(loaded, report_jobs(loaded)[0], sunday).period == "2026-11-27"  # Friday
