"""A weekly and a monthly job end to end: their period's entries, title and one page each."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from diaryflow.config.load import Config, config_from_mapping
from diaryflow.errors import ConfigError
from diaryflow.pipeline import run_report
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID


def jobs_config(sandbox: FlowUsSandbox, folder: Path) -> Config:
    return config_from_mapping({
        "flowus": {
            "token": sandbox.token, "base_url": sandbox.base_url,
            "url": f"https://flowus.cn/x/{ROOT_PAGE_ID}", "parent_page_id": ROOT_PAGE_ID,
            "date_property": "日期", "reads_per_minute": 60_000, "writes_per_minute": 60_000,
        },
        "siliconflow": {"model": "offline"},
        "jobs": [
            {"name": "weekly", "period": "week", "title": "周报 {period}（{start} 至 {end}）"},
            {"name": "monthly", "period": "month"},
        ],
    }, base_dir=folder)


def diary_days(sample_json: dict[str, Any], start: date, end: date) -> list[str]:
    """The 日期 of every unarchived diary entry from start to end, read from the raw sample."""
    days = []
    for page in sample_json["pages"]:
        value = (page.get("properties", {}).get("日期") or {}).get("date") or {}
        day = str(value.get("start") or "")[:10]
        if page.get("parent", {}).get("type") == "database_id" and day and not page.get(
                "archived") and start.isoformat() <= day <= end.isoformat():
            days.append(day)
    return sorted(days)


def page_titles(sandbox: FlowUsSandbox) -> list[str]:
    ws = sandbox.workspace
    return [b["data"].get("title") for b in ws.children_list(ROOT_PAGE_ID) or []
            if b["type"] == "child_page" and not ws.pages[b["id"]].get("archived")]


def test_a_weekly_job_reports_its_iso_week_once(
    sample_sandbox: FlowUsSandbox, sample_json: dict[str, Any], tmp_path: Path
) -> None:
    config = jobs_config(sample_sandbox, tmp_path)
    first = run_report(config, job="weekly", period="2026-W47")
    title = "周报 2026-W47（2026-11-16 至 2026-11-22）"
    assert first.period == "2026-W47" and first.report.title == title
    report = first.report
    assert (report.period_start, report.period_end) == (date(2026, 11, 16), date(2026, 11, 22))
    expected = diary_days(sample_json, date(2026, 11, 16), date(2026, 11, 22))
    data = config.output.data_path.read_text(encoding="utf-8")
    assert expected and all(f"## {day}" in data for day in expected)
    assert "## 2026-11-23" not in data and "## 2026-11-15" not in data
    again = run_report(config, date(2026, 11, 19), job="weekly")  # a day inside the week
    assert first.published and again.published
    assert again.published.page_id == first.published.page_id and not again.published.created
    assert page_titles(sample_sandbox).count(title) == 1


def test_a_monthly_job_by_default_reports_the_last_complete_month(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    config = jobs_config(sample_sandbox, tmp_path)
    result = run_report(config, job="monthly",
                        clock=lambda: datetime(2026, 12, 1, 1, tzinfo=timezone.utc))
    assert result.period == "2026-11" and result.report.title == "AI生成内容 - 2026-11"
    report = result.report
    assert (report.period_start, report.period_end) == (date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize(("job", "period", "message"), [
    (None, None, "--job: several jobs are configured: choose one of weekly, monthly"),
    ("daily", None, '--job = "daily": no such job; the jobs are weekly, monthly'),
    ("weekly", "2026-11", '--period = "2026-11": \'2026-11\' is not a week period'),
])
def test_a_wrong_job_or_period_is_named_before_anything_is_read(
    sample_sandbox: FlowUsSandbox, tmp_path: Path, job: str | None, period: str | None,
    message: str,
) -> None:
    with pytest.raises(ConfigError) as caught:
        run_report(jobs_config(sample_sandbox, tmp_path), job=job, period=period)
    assert str(caught.value).startswith(message)
    assert sample_sandbox.requests == []


def test_a_published_report_is_kept_in_the_state_database(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    from diaryflow.state.reports import saved_report
    from diaryflow.state.store import Store

    config = jobs_config(sample_sandbox, tmp_path)
    result = run_report(config, job="weekly", period="2026-W47")
    with Store(config.state.path) as store:
        kept = saved_report(store, "weekly", "2026-W47")
    assert kept is not None and kept.run_id == result.run_id
    assert kept.markdown == result.report.markdown and kept.title == result.report.title
    assert (kept.start, kept.end) == (date(2026, 11, 16), date(2026, 11, 22))


def test_a_jobs_unreadable_prompt_file_is_named_as_that_jobs_setting(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    config = jobs_config(sample_sandbox, tmp_path)
    jobs = [config.jobs[0], config.jobs[1].model_copy(
        update={"prompt_file": tmp_path / "missing.md"})]
    config = config.model_copy(update={
        "jobs": jobs, "siliconflow": config.siliconflow.model_copy(
            update={"model": "m", "token": "k", "base_url": "http://127.0.0.1:9/v1"})})
    with pytest.raises(ConfigError) as raised:
        run_report(config, job="monthly", period="2026-10", dry_run=True)
    assert str(raised.value).startswith("jobs[2].prompt_file = ")


def test_a_run_records_its_flowus_requests_and_the_429s_among_them(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    from diaryflow.state.store import Store

    # The client is told 60,000 reads a minute; the server allows 20 a second: some 429s.
    sample_sandbox.set_limits(read_limit=20, rate_window=1.0)
    result = run_report(jobs_config(sample_sandbox, tmp_path), job="weekly", period="2026-W47")
    with Store(tmp_path / "diaryflow.db") as store:
        [(sent, limited)] = store.query(
            "SELECT flowus_requests, flowus_rate_limited FROM runs WHERE run_id = ?",
            (result.run_id,))
    assert sample_sandbox.rate_limited > 0
    assert (sent, limited) == (len(sample_sandbox.requests), sample_sandbox.rate_limited)
