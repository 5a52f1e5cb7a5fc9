"""The comparison with the previous period: changes, new and gone values, the first period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from diaryflow.generate.compare import Row, change, compare, rate_change
from diaryflow.generate.compare_section import comparison_for_prompt, comparison_section
from diaryflow.generate.stats import Stats

WEEK = date(2026, 11, 23)
BEFORE = WEEK - timedelta(days=7)


def stats(
    start: date, entries: int, chars: int, active: int,
    selects: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (),
    checkboxes: tuple[tuple[str, int, int], ...] = (),
) -> Stats:
    days = tuple(start + timedelta(days=i) for i in range(7))
    return Stats(start, days[-1], days, (0,) * 7, (0,) * 7, entries, chars, active, selects,
                 checkboxes)


@pytest.mark.parametrize(("before", "after", "shown"), [
    (5, 7, "▲ 2（40%）"),
    (4, 3, "▼ 1（25%）"),
    (3, 3, "持平"),
    (0, 0, "持平"),
    (0, 2, "新增"),  # from nothing: no made-up infinite percentage
    (3, 0, "▼ 3（100%）"),  # a value gone
    (8, 9, "▲ 1（13%）"),  # 12.5% rounds half up
    (3, 2, "▼ 1（33%）"),
    (3, 1, "▼ 2（67%）"),
    (1000, 1001, "▲ 1（<1%）"),  # a real change never reads as 0%
    (2, 200, "▲ 198（9900%）"),
])
def test_change(before: int, after: int, shown: str) -> None:
    assert change(before, after) == shown


@pytest.mark.parametrize(("before", "after", "shown"), [
    (100, 83, "▼ 17 个百分点"),
    (40, 60, "▲ 20 个百分点"),
    (50, 50, "持平"),
    (None, 50, "—"),
    (50, None, "—"),
])
def test_rate_change_is_in_percentage_points(
    before: int | None, after: int | None, shown: str
) -> None:
    assert rate_change(before, after) == shown


def test_first_period_has_no_change_figures() -> None:
    result = compare(stats(WEEK, 5, 500, 4), stats(BEFORE, 0, 0, 0))
    assert result.first and result.rows == ()
    section = comparison_section(result)
    assert section.startswith("## 与上期对比\n\n上期无数据（首个周期）：")
    assert "2026-11-16 至 2026-11-22" in section
    for mark in ("▲", "▼", "持平", "新增", "%", "| 0 |"):
        assert mark not in section
    prompt = comparison_for_prompt(result)
    assert "上期无数据（首个周期）" in prompt and "不要与上期比较" in prompt


def test_rows_cover_totals_checkboxes_and_every_value_of_both_periods() -> None:
    previous = stats(BEFORE, 7, 714, 6,
                     selects=(("心情", (("平静", 3), ("开心", 3), ("疲惫", 1))),
                              ("天气", (("晴", 7),))),
                     checkboxes=(("完成", 7, 7), ("运动", 2, 7)))
    current = stats(WEEK, 6, 650, 5,
                    selects=(("心情", (("平静", 3), ("焦虑", 2), ("开心", 1))),),
                    checkboxes=(("完成", 5, 6), ("读书", 3, 6)))
    result = compare(current, previous)
    assert not result.first
    assert list(result.rows) == [
        Row("条目数", "7", "6", "▼ 1（14%）"),
        Row("总字数", "714", "650", "▼ 64（9%）"),
        Row("有记录的天数", "6 / 7", "5 / 7", "▼ 1（17%）"),
        Row("「完成」完成率", "100%（7 / 7）", "83%（5 / 6）", "▼ 17 个百分点"),
        Row("「读书」完成率", "—", "50%（3 / 6）", "—"),  # a property new this period
        Row("「运动」完成率", "29%（2 / 7）", "—", "—"),  # a property gone
        Row("心情：平静", "3", "3", "持平"),
        Row("心情：焦虑", "0", "2", "新增"),
        Row("心情：开心", "3", "1", "▼ 2（67%）"),
        Row("心情：疲惫", "1", "0", "▼ 1（100%）"),
        Row("天气：晴", "7", "0", "▼ 7（100%）"),
    ]


def test_the_section_is_a_table_with_both_periods() -> None:
    previous = stats(BEFORE, 2, 10, 2, selects=(("标签", (("a|b", 2),)),))
    current = stats(WEEK, 3, 10, 2, selects=(("标签", (("a|b", 1),)),))
    section = comparison_section(compare(current, previous))
    lines = section.splitlines()
    assert lines[0] == "## 与上期对比"
    assert "本期 2026-11-23 至 2026-11-29，上期 2026-11-16 至 2026-11-22" in lines[2]
    assert lines[4:6] == ["| 指标 | 上期 | 本期 | 变化 |", "| --- | --- | --- | --- |"]
    assert lines[6:] == [
        "| 条目数 | 2 | 3 | ▲ 1（50%） |",
        "| 总字数 | 10 | 10 | 持平 |",
        "| 有记录的天数 | 2 / 7 | 2 / 7 | 持平 |",
        "| 标签：a\\|b | 2 | 1 | ▼ 1（50%） |",  # a pipe in a value cannot break the table
    ]
    prompt = comparison_for_prompt(compare(current, previous))
    assert prompt.splitlines()[1] == "- 条目数: 上期 2 → 本期 3，▲ 1（50%）"
