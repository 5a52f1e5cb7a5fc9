"""`run` end to end with more diary than one prompt holds: map-reduce over every entry and line."""

from __future__ import annotations

from pathlib import Path

from diaryflow.collect.stage import CollectOptions, collect
from diaryflow.config.load import Config
from diaryflow.export import flowus_client
from diaryflow.pipeline import run_report
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.state.store import Store
from tests.helpers import END, ENTRY_HEADING, MODEL, echo_titles, make_config


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
    entries = [(day, title) for day, title, _ in ENTRY_HEADING.findall(render_for(config))]
    seen: dict[tuple[str, str], int] = {}
    refs: list[str] = []
    for chat in chats[:-1]:
        for day, title, ref in ENTRY_HEADING.findall(chat.body["messages"][-1]["content"]):
            seen[day, title] = seen.get((day, title), 0) + 1
            refs.append(ref)
    assert set(seen) == set(entries) and set(seen.values()) == {1}
    # numbered across the whole period in date order, not per chunk
    assert refs == [f"〔E{n}〕" for n in range(1, len(entries) + 1)]
    final = chats[-1].body["messages"][-1]["content"]  # the summaries kept the references
    assert all(f"{day} {title} 〔E{n}〕" in final for n, (day, title) in enumerate(entries, 1))


def render_for(config: Config) -> str:
    """The window's input as the collect stage renders it, read through a fresh collect."""
    from diaryflow.collect.data_log import render_snapshot
    from diaryflow.collect.stage import CollectOptions, collect
    from diaryflow.export import flowus_client

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
