"""The run window and each entry's day, across timezones and midnight."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from diaryflow.window import entry_day, parse_flowus_date, run_date

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("utc", "tz", "expected"),
    [
        ("2026-11-26T15:59:59+00:00", SH, date(2026, 11, 26)),
        ("2026-11-26T16:00:00+00:00", SH, date(2026, 11, 27)),
        ("2026-11-27T04:59:59+00:00", NY, date(2026, 11, 26)),
        ("2026-11-27T05:00:00+00:00", NY, date(2026, 11, 27)),
    ],
)
def test_run_date_is_local_to_the_configured_timezone(
    utc: str, tz: ZoneInfo, expected: date
) -> None:
    assert run_date(datetime.fromisoformat(utc), tz) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27", date(2026, 11, 27)),
        ("2026/11/27", date(2026, 11, 27)),
        ("2026/1/5", date(2026, 1, 5)),
        ("2026-11-27T23:30", date(2026, 11, 27)),
        ("2026-11-27T23:30:00+08:00", date(2026, 11, 27)),
        ("2026-11-27T20:30:00Z", date(2026, 11, 28)),  # 04:30 next day in Shanghai
        ("2026-11-27 01:00:00-05:00", date(2026, 11, 27)),  # 14:00 in Shanghai
        ("2026-13-01", None),
        ("27/11/2026", None),
        ("", None),
    ],
)
def test_flowus_dates_with_dash_or_slash(text: str, expected: date | None) -> None:
    assert parse_flowus_date(text, SH) == expected


def _page(created: str, day: str | None = None) -> dict[str, object]:
    props: dict[str, object] = {"日期": {"type": "date", "date": {"start": day} if day else None}}
    return {"id": "p", "created_time": created, "properties": props}


def test_entry_day_prefers_the_date_property() -> None:
    page = _page("2026-11-27T01:00:00.000Z", "2026/11/25")
    assert entry_day(page, "日期", SH) == date(2026, 11, 25)
    assert entry_day(page, None, SH) == date(2026, 11, 27)


def test_entry_day_falls_back_to_created_time_when_the_property_is_empty() -> None:
    page = _page("2026-11-26T17:00:00.000Z")
    assert entry_day(page, "日期", SH) == date(2026, 11, 27)
    assert entry_day(page, "日期", NY) == date(2026, 11, 26)
    assert entry_day(page, "没有这个属性", SH) == date(2026, 11, 27)


def test_entry_day_from_formula_and_created_time_properties() -> None:
    page = {
        "created_time": "2026-01-01T00:00:00Z",
        "properties": {
            "f": {"type": "formula", "formula": {"type": "date", "date": {"start": "2026-02-03"}}},
            "c": {"type": "created_time", "created_time": "2026-03-03T18:00:00Z"},
        },
    }
    assert entry_day(page, "f", SH) == date(2026, 2, 3)
    assert entry_day(page, "c", SH) == date(2026, 3, 4)
    assert datetime(2026, 3, 4, tzinfo=timezone.utc)  # keep the import honest
