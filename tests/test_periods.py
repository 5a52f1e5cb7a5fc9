"""Period arithmetic against independent computations: ISO weeks, months, years, rolling."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from diaryflow.periods import Period, between, containing, from_key, last_complete, rolling
from diaryflow.window import run_date


def iso_week_by_thursday(day: date) -> tuple[int, int]:
    """ISO year and week by the definition: the week belongs to the year of its Thursday."""
    thursday = day + timedelta(days=3 - day.weekday())
    first_thursday = date(thursday.year, 1, 1)
    while first_thursday.weekday() != 3:
        first_thursday += timedelta(days=1)
    return thursday.year, (thursday - first_thursday).days // 7 + 1


def month_by_walking(day: date) -> tuple[date, date]:
    """First and last day of ``day``'s month, found by stepping one day at a time."""
    start = end = day
    while (start - timedelta(days=1)).month == day.month:
        start -= timedelta(days=1)
    while (end + timedelta(days=1)).month == day.month:
        end += timedelta(days=1)
    return start, end


EVERY_DAY = [date(2019, 12, 20) + timedelta(days=n) for n in range(3 * 366 + 40)]


def test_weeks_match_the_thursday_rule_across_year_ends() -> None:
    for day in EVERY_DAY:
        week = containing("week", day)
        year, number = iso_week_by_thursday(day)
        assert week.key == f"{year}-W{number:02d}", day
        assert week.start.weekday() == 0 and week.length == 7 and week.start <= day <= week.end
        assert from_key("week", week.key) == week


@pytest.mark.parametrize(("key", "start", "end"), [
    ("2026-W53", date(2026, 12, 28), date(2027, 1, 3)),
    ("2020-W53", date(2020, 12, 28), date(2021, 1, 3)),
    ("2027-W01", date(2027, 1, 4), date(2027, 1, 10)),
    ("2025-W01", date(2024, 12, 30), date(2025, 1, 5)),
])
def test_weeks_that_straddle_a_new_year(key: str, start: date, end: date) -> None:
    assert from_key("week", key) == Period("week", start, end)


def test_months_match_a_day_by_day_walk_with_leap_years() -> None:
    for day in EVERY_DAY:
        month = containing("month", day)
        assert (month.start, month.end) == month_by_walking(day), day
        assert month.key == f"{day.year}-{day.month:02d}"
    assert containing("month", date(2024, 2, 10)).length == 29
    assert containing("month", date(2100, 2, 10)).length == 28
    assert containing("month", date(2000, 2, 10)).length == 29
    assert {containing("month", date(2026, m, 1)).length for m in range(1, 13)} == {28, 30, 31}


def test_years_and_days() -> None:
    assert containing("year", date(2024, 7, 1)).length == 366
    assert containing("year", date(2026, 7, 1)) == Period("year", date(2026, 1, 1),
                                                          date(2026, 12, 31))
    assert containing("day", date(2026, 3, 1)).key == "2026-03-01"


@pytest.mark.parametrize(("kind", "today", "key"), [
    ("day", date(2026, 3, 1), "2026-02-28"),
    ("day", date(2024, 3, 1), "2024-02-29"),
    ("week", date(2026, 11, 30), "2026-W48"),  # a Monday reports the week that just ended
    ("week", date(2026, 12, 6), "2026-W48"),  # a Sunday still reports the one before
    ("week", date(2027, 1, 4), "2026-W53"),
    ("month", date(2026, 12, 1), "2026-11"),
    ("month", date(2026, 3, 31), "2026-02"),
    ("month", date(2027, 1, 1), "2026-12"),
    ("year", date(2027, 1, 1), "2026"),
    ("year", date(2026, 12, 31), "2025"),
])
def test_a_calendar_job_reports_the_last_complete_period(kind: str, today: date, key: str
                                                         ) -> None:
    period = last_complete(kind, today)
    assert period.key == key and period.end < today


def test_rolling_keeps_todays_meaning() -> None:
    period = last_complete("rolling", date(2026, 11, 30), 7)
    assert (period.start, period.end, period.key) == (date(2026, 11, 24), date(2026, 11, 30),
                                                      "2026-11-30")
    assert period.previous() == rolling(date(2026, 11, 23), 7)
    with pytest.raises(ValueError, match="at least one day"):
        rolling(date(2026, 11, 30), 0)


def test_the_rolling_window_is_recent_days_ending_on_the_run_date() -> None:
    def window(end: date, days: int) -> tuple[date, date]:
        period = rolling(end, days)
        return period.start, period.end

    assert window(date(2026, 11, 27), 7) == (date(2026, 11, 21), date(2026, 11, 27))
    assert window(date(2026, 3, 1), 1) == (date(2026, 3, 1), date(2026, 3, 1))
    assert window(date(2024, 3, 1), 2) == (date(2024, 2, 29), date(2024, 3, 1))


def test_previous_periods_tile_the_calendar() -> None:
    for kind in ("day", "week", "month", "year"):
        period = containing(kind, date(2026, 3, 15))
        for _ in range(30):
            before = period.previous()
            assert before.end + timedelta(days=1) == period.start, kind
            period = before


def test_between_lists_every_period_once_oldest_first() -> None:
    weeks = between("week", date(2026, 11, 1), date(2026, 12, 13))
    assert [w.key for w in weeks] == [f"2026-W{n}" for n in range(44, 51)]
    assert [m.key for m in between("month", date(2026, 11, 30), date(2027, 1, 1))] == [
        "2026-11", "2026-12", "2027-01"]
    days = between("rolling", date(2026, 11, 1), date(2026, 11, 30), 7)
    assert days[-1].end == date(2026, 11, 30) and days[0].start <= date(2026, 11, 1)
    assert all(a.end + timedelta(days=1) == b.start for a, b in itertools.pairwise(days))
    with pytest.raises(ValueError, match="before it starts"):
        between("week", date(2026, 12, 1), date(2026, 11, 1))


@pytest.mark.parametrize(("kind", "key"), [
    ("week", "2025-W53"), ("week", "2026-48"), ("month", "2026-13"), ("day", "2026-02-30"),
    ("year", "26"), ("fortnight", "2026-11"),
])
def test_a_bad_key_or_kind_is_refused_by_name(kind: str, key: str) -> None:
    with pytest.raises(ValueError, match=key if kind != "fortnight" else "fortnight"):
        from_key(kind, key)


@pytest.mark.parametrize(("zone", "instant", "local_day"), [
    # New York springs forward on 2026-03-08 at 02:00 and falls back on 2026-11-01.
    ("America/New_York", datetime(2026, 3, 8, 4, 59, tzinfo=timezone.utc), date(2026, 3, 7)),
    ("America/New_York", datetime(2026, 3, 8, 5, 0, tzinfo=timezone.utc), date(2026, 3, 8)),
    ("America/New_York", datetime(2026, 11, 2, 4, 59, tzinfo=timezone.utc), date(2026, 11, 1)),
    ("America/New_York", datetime(2026, 11, 2, 5, 0, tzinfo=timezone.utc), date(2026, 11, 2)),
    # Sydney falls back on 2026-04-05 and springs forward on 2026-10-04.
    ("Australia/Sydney", datetime(2026, 4, 5, 13, 59, tzinfo=timezone.utc), date(2026, 4, 5)),
    ("Australia/Sydney", datetime(2026, 4, 5, 14, 0, tzinfo=timezone.utc), date(2026, 4, 6)),
    ("Australia/Sydney", datetime(2026, 10, 4, 12, 59, tzinfo=timezone.utc), date(2026, 10, 4)),
    ("Australia/Sydney", datetime(2026, 10, 4, 13, 0, tzinfo=timezone.utc), date(2026, 10, 5)),
])
def test_the_local_day_decides_the_period_on_dst_days(zone: str, instant: datetime,
                                                      local_day: date) -> None:
    today = run_date(instant, ZoneInfo(zone))
    assert today == local_day
    assert last_complete("day", today).end == local_day - timedelta(days=1)
    assert last_complete("week", today).end < local_day - timedelta(days=local_day.weekday())
