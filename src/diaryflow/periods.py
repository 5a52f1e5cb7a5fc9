"""Report periods: rolling windows, days, ISO weeks, months and years, and their keys."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

KINDS = ("rolling", "day", "week", "month", "year")
_KEYS = {
    "day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "year": re.compile(r"^(\d{4})$"),
}


@dataclass(frozen=True)
class Period:
    """The days one report covers, both ends included; ``days`` only matters for rolling."""

    kind: str
    start: date
    end: date

    @property
    def key(self) -> str:
        """The period's name in titles and in the (job, period) identity."""
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "year":
            return str(self.start.year)
        return self.end.isoformat()  # day, and rolling: named by the day it ends on

    @property
    def length(self) -> int:
        """How many days the period covers."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period just before this one, of the same kind (and length, when rolling)."""
        if self.kind == "rolling":
            return rolling(self.start - timedelta(days=1), self.length)
        return containing(self.kind, self.start - timedelta(days=1))


def rolling(end: date, days: int) -> Period:
    """The ``days`` days ending on ``end``."""
    if days < 1:
        raise ValueError(f"a rolling period needs at least one day, not {days}")
    return Period("rolling", end - timedelta(days=days - 1), end)


def containing(kind: str, day: date, days: int = 7) -> Period:
    """The period of ``kind`` that holds ``day`` (a rolling one ends on it)."""
    if kind == "rolling":
        return rolling(day, days)
    if kind == "day":
        return Period("day", day, day)
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return Period("week", monday, monday + timedelta(days=6))
    if kind == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return Period("month", day.replace(day=1), day.replace(day=last))
    if kind == "year":
        return Period("year", date(day.year, 1, 1), date(day.year, 12, 31))
    raise ValueError(f"unknown period kind {kind!r}; one of {', '.join(KINDS)}")


def last_complete(kind: str, today: date, days: int = 7) -> Period:
    """The period a job firing on ``today`` reports: the last complete one; rolling ends today."""
    if kind == "rolling":
        return rolling(today, days)
    return containing(kind, today).previous()


def from_key(kind: str, key: str, days: int = 7) -> Period:
    """The period named ``key`` (``2026-11-30``, ``2026-W48``, ``2026-11``, ``2026``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown period kind {kind!r}; one of {', '.join(KINDS)}")
    match = _KEYS["day" if kind == "rolling" else kind].match(key.strip())
    try:
        if match is None:
            raise ValueError(key)
        numbers = [int(part) for part in match.groups()]
        if kind == "week":
            day = date.fromisocalendar(numbers[0], numbers[1], 1)
        else:  # day, rolling, month, year: the first day the key names
            month, first = [*numbers[1:], 1, 1][:2]
            day = date(numbers[0], month, first)
    except ValueError:
        example = containing("day" if kind == "rolling" else kind, date(2026, 11, 30)).key
        raise ValueError(f"{key!r} is not a {kind} period; e.g. {example}") from None
    return containing(kind, day, days)


def between(kind: str, first: date, last: date, days: int = 7) -> list[Period]:
    """Every period of ``kind`` holding a day from ``first`` to ``last``, oldest first.

    Rolling periods are laid end to end, the last one ending on ``last``.
    """
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    found: list[Period] = []
    period = rolling(last, days) if kind == "rolling" else containing(kind, last)
    while period.end >= first:
        found.append(period)
        period = period.previous()
    return found[::-1]

