"""Mermaid charts and the Markdown statistics section built from :class:`Stats`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from diaryflow.collect.rich_text import one_line
from diaryflow.generate.stats import Stats

SECTION_HEADING = "## 数据统计"
PIE_SLICES = 8  # more slices than this are unreadable; the rest are folded into one
# Mermaid diagram types that plot numbers: only code draws those (from computed statistics).
NUMERIC_CHARTS = ("pie", "xychart-beta", "xychart", "sankey-beta", "sankey", "quadrantChart",
                  "radar-beta", "radar")
# The structures a model may draw from the diary's content.
CONTENT_DIAGRAMS = ("gantt", "timeline", "flowchart", "mindmap")


def is_numeric_chart(kind: str) -> bool:
    """Whether a Mermaid diagram type plots numbers (``pie``, ``xychart-beta``…)."""
    return kind.lower() in {name.lower() for name in NUMERIC_CHARTS}


def day_labels(days: Sequence[date]) -> list[str]:
    """Days as ``MM-DD``, or ISO dates when a window over a year would repeat a label."""
    short = [d.strftime("%m-%d") for d in days]
    return short if len(set(short)) == len(short) else [d.isoformat() for d in days]


def quote(text: str) -> str:
    """A Mermaid string literal: one line, double quotes replaced (Mermaid cannot escape them)."""
    return '"' + one_line(text).replace('"', "'") + '"'


def bar_chart(title: str, labels: Sequence[str], values: Sequence[int], y_label: str) -> str:
    """An ``xychart-beta`` bar chart; ``""`` when there is nothing to plot."""
    return _xychart("bar", title, labels, values, y_label)


def line_chart(title: str, labels: Sequence[str], values: Sequence[int], y_label: str) -> str:
    """An ``xychart-beta`` line chart; ``""`` when there is nothing to plot."""
    return _xychart("line", title, labels, values, y_label)


def _xychart(
    kind: str, title: str, labels: Sequence[str], values: Sequence[int], y_label: str
) -> str:
    if not labels or len(labels) != len(values):
        return ""
    top = max(1, *values)
    return "\n".join(
        [
            "xychart-beta",
            f"    title {quote(title)}",
            f"    x-axis [{', '.join(quote(label) for label in labels)}]",
            f"    y-axis {quote(y_label)} 0 --> {top}",
            f"    {kind} [{', '.join(str(int(v)) for v in values)}]",
        ]
    )


def pie_chart(title: str, parts: Sequence[tuple[str, int]]) -> str:
    """A ``pie`` chart of the positive parts; ``""`` when none is positive."""
    shown = [(label, value) for label, value in parts if value > 0]
    if not shown:
        return ""
    lines = ["pie showData", f"    title {one_line(title)}"]
    lines += [f"    {quote(label)} : {int(value)}" for label, value in shown]
    return "\n".join(lines)


def fold_parts(parts: Sequence[tuple[str, int]], keep: int = PIE_SLICES) -> list[tuple[str, int]]:
    """The ``keep`` largest parts, and the rest summed into one ``其余 N 项`` part."""
    if len(parts) <= keep:
        return list(parts)
    rest = parts[keep - 1 :]
    return [*parts[: keep - 1], (f"其余 {len(rest)} 项", sum(v for _, v in rest))]


def percent(part: int, whole: int) -> str:
    """``part/whole`` as a whole-number percentage, ``—`` for an empty whole."""
    return f"{round(100 * part / whole)}%" if whole else "—"


def summary_rows(stats: Stats) -> list[tuple[str, str]]:
    """The headline figures as (label, value) rows, shared by the report and the prompt."""
    span = len(stats.days)
    rows = [
        ("时间范围", f"{stats.start.isoformat()} 至 {stats.end.isoformat()}（{span} 天）"),
        ("条目数", str(stats.total_entries)),
        ("总字数", str(stats.total_chars)),
        ("有记录的天数", f"{stats.active_days} / {span}"),
        ("日均字数", f"{stats.total_chars / span:.0f}" if span else "0"),
    ]
    rows += [
        (f"「{one_line(name)}」完成率", f"{percent(done, total)}（{done} / {total}）")
        for name, done, total in stats.checkboxes
    ]
    return rows


def _cell(text: str) -> str:
    return one_line(text).replace("|", "\\|")


def _mermaid(heading: str, chart: str) -> list[str]:
    return [f"### {heading}", "", "```mermaid", chart, "```", ""] if chart else []


def stats_section(stats: Stats) -> str:
    """The ``## 数据统计`` section: a summary table and Mermaid charts (empty data skipped)."""
    lines = [SECTION_HEADING, "", "| 指标 | 数值 |", "| --- | --- |"]
    lines += [f"| {_cell(label)} | {_cell(value)} |" for label, value in summary_rows(stats)]
    lines.append("")
    if stats.excluded:
        lines += [f"{stats.excluded} 条私密日记未纳入，以上数字不含这些日记。", ""]
    if not stats.total_entries:
        lines += ["本期没有日记条目，不绘制图表。", ""]
        return "\n".join(lines).rstrip() + "\n"
    labels = day_labels(stats.days)
    lines += _mermaid("每日条目数", bar_chart("每日条目数", labels, stats.entries_per_day, "条目"))
    lines += _mermaid("每日字数", line_chart("每日字数", labels, stats.chars_per_day, "字数"))
    for name, parts in stats.selects:
        title = f"{one_line(name)}分布"
        lines += _mermaid(title, pie_chart(title, fold_parts(parts)))
    return "\n".join(lines).rstrip() + "\n"


def stats_for_prompt(stats: Stats) -> str:
    """The same figures as compact text for the model (no charts, every option listed)."""
    lines = [f"- {label}: {value}" for label, value in summary_rows(stats)]
    per_day = [
        f"{label} {count} 条 {chars} 字"
        for label, count, chars in zip(
            day_labels(stats.days), stats.entries_per_day, stats.chars_per_day, strict=True
        )
        if count
    ]
    if per_day:
        lines.append(f"- 每日（条目/字数）: {'；'.join(per_day)}")
    for name, parts in stats.selects:
        listed = "、".join(f"{one_line(option)} {count}" for option, count in parts)
        lines.append(f"- {one_line(name)}: {listed}")
    return "\n".join(lines)
