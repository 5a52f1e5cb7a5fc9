"""A month built from weekly reports, through the CLI over real HTTP: the model gets the weekly
reports instead of the covered days' entries, at fewer tokens, and history names the reports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from diaryflow.sandbox import FlowUsSandbox, OpenAISandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from tests.helpers import ENTRY_HEADING, MODEL
from tests.test_pipeline_compare import diary_pages, entry_day

WEEKS = {"2026-W45": (date(2026, 11, 2), date(2026, 11, 8)),
         "2026-W46": (date(2026, 11, 9), date(2026, 11, 15)),
         "2026-W47": (date(2026, 11, 16), date(2026, 11, 22)),
         "2026-W48": (date(2026, 11, 23), date(2026, 11, 29))}  # the ISO weeks inside 2026-11
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def diaryflow(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "diaryflow", *args], capture_output=True,
                          text=True, timeout=120)


def gist(request: dict[str, Any]) -> str:
    """A model whose review states which days and how many entries it was shown."""
    days = sorted(day for day, *_ in ENTRY_HEADING.findall(request["messages"][-1]["content"]))
    shown = f"{days[0]}～{days[-1]} 共 {len(days)} 条" if days else "无原文"
    return f"## 概览\n\n要点：{shown}。\n\n## 下阶段建议\n\n1. 继续。"


@pytest.fixture
def llm() -> Iterator[OpenAISandbox]:
    with OpenAISandbox(responder=gist) as server:
        yield server


def site(sandbox: FlowUsSandbox, llm: OpenAISandbox, folder: Path) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[flowus]\ntoken = "{sandbox.token}"\nbase_url = "{sandbox.base_url}"\n'
        f'url = "https://flowus.cn/x/{ROOT_PAGE_ID}"\nparent_page_id = "{ROOT_PAGE_ID}"\n'
        'date_property = "日期"\nreads_per_minute = 60000\nwrites_per_minute = 60000\n'
        f'[siliconflow]\ntoken = "{llm.api_key}"\nbase_url = "{llm.base_url}"\n'
        f'model = "{MODEL}"\n'
        '[[jobs]]\nname = "weekly"\nperiod = "week"\ntitle = "周报 {period}"\n'
        '[[jobs]]\nname = "monthly"\nperiod = "month"\nsource_job = "weekly"\n'
        'title = "月报 {period}"\n'
        '[[jobs]]\nname = "monthly_raw"\nperiod = "month"\ntitle = "原文月报 {period}"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    return config


def last_prompt(llm: OpenAISandbox) -> str:
    return str(llm.chat_requests()[-1].body["messages"][-1]["content"])


def test_a_month_built_from_weekly_reports(
    sample_sandbox: FlowUsSandbox, sample_json: dict[str, Any], llm: OpenAISandbox,
    tmp_path: Path,
) -> None:
    config = site(sample_sandbox, llm, tmp_path)
    weekly = diaryflow("backfill", "--job", "weekly", "--from", "2026-11-02", "--to",
                       "2026-11-29", "--config", str(config))
    assert weekly.returncode == 0 and "4 made" in weekly.stdout, weekly.stderr
    built = diaryflow("run", "--job", "monthly", "--period", "2026-11", "--config", str(config))
    assert built.returncode == 0, built.stderr
    from_reports = last_prompt(llm)
    raw = diaryflow("run", "--job", "monthly_raw", "--period", "2026-11", "--config",
                    str(config))
    assert raw.returncode == 0, raw.stderr
    from_entries = last_prompt(llm)

    for start, end in WEEKS.values():  # each weekly report's own text, counted from the sample
        days = sorted(entry_day(p).isoformat() for p in diary_pages(sample_json, start, end))
        assert f"要点：{days[0]}～{days[-1]} 共 {len(days)} 条。" in from_reports
    covered = diary_pages(sample_json, WEEKS["2026-W45"][0], WEEKS["2026-W48"][1])
    uncovered = [p for p in diary_pages(sample_json, *NOVEMBER)
                 if not WEEKS["2026-W45"][0] <= entry_day(p) <= WEEKS["2026-W48"][1]]
    assert covered and uncovered  # November 1st is in no week of the month
    shown = {day for day, *_ in ENTRY_HEADING.findall(from_reports)}
    assert shown == {entry_day(p).isoformat() for p in uncovered}
    titles = [p["properties"]["标题"]["title"][0]["plain_text"] for p in covered]
    assert not any(re.search(rf"^## \S+ · {re.escape(t)}(?: 〔E\d+〕)?$", from_reports,
                                re.M) for t in titles)
    assert "回调幂等全量前的最后检查" in from_entries  # a covered day's entry, raw only there
    assert "回调幂等全量前的最后检查" not in from_reports
    assert f"- 条目数: {len(covered) + len(uncovered)}" in from_reports  # figures from raw entries

    history = diaryflow("history", "--json", "--config", str(config))
    runs = {r["job"]: r for r in json.loads(history.stdout) if r["job"].startswith("monthly")}
    assert runs["monthly"]["sources"] == list(WEEKS) and runs["monthly_raw"]["sources"] == []
    assert 0 < runs["monthly"]["prompt_tokens"] < runs["monthly_raw"]["prompt_tokens"]
    table = diaryflow("history", "--job", "monthly", "--config", str(config)).stdout
    assert "from weekly: 2026-W45, 2026-W46, 2026-W47, 2026-W48" in table
