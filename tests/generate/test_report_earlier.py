"""The report against earlier periods: the comparison inserted verbatim, the previous report and
the shorter reports in the model's prompt, in one call and in map-reduce."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from diaryflow.diary import Snapshot
from diaryflow.generate.charts import stats_section
from diaryflow.generate.compare import compare
from diaryflow.generate.compare_section import comparison_for_prompt, comparison_section
from diaryflow.generate.earlier import Earlier
from diaryflow.generate.entry_index import index_section
from diaryflow.generate.entry_refs import entry_refs
from diaryflow.generate.prompt import PREVIOUS_HEADING
from diaryflow.generate.stats import compute_stats
from diaryflow.state.reports import SavedReport
from tests.generate.helpers import sample_snapshot
from tests.generate.test_report import CHUNK_MARK, FakeModel, run

LAST_WEEK = SavedReport("default", "2026-11-20", date(2026, 11, 14), date(2026, 11, 20), "r",
                        "t", "## 下阶段建议\n\n1. 每天早睡，周末跑一次十公里。")


def week_before(snap: Snapshot) -> Snapshot:
    """The seven days before ``snap``'s window, out of a longer collect of the sample."""
    end = snap.window_start - timedelta(days=1)
    start = end - timedelta(days=6)
    longer = sample_snapshot(14)
    return dataclasses.replace(longer, window_start=start, window_end=end, entries=tuple(
        e for e in longer.entries if start <= e.day <= end))


def test_the_comparison_follows_the_statistics_and_reaches_the_model() -> None:
    snap = sample_snapshot(7)
    before = week_before(snap)
    assert before.entries and snap.entries
    earlier = Earlier(compute_stats(before), LAST_WEEK)
    model = FakeModel()
    report = run(snap, model, earlier=earlier)
    comparison = compare(compute_stats(snap), compute_stats(before))
    section = comparison_section(comparison)
    index = index_section(entry_refs(snap))
    assert f"{stats_section(compute_stats(snap))}\n{section}\n{index}\n---\n" in report.markdown
    assert "「与上期对比」中的数字" in report.markdown
    (prompt,) = model.prompts
    assert comparison_for_prompt(comparison) in prompt
    assert PREVIOUS_HEADING in prompt and "每天早睡，周末跑一次十公里。" in prompt
    assert "2026-11-20（2026-11-14 至 2026-11-20）" in prompt


def test_the_offline_digest_carries_the_comparison_too() -> None:
    snap = sample_snapshot(7)
    earlier = Earlier(compute_stats(week_before(snap)))
    report = run(snap, None, earlier=earlier)
    section = comparison_section(compare(compute_stats(snap), earlier.previous_stats))
    assert report.offline and f"{stats_section(compute_stats(snap))}\n{section}" in report.markdown
    assert report.markdown.index(section) < report.markdown.index("## 逐日摘录")


def test_map_reduce_gives_the_previous_report_to_the_final_call_only() -> None:
    snap = sample_snapshot(60)
    model = FakeModel()
    report = run(snap, model, context_tokens=8000, earlier=Earlier(compute_stats(snap), LAST_WEEK))
    assert report.map_reduce
    *chunks, final = model.prompts
    assert all(CHUNK_MARK in p and PREVIOUS_HEADING not in p for p in chunks)
    assert PREVIOUS_HEADING in final and "每天早睡" in final


def test_a_month_from_weekly_reports_says_so_in_its_note() -> None:
    snap = sample_snapshot(30)
    weeks = tuple(SavedReport("weekly", f"2026-W{n}", date.fromisocalendar(2026, n, 1),
                              date.fromisocalendar(2026, n, 7), "r", "t", f"第{n}周周报")
                  for n in (45, 46, 47))
    model = FakeModel()
    report = run(snap, model, earlier=Earlier(compute_stats(snap), None, "weekly", weeks))
    assert "其中 21 天依据「weekly」的 3 份报告" in report.markdown
    assert all(f"第{n}周周报" in model.prompts[0] for n in (45, 46, 47))
