"""`run` end to end against the sandbox: collect → generate → publish, checkpoints, dry runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from diaryflow.config.load import Config
from diaryflow.errors import FlowUsServerError
from diaryflow.logs import setup_logging
from diaryflow.pipeline import run_report
from diaryflow.publish.stage import WRITE_ATTEMPTS
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.flowus.faults import Fault
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.state.store import Store
from tests.helpers import END, MODEL, echo_titles, make_config

TITLE = f"AI生成内容 - {END.isoformat()}"


def report_pages(sandbox: FlowUsSandbox) -> list[dict[str, Any]]:
    ws = sandbox.workspace
    return [
        b for b in ws.children_list(ROOT_PAGE_ID) or []
        if b["type"] == "child_page" and b["data"].get("title") == TITLE
        and not ws.pages[b["id"]].get("archived")
    ]


def runs(config: Config) -> list[tuple[Any, ...]]:
    with Store(config.state.path) as store:
        return store.query("SELECT status, attempt, error, page_id FROM runs ORDER BY rowid")


def test_an_offline_run_publishes_one_page_and_keeps_local_copies(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    config = make_config(sample_sandbox, tmp_path,
                         block_settings={"include_source": True, "include_metadata": True})
    result = run_report(config, END)
    assert result.published is not None and result.published.created
    pages = report_pages(sample_sandbox)
    assert [p["id"] for p in pages] == [result.published.page_id]
    blocks = sample_sandbox.workspace.children_list(result.published.page_id) or []
    assert blocks[0]["type"] == "callout" and "离线摘要" in str(blocks[0]["data"])
    assert blocks[-1]["type"] == "toggle"  # the source, in code blocks inside
    source = sample_sandbox.workspace.children_list(blocks[-1]["id"]) or []
    assert source and {b["type"] for b in source} == {"code"}
    assert any(b["type"] == "code" and b["data"]["language"] == "Mermaid" for b in blocks)
    local = config.output.report_path.read_text(encoding="utf-8")
    assert f"# {TITLE}" in local and result.run_id in local
    assert config.output.data_path.read_text(encoding="utf-8").startswith("# 日记")
    assert runs(config) == [("ok", 1, None, result.published.page_id)]
    with Store(config.state.path) as store:
        assert store.query("SELECT COUNT(*) FROM checkpoints") == [(0,)]


def test_two_runs_for_a_period_leave_one_page_and_one_local_section(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    config = make_config(sample_sandbox, tmp_path)
    first = run_report(config, END)
    second = run_report(config, END)
    assert first.published and second.published
    assert second.published.page_id == first.published.page_id and not second.published.created
    assert len(report_pages(sample_sandbox)) == 1
    local = config.output.report_path.read_text(encoding="utf-8")
    assert local.count(f"period={END.isoformat()}") == 1 and second.run_id in local
    assert [r[:2] for r in runs(config)] == [("ok", 1), ("ok", 2)]


def test_a_failed_publish_is_resumed_without_collecting_again(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    config = make_config(sample_sandbox, tmp_path)
    sample_sandbox.inject(Fault("status", method="PATCH", path=r"/children$", status=500,
                                after=1, times=WRITE_ATTEMPTS))
    with pytest.raises(FlowUsServerError):
        run_report(config, END)
    assert runs(config)[0][:2] == ("failed", 1) and "HTTP 500" in runs(config)[0][2]
    assert not config.output.report_path.exists()
    sample_sandbox.clear_requests()
    result = run_report(config, END)
    assert result.resumed_from == "publish"
    assert not [r for r in sample_sandbox.requests if r.path.endswith("/query")]
    assert len(report_pages(sample_sandbox)) == 1
    assert result.published is not None
    assert [r[:2] for r in runs(config)] == [("failed", 1), ("ok", 2)]


def test_a_dry_run_writes_nothing(sample_sandbox: FlowUsSandbox, tmp_path: Path) -> None:
    config = make_config(sample_sandbox, tmp_path)
    result = run_report(config, END, dry_run=True)
    assert result.published is None and result.blocks > 10
    assert not [r for r in sample_sandbox.requests if r.kind == "write"]
    assert not config.output.report_path.exists() and not config.output.data_path.exists()
    assert runs(config) == []
    assert "本报告未使用 AI 生成" in result.report.markdown


ANSWER = """## 概览

这一周以**订单系统**为主线，节奏稳定。

## 关键事件
1. 回调幂等全量上线前完成检查
   - 回滚脚本已演练
2. CI 缓存问题有人认领

```mermaid
pie title 模型自己画的图
  "不该出现" : 1
```

```mermaid
gantt
    title 订单系统上线
    section 回调幂等
    全量前检查 :done, c1, 2026-11-24, 2d
```

| 方面 | 评价 |
| --- | --- |
| 工作 | 稳 |
"""


@pytest.fixture
def llm_sandbox() -> Any:
    from diaryflow.sandbox import OpenAISandbox

    with OpenAISandbox(responder=lambda request: ANSWER, reasoning="先想一想……") as server:
        yield server


def llm_config(sandbox: FlowUsSandbox, llm: Any, folder: Path) -> Config:
    return make_config(sandbox, folder, siliconflow={
        "token": llm.api_key, "base_url": llm.base_url, "model": MODEL,
    })


def test_a_model_written_report_with_figures_from_code(
    sample_sandbox: FlowUsSandbox, llm_sandbox: Any, tmp_path: Path
) -> None:
    config = llm_config(sample_sandbox, llm_sandbox, tmp_path)
    setup_logging(config)
    result = run_report(config, END)
    markdown = result.report.markdown
    assert "这一周以**订单系统**为主线" in markdown and "## 数据统计" in markdown
    assert "模型自己画的图" not in markdown  # charts come from code only
    assert "先想一想" not in markdown  # reasoning is never published
    assert not result.report.offline and result.report.usage.completion_tokens > 0
    prompt = llm_sandbox.chat_requests()[0].body["messages"]
    assert any("回调幂等全量前的最后检查" in m["content"] for m in prompt)  # the diary went in
    assert result.published is not None
    texts = json_text(sample_sandbox.workspace.children_list(result.published.page_id) or [])
    assert "订单系统" in texts and "deepseek-ai/DeepSeek-V3" in texts
    diagrams = [b["data"] for b in sample_sandbox.workspace.children_list(
        result.published.page_id) or [] if b["type"] == "code"
        and b["data"].get("language") == "Mermaid"]
    drawn = ["".join(t["text"]["content"] for t in d["rich_text"]) for d in diagrams]
    assert [d for d in drawn if d.startswith("gantt")] == [
        "gantt\n    title 订单系统上线\n    section 回调幂等\n"
        "    全量前检查 :done, c1, 2026-11-24, 2d"]  # the model's timeline is published
    assert not any(d.startswith("pie") and "不该出现" in d for d in drawn)
    with Store(config.state.path) as store:
        calls = store.query("SELECT model, status, completion_tokens FROM llm_calls")
    assert calls and all(c[0] == "deepseek-ai/DeepSeek-V3" and c[1] == "ok" for c in calls)
    assert runs(config)[0][0] == "ok"
    logs = "".join(p.read_text(encoding="utf-8") for p in config.logging.dir.glob("*.log"))
    assert llm_sandbox.api_key not in logs and sample_sandbox.token not in logs
    assert "siliconflow_api_requests.log" in {p.name for p in config.logging.dir.glob("*.log")}


def json_text(blocks: list[dict[str, Any]]) -> str:
    import json

    return json.dumps(blocks, ensure_ascii=False)


def test_a_retry_after_a_failed_publish_does_not_call_the_model_again(
    sample_sandbox: FlowUsSandbox, llm_sandbox: Any, tmp_path: Path
) -> None:
    config = llm_config(sample_sandbox, llm_sandbox, tmp_path)
    sample_sandbox.inject(Fault("status", method="POST", path=r"/v1/pages$", status=503,
                                times=WRITE_ATTEMPTS))
    with pytest.raises(FlowUsServerError):
        run_report(config, END)
    asked = len(llm_sandbox.chat_requests())
    assert asked >= 1
    result = run_report(config, END)
    assert result.resumed_from == "publish" and result.published is not None
    assert len(llm_sandbox.chat_requests()) == asked
    assert len(report_pages(sample_sandbox)) == 1
    assert [r[0] for r in runs(config)] == ["failed", "ok"]


def test_the_prompt_can_come_from_the_diary_page(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    from diaryflow.sandbox import OpenAISandbox

    with OpenAISandbox(responder=echo_titles) as llm:
        config = make_config(sample_sandbox, tmp_path, flowus={"prompt_from_page": True},
                             siliconflow={"token": llm.api_key, "base_url": llm.base_url,
                                          "model": MODEL})
        run_report(config, END, dry_run=True)
        sent = json_text(llm.chat_requests()[0].body["messages"])
    assert "你是林晓的复盘助手" in sent
