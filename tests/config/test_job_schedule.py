"""A job's own scheduling settings: inherited when unset, validated like the scheduler's."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest

from diaryflow.config.job_schedule import job_scheduler, job_webhook, setting_of
from diaryflow.config.load import load_config, secrets
from diaryflow.config.view import permission_warnings, settings_lines
from diaryflow.errors import ConfigError
from tests.config.helpers import build, write

SCHEDULER = {"time": "08:00", "max_retries": 3, "retry_interval": 300, "retry_backoff": 1.5,
             "run_on_weekends": True, "timeout": 3600, "catch_up": True}
HOOK = "https://hooks.example/job/secret-job-hook-0123456789"
GLOBAL_HOOK = "https://hooks.example/all/secret-global-hook-98765"


def with_jobs(*jobs: dict[str, Any], **scheduler: Any) -> Any:
    return build({"scheduler": {**SCHEDULER, **scheduler},
                  "notify": {"webhook_url": GLOBAL_HOOK}, "jobs": list(jobs)})


@pytest.mark.parametrize(("job", "expected"), [
    ({}, (time(8), 3, 300, 1.5, True, 3600, True)),
    ({"time": "21:30", "max_retries": 0, "retry_interval": 60, "retry_backoff": 2,
      "run_on_weekends": False, "timeout": 120, "catch_up": False},
     (time(21, 30), 0, 60, 2.0, False, 120, False)),
    ({"timeout": 7200}, (time(8), 3, 300, 1.5, True, 7200, True)),
])
def test_unset_keys_take_the_scheduler_values(job: dict[str, Any], expected: tuple[Any, ...]
                                              ) -> None:
    config = with_jobs({"name": "a", **job})
    sched = job_scheduler(config.scheduler, config.jobs[0])
    assert (sched.time, sched.max_retries, sched.retry_interval, sched.retry_backoff,
            sched.run_on_weekends, sched.timeout, sched.catch_up) == expected
    assert sched.timezone == config.scheduler.timezone


def test_the_webhook_and_the_setting_names_follow_the_job() -> None:
    config = with_jobs({"name": "own", "webhook_url": HOOK, "timeout": 60}, {"name": "other"})
    assert [job_webhook(config, name) is not None for name in ("own", "other")] == [True, True]
    assert job_webhook(config, "own").get_secret_value() == HOOK  # type: ignore[union-attr]
    assert job_webhook(config, "other").get_secret_value() == GLOBAL_HOOK  # type: ignore[union-attr]
    assert setting_of(config, "own", "timeout") == "jobs[1].timeout"
    assert setting_of(config, "other", "timeout") == "scheduler.timeout"
    assert setting_of(build({}), "default", "run_on_weekends") == "scheduler.run_on_weekends"


@pytest.mark.parametrize(("job", "message"), [
    ({"max_retries": -1}, "jobs[2].max_retries = -1: expected an integer ≥ 0"),
    ({"max_retries": "3"}, 'jobs[2].max_retries = "3": expected an integer ≥ 0'),
    ({"retry_interval": 1.5}, "jobs[2].retry_interval = 1.5: expected an integer ≥ 0"),
    ({"retry_backoff": 0.5}, "jobs[2].retry_backoff = 0.5: expected a number ≥ 1"),
    ({"timeout": 0}, "jobs[2].timeout = 0: expected an integer > 0"),
    ({"run_on_weekends": "no"}, 'jobs[2].run_on_weekends = "no": expected true or false'),
    ({"catch_up": 1}, "jobs[2].catch_up = 1: expected true or false"),
    ({"webhook_url": "ftp://secret-job-hook"}, "jobs[2].webhook_url: expected an http(s) URL"),
    ({"period": "week", "on": "sunday", "run_on_weekends": False},
     'jobs[2].run_on_weekends: false with on = "sunday": the job would never run'),
])
def test_a_bad_value_is_one_line_naming_the_job_key(job: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        with_jobs({"name": "a"}, {"name": "b", **job})
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value) and "secret-job-hook" not in str(caught.value)


def test_a_weekly_job_on_a_weekend_the_scheduler_skips_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"jobs\[1\]\.run_on_weekends: false \(from scheduler"):
        with_jobs({"name": "w", "period": "week", "on": "saturday"}, run_on_weekends=False)
    allowed = with_jobs({"name": "w", "period": "week", "on": "saturday", "run_on_weekends": True},
                        run_on_weekends=False)
    assert allowed.warnings == ()


def test_a_month_job_that_may_skip_its_day_is_warned_about() -> None:
    config = with_jobs({"name": "m", "period": "month"}, {"name": "d", "period": "day"},
                       run_on_weekends=False)
    assert len(config.warnings) == 1 and config.warnings[0].startswith("jobs[1] (m) skips")
    assert "set jobs[1].run_on_weekends = true" in config.warnings[0]
    assert with_jobs({"name": "m", "period": "month", "run_on_weekends": True},
                     run_on_weekends=False).warnings == ()


def test_the_job_webhook_is_a_secret(tmp_path: Path) -> None:
    config = with_jobs({"name": "own", "webhook_url": HOOK}, {"name": "other"})
    assert HOOK in secrets(config)  # redacted from every log line
    lines = "\n".join(settings_lines(config))
    assert "secret-job-hook" not in lines and "secret-global-hook" not in lines
    assert "jobs[1].webhook_url = ****6789" in lines
    assert "jobs[2].webhook_url = ****8765  (from notify.webhook_url)" in lines
    assert "jobs[2].timeout = 3600  (from scheduler.timeout)" in lines
    path = write(tmp_path, f'[[jobs]]\nname = "a"\nwebhook_url = "{HOOK}"\n')
    path.chmod(0o644)
    (warning,) = permission_warnings(load_config(path, env={}))
    assert "jobs[1].webhook_url" in warning and HOOK not in warning
