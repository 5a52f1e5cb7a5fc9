"""The serve loop with an injected clock, sleep and launcher: fire times, skips, retries."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from diaryflow.config.load import Config, config_from_mapping
from diaryflow.errors import ConfigError
from diaryflow.schedule.child import Outcome
from diaryflow.schedule.daemon import Daemon
from diaryflow.schedule.signals import CHILD, RELOAD, STOP
from diaryflow.state.pauses import set_paused
from diaryflow.state.runs import Failure, finish_run, recent_runs, start_run
from diaryflow.state.store import Store
from tests.schedule.helpers import FakeTime

UTC = timezone.utc
ATTEMPT_SECONDS = 60.0


@dataclass
class ScriptedLauncher:
    """Stands in for the child process: records each attempt as `diaryflow run` would."""

    time: FakeTime
    store_path: Path
    outcomes: list[Outcome]
    calls: list[tuple[datetime, str, float]] = field(default_factory=list)
    stop_requested: bool = False

    def run(self, command: Sequence[str], timeout: float, store_path: Path, run_id: str,
            setting: str = "scheduler.timeout") -> Outcome:
        period = command[command.index("--date") + 1]
        self.calls.append((self.time.now_at, period, timeout))
        outcome = self.outcomes.pop(0) if self.outcomes else Outcome("ok", False)
        with Store(store_path) as store:
            start_run(store, run_id, "default", period)
            finish_run(store, run_id, outcome.status, error=outcome.error,
                       retryable=outcome.retryable)
        self.time.now_at += timedelta(seconds=ATTEMPT_SECONDS)
        return outcome


def make_config(folder: Path, **scheduler: Any) -> Config:
    settings = {"time": "08:00", "timezone": "Asia/Shanghai", "catch_up": False,
                "max_retries": 2, "retry_interval": 300, **scheduler}
    return config_from_mapping({"scheduler": settings}, base_dir=folder)


def make_daemon(tmp_path: Path, time: FakeTime, outcomes: list[Outcome] | None = None,
                **scheduler: Any) -> tuple[Daemon, ScriptedLauncher, list[Failure]]:
    config = make_config(tmp_path, **scheduler)
    launcher = ScriptedLauncher(time, config.state.path, outcomes or [])
    failures: list[Failure] = []
    daemon = Daemon(tmp_path / "config.toml", config, lambda p: config, time, launcher,
                    now=time.now, notify=lambda c, f: failures.append(f))
    return daemon, launcher, failures


def stop_at(time: FakeTime, when: datetime) -> None:
    time.events.append((when, STOP))


def test_fires_daily_at_the_local_time(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))  # 20:00 in Shanghai
    stop_at(time, datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    daemon, launcher, _ = make_daemon(tmp_path, time)
    assert daemon.serve() == 0
    assert [c[0] for c in launcher.calls] == [
        datetime(2026, 11, d, 0, 0, tzinfo=UTC) for d in (27, 28, 29, 30)
    ]  # 08:00 Asia/Shanghai is 00:00 UTC
    assert [c[1] for c in launcher.calls] == ["2026-11-27", "2026-11-28", "2026-11-29",
                                              "2026-11-30"]
    assert {c[2] for c in launcher.calls} == {3600}


def test_weekends_are_skipped_and_recorded_as_skipped(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))  # Thursday evening
    stop_at(time, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    daemon, launcher, _ = make_daemon(tmp_path, time, run_on_weekends=False)
    daemon.serve()
    assert [c[1] for c in launcher.calls] == ["2026-11-27", "2026-11-30", "2026-12-01"]
    with Store(daemon.config.state.path) as store:
        skipped = [(r.period, r.reason) for r in recent_runs(store) if r.status == "skipped"]
    assert sorted(p for p, _ in skipped) == ["2026-11-28", "2026-11-29"]
    assert all("weekend" in (reason or "") for _, reason in skipped)


def test_catch_up_runs_the_missed_period_once(tmp_path: Path) -> None:
    start = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai: 08:00 was missed
    time = FakeTime(start)
    stop_at(time, start + timedelta(hours=1))
    failing = [Outcome("failed", True, "boom")] * 3
    daemon, launcher, failures = make_daemon(tmp_path, time, failing, catch_up=True)
    daemon.serve()
    assert [c[1] for c in launcher.calls] == ["2026-11-27"] * 3  # once, with its retries
    assert [f.period for f in failures] == ["2026-11-27"]
    # a restart (a crash loop, say) does not catch the same period up again
    time.events.append((time.now_at + timedelta(hours=1), STOP))
    again, launcher2, _ = make_daemon(tmp_path, time, catch_up=True)
    again.serve()
    assert launcher2.calls == []


def test_catch_up_only_the_most_recent_period_and_not_when_done(tmp_path: Path) -> None:
    start = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # two days late
    time = FakeTime(start)
    stop_at(time, start + timedelta(hours=1))
    daemon, launcher, _ = make_daemon(tmp_path, time, catch_up=True)
    daemon.serve()
    assert [c[1] for c in launcher.calls] == ["2026-11-29"]
    time.events.append((time.now_at + timedelta(hours=1), STOP))
    again, launcher2, _ = make_daemon(tmp_path, time, catch_up=True)
    again.serve()
    assert launcher2.calls == []  # done: nothing to catch up


def test_retries_are_spaced_and_grow_with_the_backoff(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    stop_at(time, datetime(2026, 11, 27, 6, 0, tzinfo=UTC))
    outcomes = [Outcome("failed", True, "HTTP 503"), Outcome("timeout", True, "slow"),
                Outcome("ok", False)]
    daemon, launcher, failures = make_daemon(tmp_path, time, outcomes, retry_backoff=2.0)
    daemon.serve()
    starts = [c[0] for c in launcher.calls]
    gaps = [(b - a).total_seconds() - ATTEMPT_SECONDS for a, b in itertools.pairwise(starts)]
    assert gaps == [300, 600]
    assert failures == []


@pytest.mark.parametrize("event", [CHILD, RELOAD])
def test_a_wake_up_that_is_not_a_stop_does_not_shorten_the_retry_wait(
    tmp_path: Path, event: str
) -> None:
    # the SIGCHLD of the attempt just killed (or a SIGHUP) arrives a second into the wait
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    first_end = datetime(2026, 11, 27, 0, 0, tzinfo=UTC) + timedelta(seconds=ATTEMPT_SECONDS)
    time.events.append((first_end + timedelta(seconds=1), event))
    stop_at(time, datetime(2026, 11, 27, 6, 0, tzinfo=UTC))
    daemon, launcher, _ = make_daemon(tmp_path, time, [Outcome("timeout", True, "slow")])
    daemon.serve()
    starts = [c[0] for c in launcher.calls]
    assert len(starts) == 2 and (starts[1] - first_end).total_seconds() == 300


def test_every_attempt_failing_notifies_once(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    stop_at(time, datetime(2026, 11, 27, 6, 0, tzinfo=UTC))
    daemon, launcher, failures = make_daemon(
        tmp_path, time, [Outcome("failed", True, "HTTP 500")] * 5, max_retries=3)
    daemon.serve()
    assert len(launcher.calls) == 4
    assert failures == [Failure("default", "2026-11-27", 4, "HTTP 500", "failed")]


def test_a_failure_retrying_cannot_fix_is_not_retried(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    stop_at(time, datetime(2026, 11, 27, 6, 0, tzinfo=UTC))
    daemon, launcher, failures = make_daemon(
        tmp_path, time, [Outcome("failed", False, "siliconflow.token refused")])
    daemon.serve()
    assert len(launcher.calls) == 1
    assert [f.attempts for f in failures] == [1]


def test_a_stop_during_the_retry_wait_ends_the_daemon(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    stop_at(time, datetime(2026, 11, 27, 0, 3, tzinfo=UTC))  # inside the 300 s wait
    daemon, launcher, failures = make_daemon(tmp_path, time, [Outcome("failed", True, "x")] * 3)
    assert daemon.serve() == 0
    assert len(launcher.calls) == 1 and failures == []


def test_sighup_with_a_bad_file_keeps_the_old_configuration(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    time.events.append((datetime(2026, 11, 26, 13, 0, tzinfo=UTC), RELOAD))
    stop_at(time, datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    daemon, launcher, _ = make_daemon(tmp_path, time)

    def refuse(path: Path) -> Config:
        raise ConfigError("scheduler.time", "25:00", "expected HH:MM (00:00–23:59)")

    daemon.load = refuse
    daemon.serve()
    assert [c[0] for c in launcher.calls] == [datetime(2026, 11, 27, 0, 0, tzinfo=UTC)]


def test_sighup_with_a_good_file_moves_the_schedule(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    time.events.append((datetime(2026, 11, 26, 13, 0, tzinfo=UTC), RELOAD))
    stop_at(time, datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    daemon, launcher, _ = make_daemon(tmp_path, time)
    daemon.load = lambda path: make_config(tmp_path, time="21:30")
    daemon.serve()
    assert [c[0] for c in launcher.calls] == [datetime(2026, 11, 26, 13, 30, tzinfo=UTC)]


def test_disabled_scheduler_exits_0_at_once(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    daemon, launcher, _ = make_daemon(tmp_path, time, enabled=False)
    assert daemon.serve() == 0 and launcher.calls == []


def test_a_period_already_done_by_hand_is_skipped(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    stop_at(time, datetime(2026, 11, 27, 6, 0, tzinfo=UTC))
    daemon, launcher, _ = make_daemon(tmp_path, time)
    with Store(daemon.config.state.path) as store:
        start_run(store, "manual", "default", "2026-11-27")
        finish_run(store, "manual", "ok")
    daemon.serve()
    assert launcher.calls == []
    with Store(daemon.config.state.path) as store:
        assert [r.status for r in recent_runs(store)][:1] == ["skipped"]


def test_sleeps_are_bounded_so_clock_changes_are_noticed(tmp_path: Path) -> None:
    waits: list[float] = []
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    stop_at(time, datetime(2026, 11, 27, 0, 30, tzinfo=UTC))
    original = time.wait

    def recording(seconds: float) -> str | None:
        waits.append(seconds)
        return original(seconds)

    time.wait = recording  # type: ignore[method-assign]
    daemon, launcher, _ = make_daemon(tmp_path, time)
    daemon.serve()
    assert max(waits) <= 900 and len(waits) > 12 * 3600 / 900 - 1  # half a day, 15 min a nap
    assert len(launcher.calls) == 1


def test_a_monday_start_catches_up_fridays_missed_report(tmp_path: Path) -> None:
    start = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # Monday 04:00 in Shanghai
    time = FakeTime(start)
    stop_at(time, start + timedelta(hours=1))
    daemon, launcher, _ = make_daemon(tmp_path, time, catch_up=True, run_on_weekends=False)
    daemon.serve()
    assert [c[1] for c in launcher.calls] == ["2026-11-27"]  # Friday's


def test_a_reload_reconfigures_logging_with_the_new_secrets(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    time.events.append((datetime(2026, 11, 26, 13, 0, tzinfo=UTC), RELOAD))
    stop_at(time, datetime(2026, 11, 26, 14, 0, tzinfo=UTC))
    daemon, _, _ = make_daemon(tmp_path, time)
    seen: list[Config] = []
    fresh = make_config(tmp_path, time="09:00")
    daemon.load = lambda path: fresh
    daemon.reconfigure = seen.append
    daemon.serve()
    assert seen == [fresh]


def test_serve_marks_an_attempt_left_running_by_a_dead_process_interrupted(
    tmp_path: Path
) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    stop_at(time, datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
    daemon, _, _ = make_daemon(tmp_path, time)
    with Store(daemon.config.state.path) as store:
        start_run(store, "killed", "default", "2026-11-26")  # its process is gone: no lock
    daemon.serve()
    with Store(daemon.config.state.path) as store:
        (row,) = recent_runs(store)
    assert row.status == "interrupted" and "found by diaryflow serve" in (row.error or "")



@dataclass
class ResumingTime(FakeTime):
    """A clock that resumes the paused default job once it passes ``resume_at``."""

    resume_at: datetime | None = None
    state: Path | None = None

    def wait(self, seconds: float) -> str | None:
        event = super().wait(seconds)
        if self.resume_at is not None and self.state and self.now_at >= self.resume_at:
            with Store(self.state) as store:
                set_paused(store, "default", False)
            self.resume_at = None
        return event


def test_a_paused_job_is_skipped_at_each_tick_and_resumes_without_a_restart(
    tmp_path: Path,
) -> None:
    time = ResumingTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
                        resume_at=datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    stop_at(time, datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    daemon, launcher, _ = make_daemon(tmp_path, time)
    time.state = daemon.config.state.path
    with Store(daemon.config.state.path) as store:
        set_paused(store, "default", True)
    assert daemon.serve() == 0
    assert [c[1] for c in launcher.calls] == ["2026-11-29"]
    with Store(daemon.config.state.path) as store:
        skipped = [(r.period, r.reason) for r in recent_runs(store) if r.status == "skipped"]
    assert sorted(skipped) == [("2026-11-27", "paused"), ("2026-11-28", "paused")]


def test_a_paused_job_is_not_caught_up(tmp_path: Path) -> None:
    time = FakeTime(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    stop_at(time, datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
    daemon, launcher, _ = make_daemon(tmp_path, time, catch_up=True)
    with Store(daemon.config.state.path) as store:
        set_paused(store, "default", True)
    assert daemon.serve() == 0
    assert launcher.calls == []
