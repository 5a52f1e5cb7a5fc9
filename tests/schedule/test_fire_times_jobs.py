"""Fire times of weekly, monthly and yearly jobs, across DST and month ends."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from diaryflow.config.load import config_from_mapping
from diaryflow.schedule.fire_times import Schedule, fire_times, previous_fire

NOW = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)


def schedule_of(job: dict[str, object], zone: str = "America/New_York") -> Schedule:
    config = config_from_mapping(
        {"scheduler": {"timezone": zone, "time": "08:00"}, "jobs": [job]}, Path("/srv")
    )
    return Schedule.for_job(config.jobs[0], config.scheduler)


@pytest.mark.parametrize(("job", "expected"), [
    ({"name": "w", "period": "week", "time": "09:00"},
     ["2026-11-30T09:00:00-05:00", "2026-12-07T09:00:00-05:00", "2026-12-14T09:00:00-05:00"]),
    ({"name": "w", "period": "week", "on": "sunday"},
     ["2026-12-06T08:00:00-05:00", "2026-12-13T08:00:00-05:00", "2026-12-20T08:00:00-05:00"]),
    ({"name": "m", "period": "month"},
     ["2026-12-01T08:00:00-05:00", "2027-01-01T08:00:00-05:00", "2027-02-01T08:00:00-05:00"]),
    ({"name": "m", "period": "month", "on": "last"},
     ["2026-11-30T08:00:00-05:00", "2026-12-31T08:00:00-05:00", "2027-01-31T08:00:00-05:00"]),
    ({"name": "y", "period": "year"},
     ["2027-01-01T08:00:00-05:00", "2028-01-01T08:00:00-05:00", "2029-01-01T08:00:00-05:00"]),
    # 02:30 does not exist on 2027-03-14 in New York: the run is at the first instant after.
    ({"name": "y", "period": "year", "on": "03-14", "time": "02:30"},
     ["2027-03-14T03:00:00-04:00", "2028-03-14T02:30:00-04:00", "2029-03-14T02:30:00-04:00"]),
    ({"name": "d", "period": "day"},
     ["2026-11-30T08:00:00-05:00", "2026-12-01T08:00:00-05:00", "2026-12-02T08:00:00-05:00"]),
])
def test_each_period_kind_fires_on_its_day(job: dict[str, object], expected: list[str]) -> None:
    assert [f.isoformat() for f in fire_times(schedule_of(job), NOW, 3)] == expected


def test_last_day_of_february_in_a_leap_year() -> None:
    fires = fire_times(schedule_of({"name": "m", "period": "month", "on": "last"}),
                       datetime(2028, 1, 31, 14, tzinfo=timezone.utc), 2)
    assert [f.date().isoformat() for f in fires] == ["2028-02-29", "2028-03-31"]


@pytest.mark.parametrize(("job", "previous"), [
    ({"name": "m", "period": "month", "on": "15"}, "2026-11-15T08:00:00+11:00"),
    ({"name": "y", "period": "year", "on": "02-01"}, "2026-02-01T08:00:00+11:00"),
    ({"name": "w", "period": "week", "on": "friday"}, "2026-11-27T08:00:00+11:00"),
])
def test_the_previous_fire_is_found_however_far_back(job: dict[str, object], previous: str
                                                     ) -> None:
    found = previous_fire(schedule_of(job, "Australia/Sydney"), NOW)
    assert found is not None and found.isoformat() == previous
