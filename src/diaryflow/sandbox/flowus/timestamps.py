"""Timestamp helpers: the API's ISO format, whole-day shifting and created-at hints."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A whole string that is a date or a date-time, with "-" or "/" between the date parts.
_DATED = re.compile(r"^(\d{4})([-/])(\d{2})\2(\d{2})((?:T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?)$")


def iso(moment: datetime) -> str:
    """Format an aware datetime the way the API does: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def now_iso() -> str:
    """Return the current time in the API's format."""
    return iso(datetime.now(timezone.utc))


def parse_iso(text: str) -> datetime:
    """Parse an ISO date or date-time; naive values are taken as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("/", "-"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def bump(previous: str | None) -> str:
    """Return a new last_edited_time: now, but never at or before ``previous``."""
    now = datetime.now(timezone.utc)
    if previous:
        # Shifted sample data may sit later today than the wall clock; stay monotonic.
        floor = parse_iso(previous) + timedelta(milliseconds=1)
        now = max(now, floor)
    return iso(now)


def shift_text(text: str, days: int) -> str | None:
    """Shift a date / date-time string by whole days, keeping its format; None if not one."""
    match = _DATED.match(text)
    if not match:
        return None
    year, sep, month, day, rest = match.groups()
    moved = date(int(year), int(month), int(day)) + timedelta(days=days)
    return f"{moved.year:04d}{sep}{moved.month:02d}{sep}{moved.day:02d}{rest}"


def shift_tree(node: Any, days: int) -> Any:
    """Shift every date-looking string inside a JSON tree, in place; returns the tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            node[key] = _shift_value(value, days)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            node[index] = _shift_value(value, days)
    return node


def _shift_value(value: Any, days: int) -> Any:
    if isinstance(value, str):
        shifted = shift_text(value, days)
        return value if shifted is None else shifted
    return shift_tree(value, days)


def today_shanghai() -> date:
    """Return today's date in Asia/Shanghai, the sample's home time zone."""
    return datetime.now(SHANGHAI).date()


def parse_hint(value: object) -> datetime:
    """Parse an ``after_created_at`` hint: ms since the epoch or an ISO string."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a timestamp")
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, timezone.utc)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, timezone.utc)
        return parse_iso(text)
    raise ValueError(f"not a timestamp: {value!r}")
