"""Planning with earlier periods: the previous report counts and is cut, shorter reports stand
for the days they cover, in one call or as map chunks."""

from __future__ import annotations

import math
from datetime import date

from diaryflow.generate.budget import (
    PREVIOUS_SHARE,
    chunk_prompt,
    plan,
    single_messages,
    uncovered,
)
from diaryflow.generate.earlier import Earlier
from diaryflow.generate.prompt import ALL_COVERED, DEFAULT_TEMPLATE, PREVIOUS_CUT, PREVIOUS_HEADING
from diaryflow.generate.stats import compute_stats
from diaryflow.generate.tokens import estimate_tokens, input_budget, messages_tokens
from diaryflow.state.reports import SavedReport
from tests.generate.helpers import sample_snapshot

W45 = SavedReport("weekly", "2026-W45", date(2026, 11, 2), date(2026, 11, 8), "r45", "周报",
                  "## 概览\n\n第四十五周的周报正文。")
W46 = SavedReport("weekly", "2026-W46", date(2026, 11, 9), date(2026, 11, 15), "r46", "周报",
                  "## 概览\n\n第四十六周的周报正文。")


def heading(day: date, title: str) -> str:
    return f"## {day.isoformat()} · {title}"


def test_the_previous_report_counts_and_is_cut_to_its_share() -> None:
    snap = sample_snapshot(7)
    long = SavedReport("default", "2026-11-20", date(2026, 11, 14), date(2026, 11, 20), "r",
                       "t", "## 概览\n\n" + "上周记下的计划和问题。" * 4000)
    earlier = Earlier(compute_stats(sample_snapshot(14)), long)
    chosen = plan(snap, DEFAULT_TEMPLATE, 65536, 4096, earlier=earlier)
    budget = input_budget(65536, 4096)
    assert chosen.mode == "single" and PREVIOUS_CUT in chosen.previous
    assert estimate_tokens(chosen.previous) <= budget // PREVIOUS_SHARE
    user = single_messages(snap, DEFAULT_TEMPLATE, True, earlier, chosen.previous)[1]["content"]
    assert user.rstrip().endswith(chosen.previous.rstrip()) and PREVIOUS_HEADING in user
    assert messages_tokens(single_messages(snap, DEFAULT_TEMPLATE, True, earlier,
                                           chosen.previous)) <= budget


def test_a_previous_report_that_does_not_fit_beside_the_diary_means_map_reduce() -> None:
    snap = sample_snapshot(7)
    no_report = Earlier(compute_stats(sample_snapshot(14)))
    need = messages_tokens(single_messages(snap, DEFAULT_TEMPLATE, True, no_report))
    context = math.ceil((need + 300 + 1024) / 0.9)  # 300 tokens to spare beside the diary
    alone = plan(snap, DEFAULT_TEMPLATE, context, 1024, earlier=no_report)
    report = SavedReport("default", "2026-11-20", date(2026, 11, 14), date(2026, 11, 20), "r",
                         "t", "## 概览\n\n" + "上周记下的计划和问题。" * 400)
    with_previous = plan(snap, DEFAULT_TEMPLATE, context, 1024,
                         earlier=Earlier(no_report.previous_stats, report))
    assert alone.mode == "single" and with_previous.mode == "map_reduce"
    assert with_previous.previous.startswith(PREVIOUS_HEADING)
    assert 300 < estimate_tokens(with_previous.previous) <= input_budget(context, 1024) // 4


def test_shorter_reports_stand_for_the_days_they_cover_in_one_call() -> None:
    snap = sample_snapshot(30)  # 2026-10-29 to 2026-11-27
    earlier = Earlier(compute_stats(snap), None, "weekly", (W45, W46))
    chosen = plan(snap, DEFAULT_TEMPLATE, 65536, 4096, earlier=earlier)
    assert chosen.mode == "single"
    user = single_messages(snap, DEFAULT_TEMPLATE, True, earlier, chosen.previous)[1]["content"]
    assert "第四十五周的周报正文。" in user and "第四十六周的周报正文。" in user
    covered = [e for e in snap.entries if W45.start <= e.day <= W46.end]
    raw = [e for e in snap.entries if not W45.start <= e.day <= W46.end]
    assert covered and raw
    assert not any(heading(e.day, e.page.title) in user for e in covered)
    assert all(heading(e.day, e.page.title) in user for e in raw)
    assert "条目数 | " not in user and f"- 条目数: {len(snap.entries)}" in user  # all, in figures


def test_with_every_day_covered_the_diary_part_says_so() -> None:
    snap = sample_snapshot(7)  # 2026-11-21 to 2026-11-27
    week = SavedReport("weekly", "x", date(2026, 11, 21), date(2026, 11, 27), "r", "t", "周报正文")
    earlier = Earlier(compute_stats(snap), None, "weekly", (week,))
    assert uncovered(snap, earlier).entries == ()
    user = single_messages(snap, DEFAULT_TEMPLATE, True, earlier)[1]["content"]
    assert ALL_COVERED in user and "周报正文" in user


def test_map_reduce_chunks_hold_the_reports_and_only_uncovered_days() -> None:
    snap = sample_snapshot(30)
    earlier = Earlier(compute_stats(snap), None, "weekly", (W45, W46))
    chosen = plan(snap, DEFAULT_TEMPLATE, 6000, 1024, earlier=earlier)
    assert chosen.mode == "map_reduce"
    assert [c.start for c in chosen.chunks] == sorted(c.start for c in chosen.chunks)
    texts = [c.text for c in chosen.chunks]
    reports = [c for c in chosen.chunks if "第四十五周的周报正文。" in c.text]
    assert len(reports) == 1 and "第四十六周的周报正文。" in reports[0].text  # neighbours joined
    assert (reports[0].start, reports[0].end) == (W45.start, W46.end)
    budget = input_budget(6000, 1024)
    assert all(messages_tokens(chunk_prompt(c, chosen.summary_chars)) <= budget
               for c in chosen.chunks)
    for e in snap.entries:
        shown = any(heading(e.day, e.page.title) in text for text in texts)
        assert shown == (not W45.start <= e.day <= W46.end), e.day
