"""Several jobs under one daemon: each on its own day, one after the other, caught up alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from diaryflow.config.load import Config, config_from_mapping
from diaryflow.schedule.child import Outcome
from diaryflow.schedule.daemon import Daemon
from diaryflow.schedule.signals import STOP
from diaryflow.state.runs import finish_run, recent_runs, start_run
from diaryflow.state.store import Store
from tests.schedule.helpers import FakeTime

UTC = timezone.utc
JOBS = [
    {"name": "daily", "period": "day", "time": "07:00"},
    {"name": "weekly", "period": "week", "time": "09:00"},
    {"name": "monthly", "period": "month", "time": "09:00"},
]


@dataclass
class JobLauncher:
    """Records each child's job and period as `diaryflow run --job --period` would."""

    time: FakeTime
    calls: list[tuple[datetime, str, str]] = field(default_factory=list)
    stop_requested: bool = False

    def run(self, command: Sequence[str], timeout: float, store_path: Path, run_id: str,
            setting: str = "scheduler.timeout") -> Outcome:
        job = command[command.index("--job") + 1]
        period = command[command.index("--period") + 1]
        self.calls.append((self.time.now_at, job, period))
        with Store(store_path) as store:
            start_run(store, run_id, job, period)
            finish_run(store, run_id, "ok")
        self.time.now_at += timedelta(seconds=60)
        return Outcome("ok", False)


def daemon_for(tmp_path: Path, time: FakeTime, **scheduler: Any) -> tuple[Daemon, JobLauncher]:
    settings = {"time": "08:00", "timezone": "Asia/Shanghai", "catch_up": False, **scheduler}
    config: Config = config_from_mapping({"scheduler": settings, "jobs": JOBS}, tmp_path)
    launcher = JobLauncher(time)
    return Daemon(tmp_path / "config.toml", config, lambda p: config, time, launcher,
                  now=time.now), launcher


def shanghai(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def test_each_job_fires_on_its_day_and_reports_its_last_complete_period(tmp_path: Path
                                                                         ) -> None:
    time = FakeTime(shanghai(29, 12))  # Sunday noon
    time.events.append((shanghai(2, 12, month=12), STOP))
    daemon, launcher = daemon_for(tmp_path, time)
    assert daemon.serve() == 0
    assert [(job, period) for _, job, period in launcher.calls] == [
        ("daily", "2026-11-29"),  # Monday 07:00: Sunday's diary
        ("weekly", "2026-W48"),  # Monday 09:00: last week
        ("daily", "2026-11-30"),  # Tuesday 1 December 07:00
        ("monthly", "2026-11"),  # Tuesday 09:00: November
        ("daily", "2026-12-01"),
    ]
    assert launcher.calls[1][0] == shanghai(30, 9)


def test_jobs_due_at_the_same_minute_run_one_after_the_other(tmp_path: Path) -> None:
    time = FakeTime(datetime(2027, 1, 31, 4, tzinfo=UTC))  # Sunday noon in Shanghai
    time.events.append((datetime(2027, 2, 1, 4, tzinfo=UTC), STOP))  # Monday 1 February
    daemon, launcher = daemon_for(tmp_path, time)
    daemon.serve()
    nine = datetime(2027, 2, 1, 1, tzinfo=UTC)
    assert [(at, job, period) for at, job, period in launcher.calls if job != "daily"] == [
        (nine, "weekly", "2027-W04"), (nine + timedelta(seconds=60), "monthly", "2027-01")]


def test_a_missed_weekly_report_is_caught_up_once_at_start(tmp_path: Path) -> None:
    time = FakeTime(shanghai(1, 6, month=12))  # the daemon was down on Monday
    time.events.append((shanghai(1, 6, 30, month=12), STOP))
    daemon, launcher = daemon_for(tmp_path, time, catch_up=True)
    daemon.serve()
    assert [(job, period) for _, job, period in launcher.calls] == [
        ("daily", "2026-11-29"), ("weekly", "2026-W48"), ("monthly", "2026-10")]
    with Store(daemon.config.state.path) as store:
        assert {(r.job, r.period) for r in recent_runs(store, 10)} == {
            ("daily", "2026-11-29"), ("weekly", "2026-W48"), ("monthly", "2026-10")}
