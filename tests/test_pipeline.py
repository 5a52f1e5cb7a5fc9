"""`run` end to end against the sandbox: collect → generate → publish, checkpoints, dry runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from diaryflow.collect.stage import CollectOptions, collect
from diaryflow.config.load import Config, config_from_mapping
from diaryflow.errors import FlowUsServerError
from diaryflow.logs import setup_logging
from diaryflow.pipeline import flowus_client, run_report
from diaryflow.publish.stage import WRITE_ATTEMPTS
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.flowus.faults import Fault
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.state.store import Store
from tests.helpers import END

TITLE = f"AI生成内容 - {END.isoformat()}"
MODEL = "deepseek-ai/DeepSeek-V3"


def make_config(sandbox: FlowUsSandbox, folder: Path, **sections: dict[str, Any]) -> Config:
    data: dict[str, dict[str, Any]] = {
        "flowus": {
            "token": sandbox.token, "base_url": sandbox.base_url,
            "url": f"https://flowus.cn/x/{ROOT_PAGE_ID}", "parent_page_id": ROOT_PAGE_ID,
            "date_property": "日期", "reads_per_minute": 60_000, "writes_per_minute": 60_000,
        },
        "siliconflow": {"model": "offline"},
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return config_from_mapping(data, base_dir=folder)


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


ENTRY_HEADING = re.compile(r"^## (\d{4}-\d{2}-\d{2}) · (.+)$", re.M)


def echo_titles(request: dict[str, Any]) -> str:
    """A model that lists the diary headings it was shown (or the summaries it combines)."""
    user = request["messages"][-1]["content"]
    titles = [f"- {day} {title}" for day, title in ENTRY_HEADING.findall(user)]
    return "## 摘要\n\n" + ("\n".join(titles) if titles else user[-2000:])


def test_map_reduce_over_real_http_covers_every_entry(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    from diaryflow.sandbox import OpenAISandbox

    with OpenAISandbox(responder=echo_titles) as llm:
        config = make_config(sample_sandbox, tmp_path, database={"recent_days": 30}, siliconflow={
            "token": llm.api_key, "base_url": llm.base_url, "context_tokens": 6000, "model": MODEL,
        }, api_settings={"max_tokens": 1024})
        result = run_report(config, END, dry_run=True)
        chats = llm.chat_requests()
    assert result.report.map_reduce and len(chats) >= 3
    entries = ENTRY_HEADING.findall(render_for(config))
    seen: dict[tuple[str, str], int] = {}
    for chat in chats[:-1]:
        for found in ENTRY_HEADING.findall(chat.body["messages"][-1]["content"]):
            seen[found] = seen.get(found, 0) + 1
    assert set(seen) == set(entries) and set(seen.values()) == {1}
    final = chats[-1].body["messages"][-1]["content"]
    assert all(f"{day} {title}" in final for day, title in entries)


def render_for(config: Config) -> str:
    """The window's input as the collect stage renders it, read through a fresh collect."""
    from diaryflow.collect.data_log import render_snapshot
    from diaryflow.collect.stage import CollectOptions, collect
    from diaryflow.pipeline import flowus_client

    with flowus_client(config) as client, Store(config.state.path) as store:
        return render_snapshot(collect(client, store, CollectOptions.from_config(config), END))


def test_a_prompt_longer_than_the_context_is_shrunk_and_retried(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    from diaryflow.sandbox import OpenAISandbox

    with OpenAISandbox(responder=echo_titles, max_seq_len=5000) as llm:
        config = make_config(sample_sandbox, tmp_path, database={"recent_days": 30}, siliconflow={
            "token": llm.api_key, "base_url": llm.base_url, "context_tokens": 65536, "model": MODEL,
        }, api_settings={"max_tokens": 1024})
        result = run_report(config, END)
        statuses = [r.status for r in llm.chat_requests()]
    assert statuses[0] == 400 and statuses[-1] == 200  # refused as too long, then fitted
    assert result.report.map_reduce and result.published is not None


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


def test_a_small_context_model_is_sent_every_line_of_long_entries(
    sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    # Four entries each longer than a 16k-token model's whole context: nothing may be cut.
    from diaryflow.sandbox import OpenAISandbox
    from diaryflow.sandbox.sample.markup import text_items

    ws = sample_sandbox.workspace
    config = make_config(sample_sandbox, tmp_path)
    with flowus_client(config) as client, Store(config.state.path) as store:
        window = collect(client, store, CollectOptions.from_config(config), END)
    long_ones = [e.page.id for e in window.entries][:4]
    for n, page_id in enumerate(long_ones):
        paragraphs = [f"第{n}篇第{k}段：" + "今天的事情很多，一件一件记下来。" * 20
                      for k in range(50)]
        lines = "\n".join(f"第{n}篇长块第{k}行，" + "流水账" * 30 for k in range(40))
        ws.add_blocks(page_id, [{"type": "paragraph", "data": {"rich_text": text_items(p)}}
                                for p in paragraphs] + [
            {"type": "paragraph", "data": {"rich_text": text_items(lines)}}])
    with OpenAISandbox(responder=echo_titles, max_seq_len=16384) as llm:
        config = make_config(sample_sandbox, tmp_path, siliconflow={
            "token": llm.api_key, "base_url": llm.base_url, "context_tokens": 16384,
            "model": MODEL}, api_settings={"max_tokens": 1024})
        result = run_report(config, END, dry_run=True)
        chats = llm.chat_requests()
    assert result.report.map_reduce and {c.status for c in chats} == {200}  # never too long
    sent = [c.body["messages"][-1]["content"] for c in chats]
    data_log = render_for(config)
    assert data_log.count("今天的事情很多") == 4 * 50 * 20
    for line in data_log.split("\n")[2:]:  # all but the header: every entry, every linked page
        if line.strip():
            assert any(line in text for text in sent), line[:60]
