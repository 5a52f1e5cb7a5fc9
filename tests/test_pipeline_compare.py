"""Comparison with the previous period over real HTTP: figures against an independent count of
the sample workspace, the first period, and the previous report in the model's request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from diaryflow.config.load import Config, config_from_mapping
from diaryflow.pipeline import run_report
from diaryflow.sandbox import FlowUsSandbox, OpenAISandbox
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID, ROOT_PAGE_ID
from diaryflow.state.store import Store
from tests.helpers import ENTRY_HEADING, MODEL

SH = ZoneInfo("Asia/Shanghai")
W47 = (date(2026, 11, 16), date(2026, 11, 22))
W48 = (date(2026, 11, 23), date(2026, 11, 29))


def weekly_config(sandbox: FlowUsSandbox, folder: Path, **siliconflow: Any) -> Config:
    return config_from_mapping({
        "flowus": {
            "token": sandbox.token, "base_url": sandbox.base_url,
            "url": f"https://flowus.cn/x/{ROOT_PAGE_ID}", "parent_page_id": ROOT_PAGE_ID,
            "date_property": "日期", "reads_per_minute": 60_000, "writes_per_minute": 60_000,
        },
        "siliconflow": siliconflow or {"model": "offline"},
        "block_settings": {"include_metadata": True, "include_source": True},
        "jobs": [{"name": "weekly", "period": "week", "title": "周报 {period}"}],
    }, base_dir=folder)


# ---- the sample workspace, counted straight from its JSON ----


def entry_day(page: dict[str, Any]) -> date:
    value = ((page["properties"].get("日期") or {}).get("date") or {}).get("start")
    if value:
        return datetime.strptime(value[:10].replace("/", "-"), "%Y-%m-%d").date()
    created = datetime.fromisoformat(page["created_time"].replace("Z", "+00:00"))
    return created.astimezone(SH).date()


def diary_pages(sample: dict[str, Any], start: date, end: date) -> list[dict[str, Any]]:
    return [p for p in sample["pages"] if p["parent"].get("database_id") == DIARY_DATABASE_ID
            and not p.get("archived") and start <= entry_day(p) <= end]


def counted(sample: dict[str, Any], span: tuple[date, date]) -> dict[str, str]:
    """Each figure of the comparison table for one week, as the table should show it."""
    pages = diary_pages(sample, *span)
    figures = {"条目数": str(len(pages)),
               "有记录的天数": f"{len({entry_day(p) for p in pages})} / 7"}
    values: dict[str, Counter[str]] = {}
    checked: dict[str, int] = {}
    for page in pages:
        for name, value in page["properties"].items():
            if value["type"] == "select":
                picked = [(value.get("select") or {}).get("name") or "未填写"]
            elif value["type"] == "multi_select":
                picked = [o["name"] for o in value.get("multi_select") or []] or ["未填写"]
            elif value["type"] == "checkbox":
                checked[name] = checked.get(name, 0) + (value["checkbox"] is True)
                continue
            else:
                continue
            values.setdefault(name, Counter()).update(picked)
    for name, done in checked.items():
        share = (Decimal(100 * done) / len(pages)).to_integral_value(ROUND_HALF_UP)
        figures[f"「{name}」完成率"] = f"{share}%（{done} / {len(pages)}）"
    for name, counter in values.items():
        figures.update({f"{name}：{value}": str(n) for value, n in counter.items()})
    return figures


def expected_change(before: str, after: str) -> str:
    old, new = int(before.split()[0]), int(after.split()[0])
    if old == new:
        return "持平"
    if old == 0:
        return "新增"
    share = (Decimal(100 * abs(new - old)) / old).to_integral_value(ROUND_HALF_UP)
    return f"{'▲' if new > old else '▼'} {abs(new - old)}（{share}%）"


def comparison_rows(markdown: str) -> dict[str, tuple[str, str, str]]:
    section = markdown.split("## 与上期对比\n", 1)[1].split("\n## ", 1)[0].split("\n---", 1)[0]
    rows = [line.strip("| ").split(" | ") for line in section.splitlines()
            if line.startswith("| ") and not line.startswith(("| 指标", "| ---"))]
    return {label: (before, after, change) for label, before, after, change in rows}


def test_weekly_comparison_matches_a_count_of_the_sample(
    sample_sandbox: FlowUsSandbox, sample_json: dict[str, Any], tmp_path: Path
) -> None:
    config = weekly_config(sample_sandbox, tmp_path)
    result = run_report(config, job="weekly", period="2026-W48")
    rows = comparison_rows(result.report.markdown)
    before, after = counted(sample_json, W47), counted(sample_json, W48)
    assert int(before["条目数"]) > 0 and int(after["条目数"]) > 0
    assert set(rows) == {*before, *after, "总字数"}
    for label in (*after, *before):
        if "完成率" in label:
            continue
        shown = (before.get(label, "0"), after.get(label, "0"))
        assert rows[label] == (*shown, expected_change(*shown)), label
    done, old, new = rows["「完成」完成率"], before["「完成」完成率"], after["「完成」完成率"]
    assert done[:2] == (old, new)
    points = int(new.split("%")[0]) - int(old.split("%")[0])
    assert done[2] == ("持平" if points == 0 else f"{'▲' if points > 0 else '▼'} "
                                                f"{abs(points)} 个百分点")
    assert result.published is not None
    page = sample_sandbox.workspace.children_list(result.published.page_id) or []
    headings = [b for b in page if b["type"] == "heading_2"]
    assert any("与上期对比" in str(b["data"]) for b in headings)  # published as a section
    local = config.output.report_path.read_text(encoding="utf-8")
    assert "## 与上期对比" in local and "上期无数据" not in local


def test_the_first_period_says_so_and_shows_no_change(
    sample_sandbox: FlowUsSandbox, sample_json: dict[str, Any], tmp_path: Path
) -> None:
    first = (date(2026, 9, 28), date(2026, 10, 4))  # 2026-W40: the sample's first week
    assert diary_pages(sample_json, *first)
    assert not diary_pages(sample_json, first[0] - timedelta(days=7), first[0] - timedelta(days=1))
    result = run_report(weekly_config(sample_sandbox, tmp_path), job="weekly", period="2026-W40")
    section = result.report.markdown.split("## 与上期对比\n", 1)[1].split("\n## ", 1)[0]
    assert section.strip().startswith("上期无数据（首个周期）")
    for figure in ("▲", "▼", "持平", "新增", "| 条目数"):
        assert figure not in section


def answer_with_plan(request: dict[str, Any]) -> str:
    """A model whose review names the days it was shown and makes a plan for the next period."""
    days = sorted({day for day, *_ in ENTRY_HEADING.findall(request["messages"][-1]["content"])})
    return (f"## 概览\n\n本期从 {days[0]} 记到 {days[-1]}。\n\n## 下阶段建议\n\n"
            f"1. 计划（{days[0]}）：把履约服务拆分的方案写完。")


@pytest.fixture
def llm() -> Iterator[OpenAISandbox]:
    with OpenAISandbox(responder=answer_with_plan) as server:
        yield server


def test_the_second_weeks_request_holds_the_first_weeks_report(
    sample_sandbox: FlowUsSandbox, llm: OpenAISandbox, tmp_path: Path
) -> None:
    config = weekly_config(sample_sandbox, tmp_path, token=llm.api_key, base_url=llm.base_url,
                           model=MODEL)
    first = run_report(config, job="weekly", period="2026-W47")
    second = run_report(config, job="weekly", period="2026-W48")
    one, two = (r.body["messages"][-1]["content"] for r in llm.chat_requests())
    assert "## 上期报告（供对比）" not in one  # no report of 2026-W46 was made
    assert "## 上期报告（供对比）" in two and "计划、待办和建议后来怎样了" in two
    plan = first.report.markdown.split("## 下阶段建议\n\n", 1)[1].split("\n", 1)[0]
    assert plan.startswith("1. 计划（2026-11-16）") and plan in two
    assert "| 条目数 |" not in two.split("## 上期报告（供对比）")[1]  # its figures stay out
    assert "与上期（2026-11-16 至 2026-11-22）对比" in two  # the computed comparison is there
    assert "## 与上期对比" in second.report.markdown

    # Without the state database's copy, the report is read back from its FlowUs page.
    with Store(config.state.path) as store:
        store.execute("DELETE FROM reports WHERE period = ?", ("2026-W47",))
    again = run_report(config, job="weekly", period="2026-W48")
    three = llm.chat_requests()[-1].body["messages"][-1]["content"]
    assert plan in three and "## 上期报告（供对比）" in three
    assert first.run_id not in three and "原始输入" not in three  # not the page's extras
    assert again.published is not None


def test_a_retry_after_the_model_failed_reuses_the_previous_period_it_collected(
    sample_sandbox: FlowUsSandbox, llm: OpenAISandbox, tmp_path: Path
) -> None:
    from diaryflow.errors import LLMError
    from diaryflow.sandbox.openai.server import LLMFault

    config = weekly_config(sample_sandbox, tmp_path, token=llm.api_key, base_url=llm.base_url,
                           model=MODEL)
    llm.inject(LLMFault("status", status=401, code=20003, message="Invalid token", times=1))
    with pytest.raises(LLMError):
        run_report(config, job="weekly", period="2026-W48")
    failed = llm.chat_requests()[-1].body["messages"][-1]["content"]
    sample_sandbox.clear_requests()
    result = run_report(config, job="weekly", period="2026-W48")
    assert result.resumed_from == "generate"
    assert not [r for r in sample_sandbox.requests if r.path.endswith("/query")]  # no collect
    assert llm.chat_requests()[-1].body["messages"][-1]["content"] == failed  # same input
    assert "与上期（2026-11-16 至 2026-11-22）对比" in failed


def test_private_entries_are_left_out_of_the_previous_period_too(
    sample_sandbox: FlowUsSandbox, sample_json: dict[str, Any], tmp_path: Path
) -> None:
    def picks(page: dict[str, Any]) -> set[str]:
        found = set()
        for value in page["properties"].values():
            if value["type"] == "select" and value.get("select"):
                found.add(value["select"]["name"])
            elif value["type"] == "multi_select":
                found.update(o["name"] for o in value.get("multi_select") or [])
        return found

    earlier = diary_pages(sample_json, *W47)
    # A value some but not all of the previous week's entries hold marks them private.
    private = next(v for v in sorted(set().union(*map(picks, earlier)))
                   if 0 < sum(v in picks(p) for p in earlier) < len(earlier))
    kept = {**sample_json, "pages": [p for p in sample_json["pages"] if private not in picks(p)]}
    config = weekly_config(sample_sandbox, tmp_path)
    config = config.model_copy(update={"privacy": config.privacy.model_copy(
        update={"exclude_values": [private]})})
    rows = comparison_rows(run_report(config, job="weekly", period="2026-W48").report.markdown)
    before, after = counted(kept, W47), counted(kept, W48)
    assert int(before["条目数"]) < len(earlier)
    assert rows["条目数"][:2] == (before["条目数"], after["条目数"])
    assert rows["有记录的天数"][:2] == (before["有记录的天数"], after["有记录的天数"])
