"""The comparison with the previous period as a report section and as figures for the model."""

from __future__ import annotations

from diaryflow.collect.rich_text import one_line
from diaryflow.generate.compare import Comparison
from diaryflow.generate.prompt import period_text

COMPARISON_HEADING = "## 与上期对比"
FIRST_PERIOD = "上期无数据（首个周期）"


def comparison_section(comparison: Comparison) -> str:
    """The ``## 与上期对比`` section: a table of both periods' figures and their changes."""
    previous = period_text(comparison.previous_start, comparison.previous_end)
    current = period_text(comparison.start, comparison.end)
    lines = [COMPARISON_HEADING, ""]
    if comparison.first:
        lines.append(f"{FIRST_PERIOD}：上期（{previous}）没有日记条目，本期不计算变化。")
        return "\n".join(lines) + "\n"
    lines += [
        f"本期 {current}，上期 {previous}；变化以上期为基数，完成率的变化以百分点计。",
        "",
        "| 指标 | 上期 | 本期 | 变化 |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {_cell(row.label)} | {_cell(row.before)} | {_cell(row.after)} | "
              f"{_cell(row.change)} |" for row in comparison.rows]
    return "\n".join(lines) + "\n"


def comparison_for_prompt(comparison: Comparison) -> str:
    """The same figures as compact lines for the model, after the period's own statistics."""
    previous = period_text(comparison.previous_start, comparison.previous_end)
    if comparison.first:
        return (f"与上期对比：{FIRST_PERIOD}。上期（{previous}）没有日记条目：这是第一个周期，"
                "不要与上期比较，也不要说哪项数字增加或减少了。")
    lines = [f"与上期（{previous}）对比（程序计算，变化以上期为基数）："]
    lines += [f"- {one_line(row.label)}: 上期 {row.before} → 本期 {row.after}，{row.change}"
              for row in comparison.rows]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return one_line(text).replace("|", "\\|")
