"""`diaryflow init --templates DIR`, and each job's prompt as the model receives it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from diaryflow.config.load import config_from_mapping
from diaryflow.generate.templates import builtin_template
from diaryflow.pipeline import run_report
from diaryflow.sandbox import FlowUsSandbox, OpenAISandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from tests.helpers import MODEL, diaryflow

NAMES = ["daily.md", "monthly.md", "rolling.md", "weekly.md", "yearly.md"]


def test_init_templates_writes_five_and_overwrites_only_with_force(tmp_path: Path) -> None:
    done = diaryflow("init", "--templates", "prompts", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "prompts"
    assert sorted(p.name for p in folder.iterdir()) == NAMES
    assert (folder / "weekly.md").read_text(encoding="utf-8") == builtin_template("week")
    assert (folder / "rolling.md").read_text(encoding="utf-8") == builtin_template("rolling")
    assert f'prompt_file = "{folder / "weekly.md"}"' in done.stdout
    assert not (tmp_path / "config.toml").exists()  # templates only
    (folder / "weekly.md").write_text("我改过的周报模板 {input}", encoding="utf-8")
    again = diaryflow("init", "--templates", "prompts", cwd=tmp_path)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert again.stderr.count("\n") == 1 and "--force" in again.stderr
    assert "weekly.md" in again.stderr
    assert (folder / "weekly.md").read_text(encoding="utf-8") == "我改过的周报模板 {input}"
    forced = diaryflow("init", "--templates", "prompts", "--force", cwd=tmp_path)
    assert forced.returncode == 0
    assert (folder / "weekly.md").read_text(encoding="utf-8") == builtin_template("week")


def user_prompts(llm: OpenAISandbox) -> list[str]:
    return [request.body["messages"][-1]["content"] for request in llm.chat_requests()]


def test_each_job_gets_the_template_of_its_period_kind(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    assert diaryflow("init", "--templates", "prompts", cwd=tmp_path).returncode == 0
    monthly = tmp_path / "prompts" / "monthly.md"
    monthly.write_text("自定义月报 {period}\n\n{input}", encoding="utf-8")
    (tmp_path / "mine.md").write_text("原来的模板 {period}\n\n{input}", encoding="utf-8")
    with OpenAISandbox(responder=lambda request: "## 概览\n\n好。") as llm:
        data: dict[str, Any] = {
            "flowus": {"token": sample_sandbox.token, "base_url": sample_sandbox.base_url,
                       "url": f"https://flowus.cn/x/{ROOT_PAGE_ID}",
                       "parent_page_id": ROOT_PAGE_ID, "date_property": "日期",
                       "reads_per_minute": 60_000, "writes_per_minute": 60_000},
            "siliconflow": {"token": llm.api_key, "base_url": llm.base_url, "model": MODEL},
            "report": {"prompt_file": "mine.md"},
            "jobs": [{"name": "weekly", "period": "week"},
                     {"name": "monthly", "period": "month", "prompt_file": "prompts/monthly.md"},
                     {"name": "recent", "period": "rolling"}],
        }
        config = config_from_mapping(data, base_dir=tmp_path)
        run_report(config, job="weekly", period="2026-W47")
        (weekly,) = user_prompts(llm)
        run_report(config, job="monthly", period="2026-11")
        monthly_prompt = user_prompts(llm)[-1]
        run_report(config, job="recent", period="2026-11-27")
        rolling = user_prompts(llm)[-1]
    first_line = builtin_template("week").splitlines()[0]
    assert first_line.replace("{period}", "2026-11-16 至 2026-11-22") in weekly
    assert "## 本周亮点" in weekly and "## 下周延续" in weekly
    assert monthly_prompt.startswith("自定义月报 2026-11-01 至 2026-11-30")
    assert rolling.startswith("原来的模板 ")  # [report] prompt_file: the rolling job's
