"""Each job's own weekends, retries, timeout, catch-up and webhook under one daemon."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from diaryflow.config.job_schedule import job_webhook
from diaryflow.config.load import Config, config_from_mapping
from diaryflow.schedule.child import Outcome
from diaryflow.schedule.daemon import Daemon
from diaryflow.schedule.due import catch_up_schedule
from diaryflow.schedule.fire_times import next_fire
from diaryflow.schedule.signals import STOP
from diaryflow.state.runs import Failure, finish_run, recent_runs, start_run
from diaryflow.state.store import Store
from tests.schedule.helpers import FakeTime

UTC = timezone.utc
QUICK_HOOK = "https://hooks.example/quick/secret-quick-hook"
GLOBAL_HOOK = "https://hooks.example/all/secret-global-hook"
SCHEDULER = {"time": "08:00", "timezone": "Asia/Shanghai", "catch_up": False, "max_retries": 2,
             "retry_interval": 300, "retry_backoff": 1.0, "run_on_weekends": False,
             "timeout": 3600}


@dataclass(frozen=True)
class Call:
    at: datetime
    job: str
    period: str
    timeout: float
    setting: str


@dataclass
class FailingLauncher:
    """Every attempt fails (retryably), recorded as `diaryflow run --job --period` would."""

    time: FakeTime
    calls: list[Call] = field(default_factory=list)
    stop_requested: bool = False

    def run(self, command: Sequence[str], timeout: float, store_path: Path, run_id: str,
            setting: str = "scheduler.timeout") -> Outcome:
        job = command[command.index("--job") + 1]
        period = command[command.index("--period") + 1]
        self.calls.append(Call(self.time.now_at, job, period, timeout, setting))
        with Store(store_path) as store:
            start_run(store, run_id, job, period)
            finish_run(store, run_id, "failed", error="model overloaded", retryable=True)
        self.time.now_at += timedelta(seconds=60)
        return Outcome("failed", True, "model overloaded")


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def start(tmp_path: Path, time: FakeTime, jobs: list[dict[str, Any]], **scheduler: Any
          ) -> tuple[Daemon, FailingLauncher, list[tuple[Failure, str | None]]]:
    config: Config = config_from_mapping(
        {"scheduler": {**SCHEDULER, **scheduler}, "notify": {"webhook_url": GLOBAL_HOOK},
         "jobs": jobs}, tmp_path)
    launcher = FailingLauncher(time)
    notices: list[tuple[Failure, str | None]] = []

    def notify(config: Config, failure: Failure) -> None:
        url = job_webhook(config, failure.job)
        notices.append((failure, url.get_secret_value() if url else None))

    daemon = Daemon(tmp_path / "config.toml", config, lambda p: config, time, launcher,
                    now=time.now, notify=notify)
    return daemon, launcher, notices


QUICK = {"name": "quick", "period": "day", "time": "07:00", "max_retries": 0, "timeout": 120,
         "run_on_weekends": True, "webhook_url": QUICK_HOOK}
PATIENT = {"name": "patient", "period": "day", "time": "09:00", "retry_interval": 60,
           "retry_backoff": 2}


def test_each_job_retries_times_out_and_skips_weekends_by_its_own_settings(tmp_path: Path
                                                                          ) -> None:
    time = FakeTime(shanghai(27, 8, 30))  # Friday 08:30
    time.events.append((shanghai(29, 12), STOP))  # Sunday noon
    daemon, launcher, notices = start(tmp_path, time, [QUICK, PATIENT])
    assert daemon.serve() == 0
    assert [(c.at, c.job, c.period) for c in launcher.calls] == [
        # Friday 09:00: three attempts, 60 s then 120 s apart after each 60 s attempt
        (shanghai(27, 9), "patient", "2026-11-26"),
        (shanghai(27, 9, 2), "patient", "2026-11-26"),
        (shanghai(27, 9, 5), "patient", "2026-11-26"),
        # Saturday and Sunday 07:00: one attempt each, weekends included
        (shanghai(28, 7), "quick", "2026-11-27"),
        (shanghai(29, 7), "quick", "2026-11-28"),
    ]
    assert {(c.job, c.timeout, c.setting) for c in launcher.calls} == {
        ("patient", 3600, "scheduler.timeout"), ("quick", 120, "jobs[1].timeout")}
    assert [(f.job, f.period, f.attempts, url) for f, url in notices] == [
        ("patient", "2026-11-26", 3, GLOBAL_HOOK),
        ("quick", "2026-11-27", 1, QUICK_HOOK), ("quick", "2026-11-28", 1, QUICK_HOOK)]
    with Store(daemon.config.state.path) as store:
        skipped = {(r.job, r.period, r.reason) for r in recent_runs(store, 50)
                   if r.status == "skipped"}
    assert skipped == {
        ("patient", day, "weekend (scheduler.run_on_weekends = false)")
        for day in ("2026-11-27", "2026-11-28")}


def test_a_job_that_turns_weekends_off_is_skipped_naming_its_own_key(tmp_path: Path) -> None:
    time = FakeTime(shanghai(28, 6))  # Saturday 06:00
    time.events.append((shanghai(28, 12), STOP))
    own = {**QUICK, "run_on_weekends": False}
    daemon, launcher, _ = start(tmp_path, time, [own, PATIENT], run_on_weekends=True)
    daemon.serve()
    assert [(c.job, c.period) for c in launcher.calls] == [("patient", "2026-11-27")] * 3
    with Store(daemon.config.state.path) as store:
        skipped = [(r.job, r.reason) for r in recent_runs(store, 50) if r.status == "skipped"]
    assert skipped == [("quick", "weekend (jobs[1].run_on_weekends = false)")]


def test_catch_up_is_each_jobs_own_choice(tmp_path: Path) -> None:
    time = FakeTime(shanghai(27, 12))  # Friday noon: both jobs missed their morning
    time.events.append((shanghai(27, 12, 30), STOP))
    no_catch_up = {**QUICK, "catch_up": False}
    daemon, launcher, _ = start(tmp_path, time, [no_catch_up, PATIENT], catch_up=True)
    daemon.serve()
    assert {(c.job, c.period) for c in launcher.calls} == {("patient", "2026-11-26")}
    daemon, launcher, _ = start(tmp_path / "other", time, [QUICK, {**PATIENT, "catch_up": False}],
                                catch_up=True)
    time.events.append((time.now_at + timedelta(minutes=5), STOP))
    daemon.serve()
    assert {(c.job, c.period) for c in launcher.calls} == {("quick", "2026-11-26")}


def test_the_next_run_of_a_job_skips_the_weekends_it_skips(tmp_path: Path) -> None:
    config = config_from_mapping({"scheduler": SCHEDULER, "jobs": [QUICK, PATIENT]}, tmp_path)
    friday_noon = shanghai(27, 12)
    quick, patient = config.jobs
    assert next_fire(catch_up_schedule(config, quick), friday_noon) == shanghai(28, 7)
    assert next_fire(catch_up_schedule(config, patient), friday_noon) == shanghai(30, 9)
