"""Mermaid charts and the statistics section: sane syntax, the right numbers, no empty charts."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

from diaryflow.generate.charts import (
    bar_chart,
    day_labels,
    fold_parts,
    line_chart,
    pie_chart,
    stats_for_prompt,
    stats_section,
)
from diaryflow.generate.stats import Stats, compute_stats
from tests.generate.helpers import sample_snapshot

QUOTED_LIST = re.compile(r'^\[("[^"\n]*"(, "[^"\n]*")*)\]$')


def parse_xychart(text: str) -> dict[str, object]:
    """A strict reading of the xychart-beta subset the report uses."""
    lines = text.split("\n")
    assert lines[0] == "xychart-beta"
    found: dict[str, object] = {}
    for line in lines[1:]:
        assert line.startswith("    ")
        key, _, rest = line.strip().partition(" ")
        if key == "title":
            assert re.fullmatch(r'"[^"\n]*"', rest)
            found["title"] = rest[1:-1]
        elif key == "x-axis":
            assert QUOTED_LIST.match(rest), rest
            found["labels"] = re.findall(r'"([^"]*)"', rest)
        elif key == "y-axis":
            m = re.fullmatch(r'"([^"\n]*)" 0 --> (\d+)', rest)
            assert m, rest
            found["y"] = (m[1], int(m[2]))
        elif key in ("bar", "line"):
            assert re.fullmatch(r"\[(\d+(, \d+)*)\]", rest), rest
            found[key] = [int(v) for v in rest[1:-1].split(", ")]
        else:
            raise AssertionError(f"unexpected line {line!r}")
    return found


def parse_pie(text: str) -> tuple[str, list[tuple[str, int]]]:
    lines = text.split("\n")
    assert lines[0] == "pie showData" and lines[1].startswith("    title ")
    parts = []
    for line in lines[2:]:
        m = re.fullmatch(r'    "([^"\n]*)" : (\d+)', line)
        assert m, line
        parts.append((m[1], int(m[2])))
    return lines[1].removeprefix("    title "), parts


def test_bar_and_line_charts() -> None:
    labels, values = ["03-01", "03-02", "03-03"], [2, 0, 5]
    bar = parse_xychart(bar_chart("每日条目数", labels, values, "条目"))
    assert bar == {"title": "每日条目数", "labels": labels, "y": ("条目", 5), "bar": values}
    line = parse_xychart(line_chart('说"字"数', labels, [0, 0, 0], "字 数"))
    assert line["title"] == "说'字'数" and line["line"] == [0, 0, 0]
    assert line["y"] == ("字 数", 1)  # an all-zero axis still has a range


def test_charts_skip_empty_data() -> None:
    assert bar_chart("t", [], [], "y") == "" and line_chart("t", [], [], "y") == ""
    assert bar_chart("t", ["a"], [1, 2], "y") == ""  # mismatched data is not drawn
    assert pie_chart("t", []) == "" and pie_chart("t", [("a", 0)]) == ""


def test_pie_chart_quotes_labels_and_keeps_positive_parts() -> None:
    title, parts = parse_pie(pie_chart("心情分布", [("平静", 5), ('说"好"', 2), ("空", 0)]))
    assert title == "心情分布" and parts == [("平静", 5), ("说'好'", 2)]


def test_fold_parts_and_day_labels() -> None:
    parts = [(f"t{i}", 20 - i) for i in range(12)]
    folded = fold_parts(parts, 8)
    assert len(folded) == 8 and folded[:7] == parts[:7]
    assert folded[7] == ("其余 5 项", sum(v for _, v in parts[7:]))
    assert sum(v for _, v in folded) == sum(v for _, v in parts)
    assert fold_parts(parts[:3], 8) == parts[:3]
    assert day_labels([date(2026, 1, 2), date(2026, 1, 3)]) == ["01-02", "01-03"]
    year = [date(2025, 11, 27) + timedelta(days=i) for i in range(366)]
    assert day_labels(year)[0] == "2025-11-27"  # MM-DD would repeat 11-27


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)\n```", markdown, re.DOTALL)


def test_stats_section_of_the_sample() -> None:
    stats = compute_stats(sample_snapshot(7))
    section = stats_section(stats)
    assert section.startswith("## 数据统计\n")
    assert f"| 条目数 | {stats.total_entries} |" in section
    assert f"| 总字数 | {stats.total_chars} |" in section
    assert f"| 有记录的天数 | {stats.active_days} / 7 |" in section
    assert f"| 日均字数 | {stats.total_chars / 7:.0f} |" in section
    for name, done, total in stats.checkboxes:
        assert f"| 「{name}」完成率 | {round(100 * done / total)}%（{done} / {total}） |" in section
    blocks = mermaid_blocks(section)
    assert len(blocks) == 2 + len(stats.selects)
    bar, line = parse_xychart(blocks[0]), parse_xychart(blocks[1])
    labels = [d.strftime("%m-%d") for d in stats.days]
    assert bar["labels"] == line["labels"] == labels
    assert bar["bar"] == list(stats.entries_per_day)
    assert line["line"] == list(stats.chars_per_day)
    for block, (name, parts) in zip(blocks[2:], stats.selects, strict=True):
        title, shown = parse_pie(block)
        assert title == f"{name}分布"
        assert sum(v for _, v in shown) == sum(v for _, v in parts)
    assert stats_section(stats) == section  # deterministic


def test_stats_section_without_entries_draws_nothing() -> None:
    day = date(2026, 3, 1)
    stats = Stats(day, day, (day,), (0,), (0,), 0, 0, 0, (), ())
    section = stats_section(stats)
    assert "```" not in section and "| 条目数 | 0 |" in section


def test_private_entries_are_a_number_in_the_section_and_nowhere_else() -> None:
    snapshot = sample_snapshot(7)
    plain = compute_stats(snapshot)
    stats = compute_stats(dataclasses.replace(snapshot, excluded=2))
    assert stats == dataclasses.replace(plain, excluded=2)  # no other figure changes
    assert "2 条私密日记未纳入" in stats_section(stats)
    assert "私密" not in stats_section(plain) and "私密" not in stats_for_prompt(stats)
    day = date(2026, 3, 1)
    alone = Stats(day, day, (day,), (0,), (0,), 0, 0, 0, (), (), excluded=1)
    assert "1 条私密日记未纳入" in stats_section(alone)


def test_stats_for_prompt_lists_every_option() -> None:
    stats = compute_stats(sample_snapshot(7))
    text = stats_for_prompt(stats)
    assert f"- 条目数: {stats.total_entries}" in text
    for name, parts in stats.selects:
        assert all(f"{option} {count}" in text for option, count in parts), name
    assert "```" not in text
