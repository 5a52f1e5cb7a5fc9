"""Pure date logic: the run's date, timestamps, and the day a diary entry belongs to."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

_DATE = re.compile(
    r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?\s*$"
)


def run_date(now: datetime, tz: ZoneInfo) -> date:
    """The calendar date of ``now`` (an aware datetime) in the configured timezone."""
    return now.astimezone(tz).date()


def window_start_instant(start: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``start`` in ``tz``, as an aware datetime."""
    return datetime.combine(start, time(0), tzinfo=tz)


def parse_timestamp(value: object) -> datetime | None:
    """An aware datetime from an API timestamp (ISO 8601, ``Z`` or offset), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("/", "-")
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_flowus_date(value: object, tz: ZoneInfo) -> date | None:
    """The local date of a FlowUs date value: ``2026-11-27``, ``2026/11/27``, or a date-time.

    A date-time with an offset is moved into ``tz`` first; one without is taken as local.
    """
    if not isinstance(value, str):
        return None
    match = _DATE.match(value)
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        local = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                         int(second or 0))
    except ValueError:
        return None
    if offset is None:
        return local.date()
    offset = offset.replace(":", "")
    sign = -1 if offset.startswith("-") else 1
    delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])) if offset != "Z" else None
    zone = timezone.utc if delta is None else timezone(sign * delta)
    return local.replace(tzinfo=zone).astimezone(tz).date()


def property_date(properties: Mapping[str, Any], name: str, tz: ZoneInfo) -> date | None:
    """The start date held by property ``name`` (a date, or a formula/rollup giving one)."""
    prop = properties.get(name)
    if not isinstance(prop, Mapping):
        return None
    value: Any = prop.get("date")
    if prop.get("type") in ("created_time", "last_edited_time"):
        stamp = parse_timestamp(prop.get(str(prop.get("type"))))
        return stamp.astimezone(tz).date() if stamp else None
    for wrapper in ("formula", "rollup"):
        inner = prop.get(wrapper)
        if isinstance(inner, Mapping) and inner.get("type") == "date":
            value = inner.get("date")
    if isinstance(value, Mapping):
        value = value.get("start")
    return parse_flowus_date(value, tz)


def entry_day(
    page: Mapping[str, Any], date_property: str | None, tz: ZoneInfo
) -> date | None:
    """The day an entry belongs to: its date property when set and filled, else created time."""
    if date_property:
        properties = page.get("properties")
        if isinstance(properties, Mapping):
            found = property_date(properties, date_property, tz)
            if found is not None:
                return found
    created = parse_timestamp(page.get("created_time") or page.get("createdAt"))
    return created.astimezone(tz).date() if created else None
