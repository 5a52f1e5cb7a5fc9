"""Fire times across DST and weekends, previous fires and catch-up, against independent math."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diaryflow.config.schema import SchedulerSettings
from diaryflow.schedule.fire_times import (
    Schedule,
    catch_up_period,
    describe_fire,
    fire_times,
    is_weekend,
    next_fire,
    period_of,
    previous_fire,
)

UTC = timezone.utc
US = timedelta(microseconds=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Local dates of the DST changes 2025–2028, written out by hand.
DST_CHANGES = {
    "America/New_York": "2025-03-09 2025-11-02 2026-03-08 2026-11-01 2027-03-14 2027-11-07 "
    "2028-03-12 2028-11-05",
    "Europe/London": "2025-03-30 2025-10-26 2026-03-29 2026-10-25 2027-03-28 2027-10-31 "
    "2028-03-26 2028-10-29",
    "Australia/Sydney": "2025-04-06 2025-10-05 2026-04-05 2026-10-04 2027-04-04 2027-10-03 "
    "2028-04-02 2028-10-01",
}
DST_ZONES = tuple(DST_CHANGES)
TRANSITIONS = [date.fromisoformat(day) for days in DST_CHANGES.values() for day in days.split()]
# Inside the gaps and overlaps of all three zones, at their edges, and ordinary times.
AROUND_DST = [time(h, m) for h in (0, 1, 2, 3) for m in (0, 30)] + [
    time(1, 59),
    time(8),
    time(23, 59),
]


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def instant(moment: datetime | None) -> datetime | None:
    """In UTC: across zones ``==`` is never true for an ambiguous local time (PEP 495)."""
    return None if moment is None else utc(moment)


def exists(wall: datetime, tz: ZoneInfo) -> bool:
    """Whether a naive wall time occurs in ``tz`` (it survives a round trip through UTC)."""
    return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall


def expected_fire(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Independently: the earliest instant whose local wall clock reads ``day at`` or later."""
    wall = datetime.combine(day, at)
    if exists(wall, tz):
        return wall.replace(tzinfo=tz, fold=0)  # fold=0 is the first of two occurrences
    # In the gap: step through UTC minutes from the earlier of the two readings of the
    # wall time until the local clock has passed it.
    moment = min(utc(wall.replace(tzinfo=tz, fold=fold)) for fold in (0, 1))
    while moment.astimezone(tz).replace(tzinfo=None) < wall:
        moment += timedelta(minutes=1)
    return moment.astimezone(tz)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


def shape(fire: datetime) -> tuple[datetime, datetime, int, str]:
    return utc(fire), fire.replace(tzinfo=None), fire.fold, str(fire.tzinfo)


@pytest.mark.parametrize("zone", DST_ZONES)
@pytest.mark.parametrize("at", AROUND_DST)
def test_every_day_through_both_transitions_matches_independent_walk(zone: str, at: time) -> None:
    tz = ZoneInfo(zone)
    last = date(2027, 12, 31) if zone == "Australia/Sydney" else date(2026, 12, 31)
    for weekends in (True, False):
        schedule = Schedule(at, zone, run_on_weekends=weekends)
        wanted = [
            expected_fire(day, at, tz)
            for day in days(date(2026, 1, 1), last)
            if weekends or day.weekday() < 5
        ]
        got = fire_times(schedule, utc(wanted[0]) - US, len(wanted) + 1)
        assert [shape(f) for f in got[:-1]] == [shape(f) for f in wanted]
        assert got[-1].year == last.year + 1


@pytest.mark.parametrize(
    ("zone", "day", "at", "fires_utc"),
    [
        ("America/New_York", date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 7, 0)),  # 03:00
        ("America/New_York", date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30)),
        ("Europe/London", date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 1, 0)),  # 02:00
        ("Europe/London", date(2026, 10, 25), time(1, 30), datetime(2026, 10, 25, 0, 30)),
        ("Australia/Sydney", date(2026, 4, 5), time(2, 30), datetime(2026, 4, 4, 15, 30)),
        ("Australia/Sydney", date(2026, 10, 4), time(2, 30), datetime(2026, 10, 3, 16, 0)),
        ("Australia/Sydney", date(2027, 4, 4), time(2, 30), datetime(2027, 4, 3, 15, 30)),
        ("Australia/Sydney", date(2027, 10, 3), time(2, 30), datetime(2027, 10, 2, 16, 0)),
    ],
)
def test_gap_runs_at_first_valid_instant_and_overlap_runs_once(
    zone: str, day: date, at: time, fires_utc: datetime
) -> None:
    schedule = Schedule(at, zone)
    noon_before = datetime.combine(day - timedelta(1), time(12), schedule.tz)
    fire, following = fire_times(schedule, noon_before, 2)
    assert utc(fire) == fires_utc.replace(tzinfo=UTC)
    assert period_of(schedule, fire) == day
    assert period_of(schedule, following) == day + timedelta(1)


def test_shanghai_2026_fires_every_day_at_midnight_utc() -> None:
    schedule = Schedule(time(8, 0), "Asia/Shanghai")
    year = days(date(2026, 1, 1), date(2026, 12, 31))
    start = datetime(2025, 12, 31, 8, 0, tzinfo=SHANGHAI)  # exactly a fire: excluded
    fires = fire_times(schedule, start, 366)
    assert [period_of(schedule, f) for f in fires[:365]] == year
    assert {utc(f).time() for f in fires[:365]} == {time(0, 0)}
    assert fires[365].date() == date(2027, 1, 1)

    weekdays = [day for day in year if day.weekday() < 5]
    workdays = Schedule(time(8, 0), "Asia/Shanghai", run_on_weekends=False)
    fires = fire_times(workdays, start, len(weekdays) + 1)
    assert len(weekdays) == 261
    assert [period_of(workdays, f) for f in fires[:-1]] == weekdays
    assert fires[-1].date() == date(2027, 1, 1)


def test_from_settings_reads_short_times_and_zone() -> None:
    settings = SchedulerSettings.model_validate(
        {"time": "8:00", "timezone": "Asia/Shanghai", "run_on_weekends": False}
    )
    schedule = Schedule.from_settings(settings)
    assert schedule == Schedule(time(8, 0), "Asia/Shanghai", run_on_weekends=False)
    assert schedule.tz == settings.tz


@pytest.mark.parametrize(
    ("at", "after", "fire"),
    [
        (time(8, 0), datetime(2026, 6, 1, 8, 0), datetime(2026, 6, 2, 8, 0)),  # strictly after
        (time(8, 0), datetime(2026, 6, 1, 7, 59, 59, 999999), datetime(2026, 6, 1, 8, 0)),
        (time(0, 0), datetime(2026, 6, 1, 23, 59, 30), datetime(2026, 6, 2, 0, 0)),
        (time(0, 0), datetime(2026, 6, 1, 0, 0), datetime(2026, 6, 2, 0, 0)),
        (time(23, 59), datetime(2026, 6, 1, 23, 58, 59), datetime(2026, 6, 1, 23, 59)),
        (time(23, 59), datetime(2026, 6, 1, 23, 59), datetime(2026, 6, 2, 23, 59)),
        (time(23, 59), datetime(2026, 12, 31, 23, 59, 1), datetime(2027, 1, 1, 23, 59)),
    ],
)
def test_edge_times_and_after_in_any_zone(at: time, after: datetime, fire: datetime) -> None:
    schedule = Schedule(at, "Asia/Shanghai")
    local_after = after.replace(tzinfo=SHANGHAI)
    for given_after in (
        local_after,
        utc(local_after),
        local_after.astimezone(ZoneInfo("America/New_York")),
    ):
        got = next_fire(schedule, given_after)
        assert got.tzinfo is SHANGHAI
        assert got == fire.replace(tzinfo=SHANGHAI)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_fire(Schedule(time(8), "UTC"), datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="naive wall time"):
        Schedule(time(8, tzinfo=UTC), "UTC")
    with pytest.raises(ZoneInfoNotFoundError):
        Schedule(time(8), "Mars/Olympus_Mons")


def test_previous_fire_and_catch_up() -> None:
    schedule = Schedule(time(8, 0), "Asia/Shanghai")
    friday = date(2026, 11, 27)
    missed = datetime(2026, 11, 27, 8, 5, tzinfo=SHANGHAI)
    assert previous_fire(schedule, missed) == datetime(2026, 11, 27, 8, tzinfo=SHANGHAI)
    assert previous_fire(schedule, missed.replace(minute=0)) == missed.replace(minute=0)
    yesterday = datetime(2026, 11, 26, 8, tzinfo=SHANGHAI)
    assert previous_fire(schedule, missed - timedelta(minutes=6)) == yesterday
    assert catch_up_period(schedule, missed, lambda period: False) == friday
    assert catch_up_period(schedule, missed, {friday}.__contains__) is None

    two_days_late = datetime(2026, 11, 29, 9, 0, tzinfo=SHANGHAI)
    asked: list[date] = []

    def done(period: date) -> bool:
        asked.append(period)
        return period <= friday  # the 28th is missing, but it is older than the 29th

    assert catch_up_period(schedule, two_days_late, done) == date(2026, 11, 29)
    assert asked == [date(2026, 11, 29)]
    assert catch_up_period(schedule, two_days_late, {date(2026, 11, 29)}.__contains__) is None


def test_now_inside_the_repeated_hour() -> None:
    schedule = Schedule(time(1, 30), "America/New_York")
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    # 01:15 EST, after the 01:30 EDT fire though its wall time reads earlier
    for now in (datetime(2026, 11, 1, 6, 15, tzinfo=UTC), datetime(2026, 11, 1, 6, 45, tzinfo=UTC)):
        for given_now in (now, now.astimezone(schedule.tz)):
            assert instant(previous_fire(schedule, given_now)) == first
            assert catch_up_period(schedule, given_now, lambda period: False) == date(2026, 11, 1)
            assert utc(next_fire(schedule, given_now)) == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)


def test_weekdays_only_skip_saturday_and_sunday_in_the_schedule_zone() -> None:
    schedule = Schedule(time(8, 0), "Asia/Shanghai", run_on_weekends=False)
    friday_fire = datetime(2026, 11, 27, 8, tzinfo=SHANGHAI)
    sunday = datetime(2026, 11, 29, 10, tzinfo=SHANGHAI)
    monday_early = datetime(2026, 11, 30, 7, tzinfo=SHANGHAI)
    assert next_fire(schedule, friday_fire) == datetime(2026, 11, 30, 8, tzinfo=SHANGHAI)
    assert previous_fire(schedule, sunday) == friday_fire
    assert previous_fire(schedule, monday_early) == friday_fire
    assert catch_up_period(schedule, monday_early, lambda period: False) == date(2026, 11, 27)
    assert catch_up_period(schedule, monday_early, {date(2026, 11, 27)}.__contains__) is None
    # Saturday 08:00 in Shanghai is still Friday in New York: the schedule's zone decides.
    friday_in_new_york = datetime(2026, 11, 27, 12, tzinfo=ZoneInfo("America/New_York"))
    assert next_fire(schedule, friday_in_new_york).date() == date(2026, 11, 30)
    weekend = [is_weekend(date(2026, 11, day)) for day in (27, 28, 29, 30)]
    assert weekend == [False, True, True, False]


def test_describe() -> None:
    shanghai = Schedule(time(8, 0), "Asia/Shanghai")
    fire = next_fire(shanghai, datetime(2026, 11, 27, 12, tzinfo=UTC))
    assert describe_fire(shanghai, fire) == "2026-11-28 08:00 CST (Asia/Shanghai)"
    new_york = Schedule(time(1, 30), "America/New_York")
    fire = next_fire(new_york, datetime(2026, 10, 31, 12, tzinfo=UTC))
    assert describe_fire(new_york, fire) == "2026-11-01 01:30 EDT (America/New_York)"


near_transition = st.builds(
    lambda day, hours: datetime.combine(day, time(0), UTC) + timedelta(hours=hours),
    st.sampled_from(TRANSITIONS),
    st.floats(-30, 54, allow_nan=False),
)
anytime = st.datetimes(datetime(2025, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC))
schedules = st.builds(
    Schedule,
    st.one_of(
        st.builds(time, st.integers(0, 3), st.sampled_from([0, 1, 15, 30, 45, 59])),
        st.builds(time, st.integers(0, 23), st.integers(0, 59)),
    ),
    st.sampled_from([*DST_ZONES, "Asia/Shanghai", "UTC"]),
    st.booleans(),
)


@settings(max_examples=400, deadline=None)
@given(schedules, st.one_of(near_transition, anytime), st.booleans())
def test_next_fire_properties(schedule: Schedule, after: datetime, in_zone: bool) -> None:
    tz = schedule.tz
    if in_zone:  # the same instant as a local time, fold and all
        after = after.astimezone(tz)
    fire = next_fire(schedule, after)
    assert fire.tzinfo is tz
    assert utc(fire) > utc(after)
    wanted = datetime.combine(fire.date(), schedule.at)
    wall = fire.replace(tzinfo=None)
    if exists(wanted, tz):
        assert wall == wanted
        assert utc(fire) == utc(wanted.replace(tzinfo=tz, fold=0))  # the first occurrence
    else:  # a gap day: the first valid instant after the wall time
        assert wall > wanted
        assert (utc(fire) - US).astimezone(tz).replace(tzinfo=None) < wanted
    if not schedule.run_on_weekends:
        assert fire.weekday() < 5
    before = previous_fire(schedule, utc(fire) - US)
    assert before is None or utc(before) <= utc(after)
    assert instant(before) == instant(previous_fire(schedule, after))
    assert instant(previous_fire(schedule, fire)) == utc(fire)
