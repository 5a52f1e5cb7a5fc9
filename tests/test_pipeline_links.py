"""Links back to the diary, end to end over real HTTP: citations, the index, the local copy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from diaryflow.pipeline import run_report
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID
from tests.helpers import END, MODEL, make_config

CITED = "回调幂等全量前的最后检查"
INVENTED = "〔E77〕"
INDEX = "本期日记索引"


def diary_entries(sample: dict[str, Any]) -> list[dict[str, Any]]:
    """The sample diary's live entries, each with its day (日期, else its creation day in
    Shanghai), title and URL, read straight from the sample JSON."""
    found = []
    for page in sample["pages"]:
        if page["parent"].get("database_id") != DIARY_DATABASE_ID or page.get("archived"):
            continue
        start = ((page["properties"].get("日期") or {}).get("date") or {}).get("start") or ""
        if start:
            day = date.fromisoformat(start[:10].replace("/", "-"))
        else:
            created = datetime.fromisoformat(page["created_time"].replace("Z", "+00:00"))
            day = created.astimezone(ZoneInfo("Asia/Shanghai")).date()
        title = "".join(t["plain_text"] for t in page["properties"]["标题"]["title"])
        found.append({"day": day, "title": title, "url": page["url"],
                      "created": page["created_time"]})
    return found


def in_window(sample: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries of the seven days ending on END, by day and creation time."""
    entries = [e for e in diary_entries(sample) if END - timedelta(days=6) <= e["day"] <= END]
    return sorted(entries, key=lambda e: (e["day"], e["created"]))


def answer(request: dict[str, Any]) -> str:
    """The scripted model: cites the entry it was shown as CITED, and one it makes up."""
    user = request["messages"][-1]["content"]
    ref = re.search(rf"^## \S+ · {CITED} (〔E\d+〕)$", user, re.M)
    assert ref is not None, "the entry reached the model without its reference"
    return (f"## 概览\n\n全量上线前做完了最后检查{ref[1]}，还演练了回滚{INVENTED}。\n\n"
            f"## 关键事件\n\n- 11-26 最后检查 {ref[1]}\n- 编造的一天 {INVENTED}\n")


def blocks_under(sandbox: FlowUsSandbox, parent: str) -> Iterator[dict[str, Any]]:
    for block in sandbox.workspace.children_list(parent) or []:
        yield block
        yield from blocks_under(sandbox, block["id"])


def text_of(block: dict[str, Any]) -> str:
    return "".join(item["text"]["content"] for item in block["data"].get("rich_text") or [])


def links_of(block: dict[str, Any]) -> list[str]:
    return [item["text"]["link"]["url"] for item in block["data"].get("rich_text") or []
            if (item["text"].get("link") or {}).get("url")]


def index_links(blocks: list[dict[str, Any]]) -> list[str]:
    """The links of the list items after the index heading, up to the next heading or rule."""
    start = next(i for i, b in enumerate(blocks) if b["type"].startswith("heading")
                 and text_of(b) == INDEX)
    items = []
    for block in blocks[start + 1:]:
        if block["type"] != "bulleted_list_item":
            break
        items.append(links_of(block))
    assert all(len(links) == 1 for links in items)
    return [links[0] for links in items]


def test_a_cited_entry_is_linked_an_invented_one_is_gone_and_every_entry_is_indexed(
    sample_sandbox: FlowUsSandbox, sample_json: dict[str, Any], tmp_path: Path
) -> None:
    from diaryflow.sandbox import OpenAISandbox

    window = in_window(sample_json)
    cited_url = next(e["url"] for e in window if e["title"] == CITED)
    with OpenAISandbox(responder=answer) as llm:
        config = make_config(sample_sandbox, tmp_path, siliconflow={
            "token": llm.api_key, "base_url": llm.base_url, "model": MODEL,
        }, block_settings={"include_metadata": True})
        result = run_report(config, END)
        (request,) = llm.chat_requests()
    sent = request.body["messages"][-1]["content"]
    refs = re.findall(r"^## (\S+) · (.+) (〔E\d+〕)$", sent, re.M)
    assert [(d, t) for d, t, _ in refs] == [(e["day"].isoformat(), e["title"]) for e in window]
    assert [r for _, _, r in refs] == [f"〔E{n}〕" for n in range(1, len(window) + 1)]
    assert "〔E" in request.body["messages"][0]["content"]  # told how to cite

    assert result.published is not None
    blocks = list(blocks_under(sample_sandbox, result.published.page_id))
    texts = "\n".join(text_of(b) for b in blocks)
    assert "E77" not in texts and "〔" not in texts and "还演练了回滚。" in texts
    overview = next(b for b in blocks if "全量上线前做完了最后检查" in text_of(b))
    assert links_of(overview) == [cited_url]
    assert any(links_of(b) == [cited_url] and "最后检查" in text_of(b) for b in blocks
               if b["type"] == "bulleted_list_item")
    assert not any(text_of(b).strip() == "编造的一天" and links_of(b) for b in blocks)

    top = sample_sandbox.workspace.children_list(result.published.page_id) or []
    assert index_links(top) == [e["url"] for e in window]
    entry_urls = {e["url"] for e in diary_entries(sample_json)}
    assert {url for b in blocks for url in links_of(b)} <= entry_urls  # no link goes elsewhere

    local = config.output.report_path.read_text(encoding="utf-8")
    assert f"]({cited_url})）" in local and "E77" not in local
    assert all(f"[{e['title']}]({e['url']})" in local for e in window)


def test_the_offline_digest_links_every_entry_of_the_period(
    sample_sandbox: FlowUsSandbox, sample_json: dict[str, Any], tmp_path: Path
) -> None:
    config = make_config(sample_sandbox, tmp_path)
    result = run_report(config, END)
    assert result.report.offline and result.published is not None
    top = sample_sandbox.workspace.children_list(result.published.page_id) or []
    window = in_window(sample_json)
    assert index_links(top) == [e["url"] for e in window]
    index = top[[text_of(b) for b in top].index(INDEX):]
    assert [text_of(b) for b in index[1:]] == [
        f"{e['day'].isoformat()} 周{'一二三四五六日'[e['day'].weekday()]} · {e['title']}"
        for e in window]
    local = config.output.report_path.read_text(encoding="utf-8")
    assert all(f"[{e['title']}]({e['url']})" in local for e in window)
