"""The local copy of reports: newest first, earlier ones kept, a period replaced not doubled."""

from __future__ import annotations

from diaryflow.publish.local_copy import add_report, report_section


def section(period: str, text: str) -> str:
    return report_section("default", period, f"AI生成内容 - {period}", f"周期 {period}", text)


def test_newest_first_and_earlier_reports_kept() -> None:
    text = add_report("", "default", "2026-11-25", section("2026-11-25", "第一份"))
    text = add_report(text, "default", "2026-11-26", section("2026-11-26", "第二份"))
    text = add_report(text, "default", "2026-11-27", section("2026-11-27", "第三份\n\n---\n\n末尾"))
    assert [text.index(s) for s in ("第三份", "第二份", "第一份")] == sorted(
        text.index(s) for s in ("第三份", "第二份", "第一份")
    )
    assert "末尾" in text


def test_the_same_period_is_replaced() -> None:
    text = add_report("", "default", "2026-11-26", section("2026-11-26", "旧的"))
    text = add_report(text, "default", "2026-11-27", section("2026-11-27", "别的"))
    text = add_report(text, "default", "2026-11-26", section("2026-11-26", "新的"))
    assert "旧的" not in text and text.count("period=2026-11-26") == 1
    assert text.index("新的") < text.index("别的")


def test_a_hand_written_file_is_kept_below() -> None:
    text = add_report(
        "# 我的笔记\n\n手写的内容\n", "default", "2026-11-27", section("2026-11-27", "报告")
    )
    assert text.index("报告") < text.index("手写的内容")
    again = add_report(text, "default", "2026-11-28", section("2026-11-28", "下一份"))
    assert "手写的内容" in again and again.count("手写的内容") == 1
