"""The commands that reach the sandbox servers: export, check --online, run, history, status."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from tests.helpers import END, diaryflow, scheduler


@pytest.fixture
def served(sample_sandbox: FlowUsSandbox, tmp_path: Path) -> Iterator[Path]:
    """A config.toml pointing at the sample sandbox, in its own folder."""
    config = tmp_path / "site" / "config.toml"
    config.parent.mkdir()
    config.write_text(
        f'[flowus]\ntoken = "Bearer {sample_sandbox.token}"\n'
        f'url = "https://flowus.cn/me/{ROOT_PAGE_ID}?code=XYZ"\n'
        f'base_url = "{sample_sandbox.base_url}"\ndate_property = "日期"\n'
        "reads_per_minute = 60000\nwrites_per_minute = 60000\n"
        '[database]\nrecent_days = 7\n[mysql]\nhost = "localhost"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    yield config


def test_export_writes_data_log_next_to_the_config(served: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = diaryflow("export", "--config", str(served), "--date", END.isoformat(), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    data = served.parent / "outputs" / "data.log"
    text = data.read_text(encoding="utf-8")
    assert text.startswith("# 日记") and f"– {END.isoformat()}" in text
    assert sorted(p.name for p in data.parent.iterdir()) == ["data.log"]  # no temp files left
    assert (served.parent / "diaryflow.db").exists() and not list(elsewhere.iterdir())
    assert "Collected" in result.stdout and "entries" in result.stdout


def test_check_online_proves_the_token_and_database(served: Path) -> None:
    result = diaryflow("check", "--online", "--config", str(served))
    assert "token accepted" in result.stdout and "「日记」" in result.stdout
    assert result.returncode == 2  # FlowUs answers, but run still needs flowus.parent_page_id
    assert "set flowus.parent_page_id" in result.stderr.splitlines()[-1]
    served.write_text(served.read_text(encoding="utf-8").replace(
        "[flowus]\n", f'[flowus]\nparent_page_id = "{ROOT_PAGE_ID}"\n'), encoding="utf-8")
    result = diaryflow("check", "--online", "--config", str(served))
    assert result.returncode == 0, result.stderr
    assert "token accepted" in result.stdout and "Configuration OK" in result.stdout


def test_check_online_with_a_wrong_token_says_which_setting(served: Path) -> None:
    result = diaryflow(
        "check", "--online", "--config", str(served), env={"FLOWUS_TOKEN": "not-the-token"}
    )
    assert result.returncode == 1
    assert "flowus.token" in result.stderr and "not-the-token" not in result.stderr


def test_run_without_a_parent_page_names_the_setting(served: Path) -> None:
    result = scheduler("--run-once", "--config", str(served), cwd=served.parent)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(
        "diaryflow: error: flowus.parent_page_id: not set"
    )


@pytest.fixture
def llm() -> Iterator[Any]:
    from diaryflow.sandbox import OpenAISandbox

    with OpenAISandbox(responder=lambda request: "## 概览\n\n平稳的一周。\n") as server:
        yield server


def with_report_settings(config: Path, llm: Any) -> None:
    text = config.read_text(encoding="utf-8").replace(
        "[flowus]\n", f'[flowus]\nparent_page_id = "{ROOT_PAGE_ID}"\n'
    )
    text += (f'[siliconflow]\ntoken = "{llm.api_key}"\nbase_url = "{llm.base_url}"\n'
             'model = "deepseek-ai/DeepSeek-V3"\n')
    config.write_text(text, encoding="utf-8")


def test_run_once_publishes_and_says_where(served: Path, llm: Any) -> None:
    with_report_settings(served, llm)
    result = scheduler("--run-once", "--config", str(served), cwd=served.parent)
    assert result.returncode == 0, result.stderr
    assert "Created 「AI生成内容 - " in result.stdout and "tokens" in result.stdout
    local = (served.parent / "outputs" / "local.md").read_text(encoding="utf-8")
    assert "平稳的一周" in local
    again = diaryflow("run", "--config", str(served))
    assert again.returncode == 0 and "Replaced the content of" in again.stdout
    logs = "".join(p.read_text(encoding="utf-8") for p in (served.parent / "logs").glob("*"))
    assert llm.api_key not in logs and "sandbox-token" not in logs


def test_dry_run_prints_the_report_and_the_block_count(served: Path, llm: Any) -> None:
    with_report_settings(served, llm)
    result = diaryflow("run", "--dry-run", "--config", str(served), "--date", END.isoformat())
    assert result.returncode == 0, result.stderr
    assert "平稳的一周" in result.stdout and "## 数据统计" in result.stdout
    assert "Dry run:" in result.stdout and "blocks would be written" in result.stdout
    assert not (served.parent / "outputs" / "local.md").exists()


def test_check_online_proves_the_llm_key(served: Path, llm: Any) -> None:
    with_report_settings(served, llm)
    result = diaryflow("check", "--online", "--config", str(served))
    assert result.returncode == 0, result.stderr
    assert "accepted the key" in result.stdout
    bad = diaryflow("check", "--online", "--config", str(served),
                    env={"SILICONFLOW_API_KEY": "wrong-llm-key"})
    assert bad.returncode == 1 and "siliconflow.token" in bad.stderr
    assert "wrong-llm-key" not in bad.stderr


def test_history_and_status_after_a_run(served: Path, llm: Any) -> None:
    import json

    with_report_settings(served, llm)
    assert diaryflow("run", "--config", str(served)).returncode == 0
    history = diaryflow("history", "--json", "--config", str(served))
    rows = json.loads(history.stdout)
    assert [r["status"] for r in rows] == ["ok"] and rows[0]["prompt_tokens"] > 0
    table = diaryflow("history", "-n", "5", "--config", str(served))
    assert "ok" in table.stdout and rows[0]["run_id"] in table.stdout
    status = diaryflow("status", "--config", str(served))
    assert status.returncode == 0
    assert "Next report:" in status.stdout and "(Asia/Shanghai)" in status.stdout
    assert "Daemon: not running" in status.stdout and "No run in progress" in status.stdout
    assert f"page {rows[0]['page_id'][:8]}" in status.stdout


def started_run(config: Path) -> subprocess.Popen[str]:
    """A `diaryflow run` left running (the sandbox is slow), once its row says ``running``."""
    import json
    import time

    run = subprocess.Popen([sys.executable, "-m", "diaryflow", "run", "--config", str(config)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        history = diaryflow("history", "--json", "--config", str(config))
        if history.returncode == 0 and [r["status"] for r in json.loads(history.stdout)] == [
            "running"
        ]:
            return run
        time.sleep(0.2)
    run.kill()
    raise AssertionError("the run never recorded its start")


@pytest.mark.parametrize("finder", ["status", "history", "run"])
def test_a_run_killed_by_sigkill_is_marked_interrupted_by_the_next_command(
    served: Path, llm: Any, sample_sandbox: FlowUsSandbox, finder: str
) -> None:
    import json

    with_report_settings(served, llm)
    sample_sandbox.set_latency(0.5)
    run = started_run(served)
    status = diaryflow("status", "--config", str(served))  # a live run is left alone
    assert f"A run is in progress (pid {run.pid})" in status.stdout
    assert "· running" in status.stdout
    run.kill()  # kill -9: no chance to record anything
    run.wait(10)
    sample_sandbox.set_latency(0.0)
    if finder == "run":
        assert diaryflow("run", "--config", str(served)).returncode == 0
    else:
        diaryflow(finder, "--config", str(served))
    rows = json.loads(diaryflow("history", "--json", "--config", str(served)).stdout)
    killed = rows[-1]
    assert killed["status"] == "interrupted" and killed["finished_at"]
    assert f"found by diaryflow {finder}" in killed["error"]
    assert [r["status"] for r in rows] == (["ok", "interrupted"] if finder == "run"
                                           else ["interrupted"])
    status = diaryflow("status", "--config", str(served))
    assert "No run in progress" in status.stdout and "· running" not in status.stdout


def test_one_run_through_a_flaky_flowus_ends_with_one_complete_page(
    served: Path, sample_sandbox: FlowUsSandbox
) -> None:
    # 10% of requests fail (429 + Retry-After, 500, 503, lost answers, dropped connections)
    # and the first create makes the page, then answers 500: `run` alone must still succeed
    from diaryflow.sandbox.flowus.faults import Fault

    served.write_text(served.read_text(encoding="utf-8").replace(
        "[flowus]\n", f'[flowus]\nparent_page_id = "{ROOT_PAGE_ID}"\n')
        + "[block_settings]\ninclude_metadata = false\n", encoding="utf-8")
    mix = sample_sandbox.fail_randomly(0.1, seed=7)
    sample_sandbox.inject(Fault("late_status", method="POST", path=r"/v1/pages$", status=500))
    result = diaryflow("run", "--config", str(served), "--date", END.isoformat())
    assert result.returncode == 0, result.stderr
    sample_sandbox.clear_faults()
    assert mix.drawn >= 5
    title = f"AI生成内容 - {END.isoformat()}"

    def pages() -> list[str]:
        return [b["id"] for b in sample_sandbox.workspace.children_list(ROOT_PAGE_ID) or []
                if b["type"] == "child_page" and b["data"]["title"] == title]

    (page_id,) = pages()
    creates = [r for r in sample_sandbox.requests if r.path == "/v1/pages" and r.method == "POST"]
    assert len(creates) == 1  # the page made despite its 500 was adopted, not made twice

    def content() -> list[Any]:
        def walk(container: str) -> list[Any]:
            return [(b["type"], json_text(b["data"]), walk(b["id"]))
                    for b in sample_sandbox.workspace.children_list(container) or []]
        return walk(page_id)

    flaky = content()
    again = diaryflow("run", "--config", str(served), "--date", END.isoformat())
    assert again.returncode == 0 and "Replaced the content of" in again.stdout
    assert pages() == [page_id] and content() == flaky  # the same report, written cleanly


def json_text(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, sort_keys=True)
