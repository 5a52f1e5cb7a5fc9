"""``[[jobs]]`` tables: defaults, the forms of ``on``, and one clear error per mistake."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest

from diaryflow.config.load import config_from_mapping, report_jobs
from diaryflow.errors import ConfigError


def jobs_of(jobs: object, base: Path = Path("/srv/diary")) -> Any:
    return config_from_mapping({"jobs": jobs}, base)


def test_without_jobs_the_configuration_means_one_rolling_default_job() -> None:
    config = config_from_mapping({"database": {"recent_days": 5}}, Path("/srv/diary"))
    assert config.jobs == ()
    (job,) = report_jobs(config)
    assert (job.name, job.period, job.time, job.on, job.enabled) == (
        "default", "rolling", None, None, True)


def test_jobs_with_their_defaults_and_normalised_days() -> None:
    config = jobs_of([
        {"name": "weekly", "period": "week", "time": "09:00", "prompt_file": "weekly.md"},
        {"name": "monthly", "period": "MONTH", "on": "last", "source_job": "weekly"},
        {"name": "month-mid", "period": "month", "on": 15},
        {"name": "yearly", "period": "year", "on": "01-05"},
        {"name": "daily", "period": "day", "on": "ignored", "enabled": False},
    ])
    found = [(j.name, j.period, j.on) for j in report_jobs(config)]
    assert found == [("weekly", "week", "monday"), ("monthly", "month", "last"),
                     ("month-mid", "month", "15"), ("yearly", "year", "01-05"),
                     ("daily", "day", None)]
    weekly = config.jobs[0]
    assert weekly.time == time(9, 0) and weekly.prompt_file == Path("/srv/diary/weekly.md")
    assert config.jobs[4].enabled is False


def test_an_unknown_key_in_a_job_is_a_warning_naming_the_job() -> None:
    config = jobs_of([{"name": "a"}, {"name": "b", "perod": "week"}])
    assert config.warnings == ("unknown key jobs[2].perod (did you mean jobs[2].period?)",)


@pytest.mark.parametrize(("jobs", "message"), [
    ([{"name": "Weekly"}], 'jobs[1].name = "Weekly": expected a name of a-z, 0-9, _ and -'),
    ([{"period": "week"}], "jobs[1].name: missing"),
    ([{"name": "a", "period": "fortnight"}], 'jobs[1].period = "fortnight": expected one of'),
    ([{"name": "a", "period": "week", "on": "mon"}], 'jobs[1].on = "mon": expected a weekday'),
    ([{"name": "a", "period": "month", "on": 29}], "jobs[1].on = 29: expected a day of the mon"),
    ([{"name": "a", "period": "year", "on": "02-30"}], 'jobs[1].on = "02-30": expected a day'),
    ([{"name": "a"}, {"name": "a"}], 'jobs[2].name: "a" names an earlier job too'),
    ([{"name": "a", "period": "month", "source_job": "b"}], 'jobs[1].source_job: "b" is not'),
    ([{"name": "a", "period": "week", "source_job": "a"}], 'jobs[1].source_job = "a": only month'),
    ([{"name": "a", "time": "25:00"}], 'jobs[1].time = "25:00": expected HH:MM'),
    ([{"name": "a", "enabled": "yes"}], 'jobs[1].enabled = "yes": expected true or false'),
    ([{"name": "a", "title": "周报 {week}"}], 'jobs[1].title = "周报 {week}": only {period}'),
    ({"name": "a"}, "jobs = {'name': 'a'}: expected [[jobs]] tables"),
])
def test_each_mistake_is_one_line_naming_the_job_and_key(jobs: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        jobs_of(jobs)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
