"""Pure fire-time arithmetic for report jobs: DST, weekends, due periods and catch-up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from diaryflow.config.job_settings import JobSettings
    from diaryflow.config.schema import SchedulerSettings

_UTC = timezone.utc
_CRON_DAYS = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
              "friday": "fri", "saturday": "sat", "sunday": "sun"}


@dataclass(frozen=True)
class Schedule:
    """A fire time: a local wall time in an IANA zone, every day (optionally weekdays only),
    on one weekday, on one day of the month (``L``: the last), or on one day of the year."""

    at: time
    timezone: str
    run_on_weekends: bool = True
    weekday: str | None = None  # cron's mon … sun
    day_of_month: str = "*"  # 1–28 or L
    month: str = "*"

    def __post_init__(self) -> None:
        if self.at.tzinfo is not None or self.at.microsecond:
            raise ValueError(f"schedule time must be a naive wall time in whole seconds: {self.at}")
        ZoneInfo(self.timezone)  # an unknown zone fails when the schedule is built, not later

    @classmethod
    def from_settings(cls, settings: SchedulerSettings) -> Schedule:
        """The schedule described by the ``[scheduler]`` section."""
        return cls(settings.time, settings.timezone, settings.run_on_weekends)

    @classmethod
    def for_job(cls, job: JobSettings, settings: SchedulerSettings) -> Schedule:
        """When ``job`` fires: its ``time`` (else the scheduler's) on its ``on`` day."""
        at = job.time or settings.time
        daily = cls(at, settings.timezone, settings.run_on_weekends)
        if job.period == "week" and job.on:
            return cls(at, settings.timezone, weekday=_CRON_DAYS[job.on])
        if job.period == "month" and job.on:
            return cls(at, settings.timezone, day_of_month="L" if job.on == "last" else job.on)
        if job.period == "year" and job.on:
            month, day = job.on.split("-")
            return cls(at, settings.timezone, day_of_month=str(int(day)), month=str(int(month)))
        return daily

    @property
    def lookback(self) -> timedelta:
        """A span that always holds a fire time before any moment (with room for DST)."""
        if self.month != "*":
            return timedelta(days=367)
        return timedelta(days=32) if self.day_of_month != "*" else timedelta(days=8)

    @property
    def tz(self) -> ZoneInfo:
        """The schedule's timezone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)


def next_fire(schedule: Schedule, after: datetime) -> datetime:
    """The first fire time strictly after ``after``, in the schedule's timezone."""
    return next(_fires(schedule, after))


def fire_times(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    """The first ``count`` fire times strictly after ``after``, in order."""
    return list(islice(_fires(schedule, after), count))


def previous_fire(schedule: Schedule, now: datetime) -> datetime | None:
    """The most recent fire time at or before ``now`` (None if none within its lookback)."""
    # Walking forward with the same iterator as next_fire keeps the two exactly consistent;
    # croniter's get_prev also returns both occurrences of an ambiguous time.
    # Compared in UTC: between two datetimes in the same zone Python compares wall times and
    # ignores fold, which misorders the two occurrences of an ambiguous hour.
    now = _aware(now).astimezone(_UTC)
    fires = _fires(schedule, now - schedule.lookback)
    latest, fire = None, next(fires)
    while fire <= now:
        latest, fire = fire, next(fires)
    return latest


def period_of(schedule: Schedule, fire: datetime) -> date:
    """The period a fire time runs for: its local date in the schedule's timezone."""
    return _aware(fire).astimezone(schedule.tz).date()


def is_weekend(day: date) -> bool:
    """Whether ``day`` (a local date in the schedule's timezone) is a Saturday or Sunday."""
    return day.weekday() >= 5


def catch_up_period(schedule: Schedule, now: datetime, done: Callable[[date], bool]) -> date | None:
    """The most recent due period if it has no successful run yet, else None (never older)."""
    fire = previous_fire(schedule, now)
    if fire is None:
        return None
    period = period_of(schedule, fire)
    return None if done(period) else period


def describe_fire(schedule: Schedule, fire: datetime) -> str:
    """A fire time for people, e.g. ``2026-11-28 08:00 CST (Asia/Shanghai)``."""
    local = _aware(fire).astimezone(schedule.tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({schedule.timezone})"


def _fires(schedule: Schedule, after: datetime) -> Iterator[datetime]:
    """Every fire time strictly after ``after``, ambiguous wall times once."""
    # Lazy: croniter and dateutil cost ~5.6 MB RSS and ~40 ms alone (~1 MB, ~20 ms once
    # pydantic is loaded); commands that never compute a fire time need not pay that.
    from croniter import croniter

    tz = schedule.tz
    days = schedule.weekday or ("*" if schedule.run_on_weekends else "mon-fri")
    at = schedule.at
    fields = (at.minute, at.hour, schedule.day_of_month, schedule.month, days, at.second)
    expression = " ".join(str(field) for field in fields)
    # croniter already puts a nonexistent wall time (the DST gap) at the first valid
    # instant after it, which is the rule we want.
    for found in croniter(expression, _aware(after).astimezone(tz)).all_next(datetime):
        # Re-derive fold from the UTC instant (zoneinfo's normalisation) so it is canonical.
        fire = found.astimezone(_UTC).astimezone(tz)
        # croniter yields an ambiguous wall time twice, once per fold; the run happens once,
        # at the first occurrence, so drop the second (fold=1 whose fold=0 twin differs).
        if fire.fold and fire.replace(fold=0).utcoffset() != fire.utcoffset():
            continue
        yield fire


def _aware(moment: datetime) -> datetime:
    """``moment`` unchanged, or ValueError if it is naive (which would mean the host's zone)."""
    if moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got naive {moment}")
    return moment
