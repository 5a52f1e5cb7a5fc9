"""Whether a job's day can fall on a weekend it skips: a job that never runs, or lost periods."""

from __future__ import annotations

WEEKEND = ("saturday", "sunday")


def weekend_conflict(period: str, on: str | None, skips_weekends: bool, inherited: bool
                     ) -> str | None:
    """Why a job would never run (a weekly day on a weekend it skips), or None."""
    if period != "week" or on not in WEEKEND or not skips_weekends:
        return None
    source = " (from scheduler.run_on_weekends)" if inherited else ""
    return (f'false{source} with on = "{on}": the job would never run; set '
            "run_on_weekends = true in the job or choose a weekday")


def weekend_warning(period: str, name: str, number: int, skips_weekends: bool) -> str | None:
    """A warning when a month or year job's day can fall on a weekend it skips."""
    if period not in ("month", "year") or not skips_weekends:
        return None
    return (f"jobs[{number}] ({name}) skips its run when its day falls on a Saturday or "
            f"Sunday (run_on_weekends = false), and that {period} is then not reported; "
            f"set jobs[{number}].run_on_weekends = true to report every {period}")
