"""A period's figures beside the previous period's, each with its change, computed in code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from diaryflow.collect.rich_text import one_line
from diaryflow.generate.stats import Stats

UNCHANGED = "持平"
NEW = "新增"
NOT_COMPARABLE = "—"
UP, DOWN = "▲", "▼"


@dataclass(frozen=True)
class Row:
    """One compared figure: its label, both values as shown, and the change."""

    label: str
    before: str
    after: str
    change: str


@dataclass(frozen=True)
class Comparison:
    """The period against the previous one; ``first`` (no rows) when that one has no entries."""

    start: date
    end: date
    previous_start: date
    previous_end: date
    first: bool
    rows: tuple[Row, ...] = ()


def change(before: int, after: int) -> str:
    """``▲ 2（40%）``, ``▼ 3（100%）``, ``持平``, or ``新增`` when it rose from zero."""
    if after == before:
        return UNCHANGED
    if before == 0:
        return NEW
    diff = after - before
    return f"{UP if diff > 0 else DOWN} {abs(diff)}（{_share(abs(diff), before)}）"


def rate_change(before: int | None, after: int | None) -> str:
    """The change of a whole-number percentage, in percentage points; ``—`` if one is missing."""
    if before is None or after is None:
        return NOT_COMPARABLE
    if after == before:
        return UNCHANGED
    return f"{UP if after > before else DOWN} {abs(after - before)} 个百分点"


def rate(done: int, total: int) -> int | None:
    """``done`` of ``total`` as the whole-number percentage the statistics show."""
    return round(100 * done / total) if total else None


def _share(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole``, half rounded up; ``<1%`` rather than ``0%``."""
    hundredths = 100 * part
    whole_percent = (2 * hundredths + whole) // (2 * whole)
    return f"{whole_percent}%" if whole_percent else "<1%"


def compare(current: Stats, previous: Stats) -> Comparison:
    """Entries, characters, active days, checkbox completion and every choice value, compared."""
    dates = (current.start, current.end, previous.start, previous.end)
    if not previous.total_entries:
        return Comparison(*dates, first=True)
    rows = [
        Row("条目数", str(previous.total_entries), str(current.total_entries),
            change(previous.total_entries, current.total_entries)),
        Row("总字数", str(previous.total_chars), str(current.total_chars),
            change(previous.total_chars, current.total_chars)),
        Row("有记录的天数", f"{previous.active_days} / {len(previous.days)}",
            f"{current.active_days} / {len(current.days)}",
            change(previous.active_days, current.active_days)),
    ]
    rows += _checkbox_rows(current, previous)
    rows += _choice_rows(current, previous)
    return Comparison(*dates, first=False, rows=tuple(rows))


def _checkbox_rows(current: Stats, previous: Stats) -> list[Row]:
    before = {name: (done, total) for name, done, total in previous.checkboxes}
    after = {name: (done, total) for name, done, total in current.checkboxes}
    rows = []
    for name in _union(list(after), list(before)):
        old, new = rate(*before.get(name, (0, 0))), rate(*after.get(name, (0, 0)))
        rows.append(Row(f"「{one_line(name)}」完成率", _rate_text(before.get(name)),
                        _rate_text(after.get(name)), rate_change(old, new)))
    return rows


def _rate_text(counts: tuple[int, int] | None) -> str:
    if counts is None or not counts[1]:
        return NOT_COMPARABLE
    done, total = counts
    return f"{rate(done, total)}%（{done} / {total}）"


def _choice_rows(current: Stats, previous: Stats) -> list[Row]:
    before = {name: dict(parts) for name, parts in previous.selects}
    after = {name: dict(parts) for name, parts in current.selects}
    rows = []
    for name in _union(list(after), list(before)):
        old, new = before.get(name, {}), after.get(name, {})
        for value in _union(list(new), list(old)):
            rows.append(Row(f"{one_line(name)}：{one_line(value)}", str(old.get(value, 0)),
                            str(new.get(value, 0)), change(old.get(value, 0), new.get(value, 0))))
    return rows


def _union(first: Sequence[str], second: Sequence[str]) -> list[str]:
    """Names of ``first`` in order, then those only in ``second``."""
    return list(dict.fromkeys([*first, *second]))
