"""Earlier periods as prompt parts: computed sections left out, headings demoted, cut to fit."""

from __future__ import annotations

import json
from datetime import date

from diaryflow.generate.earlier import (
    Earlier,
    covered_days,
    demote,
    earlier_from_json,
    earlier_to_json,
    previous_part,
    review_text,
    sources_part,
)
from diaryflow.generate.prompt import PREVIOUS_CUT, PREVIOUS_HEADING
from diaryflow.generate.stats import compute_stats
from diaryflow.generate.tokens import estimate_tokens
from diaryflow.state.reports import SavedReport
from tests.generate.helpers import sample_snapshot

REPORT = """## 概览

这周主要在做订单系统。

```mermaid
gantt
## 数据统计 inside a code block is not a heading
```

## 下阶段建议

1. 下周把履约拆分的方案写完。

## 数据统计

| 指标 | 数值 |
| --- | --- |
| 条目数 | 7 |

### 每日条目数

```mermaid
xychart-beta
```

## 与上期对比

| 指标 | 上期 | 本期 | 变化 |

## 本期日记索引

- 2026-11-02 周一 · [订单系统](https://flowus.cn/0123)

---

> 本报告由 AI 模型生成。
"""


def saved(period: str, start: date, end: date, markdown: str = REPORT) -> SavedReport:
    return SavedReport("weekly", period, start, end, "run1", f"周报 {period}", markdown)


W45 = saved("2026-W45", date(2026, 11, 2), date(2026, 11, 8))
W46 = saved("2026-W46", date(2026, 11, 9), date(2026, 11, 15))


def test_review_text_leaves_out_what_code_computed() -> None:
    text = review_text(REPORT)
    assert text.startswith("## 概览") and "1. 下周把履约拆分的方案写完。" in text
    assert "## 数据统计 inside a code block is not a heading" in text
    for computed in ("| 条目数 | 7 |", "xychart-beta", "## 与上期对比", "## 本期日记索引",
                     "https://flowus.cn/0123", "本报告由 AI 模型生成"):
        assert computed not in text


def test_demote_moves_headings_down_but_not_inside_code() -> None:
    assert demote("## a\n### b\n##### c\n```\n## d\n```\n#no", 2) == (
        "#### a\n##### b\n###### c\n```\n## d\n```\n#no")


def test_previous_part_is_labelled_and_cut_to_its_limit() -> None:
    earlier = Earlier(compute_stats(sample_snapshot(7)), W46)
    whole = previous_part(earlier, 10_000)
    assert whole.startswith(f"{PREVIOUS_HEADING}\n\n")
    assert "2026-W46（2026-11-09 至 2026-11-15）" in whole and "计划" in whole
    assert "### 下阶段建议" in whole and "| 条目数 | 7 |" not in whole
    long = saved("2026-W46", W46.start, W46.end, "## 概览\n\n" + "记了很多事情。" * 2000)
    cut = previous_part(Earlier(earlier.previous_stats, long), 500)
    assert PREVIOUS_CUT in cut and estimate_tokens(cut) <= 500
    assert previous_part(Earlier(earlier.previous_stats, long), 20) == ""  # no room at all
    assert previous_part(Earlier(earlier.previous_stats), 10_000) == ""
    assert previous_part(None, 10_000) == ""


def test_sources_part_lists_each_report_under_its_period() -> None:
    earlier = Earlier(compute_stats(sample_snapshot(7)), None, "weekly", (W45, W46))
    part = sources_part(earlier, date(2026, 11, 1), date(2026, 11, 30))
    assert part.startswith("## 本期内的weekly报告")
    assert "2 份报告" in part and "14 天" in part and "2026-W45、2026-W46" in part
    assert part.index("### 2026-W45（2026-11-02 至 2026-11-08）") < part.index("### 2026-W46")
    assert "#### 概览" in part and "| 条目数 | 7 |" not in part
    assert covered_days([W45, W46]) == {date(2026, 11, d) for d in range(2, 16)}
    assert sources_part(Earlier(earlier.previous_stats), date(2026, 11, 1),
                        date(2026, 11, 30)) == ""


def test_json_round_trip() -> None:
    earlier = Earlier(compute_stats(sample_snapshot(14)), W46, "weekly", (W45, W46))
    assert earlier_from_json(json.loads(json.dumps(earlier_to_json(earlier)))) == earlier
    bare = Earlier(compute_stats(sample_snapshot(7)))
    assert earlier_from_json(json.loads(json.dumps(earlier_to_json(bare)))) == bare
