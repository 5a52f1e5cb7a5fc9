"""Readers of block specs, reports and a page target that the publish tests share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from diaryflow.flowus.client import FlowUsClient
from diaryflow.publish.markdown_blocks import BlockSpec
from diaryflow.publish.stage import PageTarget
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID

TITLE = "AI生成内容 - 2026-11-27"
TARGET = PageTarget("default", "2026-11-27", ROOT_PAGE_ID, TITLE, "🤖")

REPORT_V1 = """# 本周回顾

## 概览
- 写了 **九篇** 日记
  - 其中三篇关于工作
- [x] 完成上线检查
- [ ] 和渠道确认重发策略

| 指标 | 数值 |
| --- | --- |
| 条目 | 9 |

```mermaid
pie title 分类
  "工作" : 4
  "生活" : 5
```
"""
REPORT_V2 = "# 第二版\n\n" + "\n\n".join(f"第 {i} 段：内容" for i in range(150))


def items(block: BlockSpec, key: str = "rich_text") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = block.data[key]
    return found


def text(block: BlockSpec, key: str = "rich_text") -> str:
    return "".join(item["text"]["content"] for item in items(block, key))


def shape(blocks: Sequence[BlockSpec]) -> list[Any]:
    return [(b.type, text(b) if "rich_text" in b.data else "", shape(b.children)) for b in blocks]


def report_pages(client: FlowUsClient, title: str = TITLE) -> list[str]:
    return [
        b["id"]
        for b in client.list_children(ROOT_PAGE_ID)
        if b["type"] == "child_page" and b["data"].get("title") == title
    ]


def tree(client: FlowUsClient, block_id: str) -> list[tuple[str, str, list[Any]]]:
    out = []
    for block in client.list_children(block_id):
        text = "".join(
            i.get("plain_text") or i["text"]["content"] for i in block["data"].get("rich_text", [])
        )
        kids = tree(client, block["id"]) if block.get("has_children") else []
        out.append((block["type"], text, kids))
    return out


def expected(specs: list[BlockSpec]) -> list[tuple[str, str, list[Any]]]:
    return [
        (
            s.type,
            "".join(i["text"]["content"] for i in s.data.get("rich_text", [])),
            expected(list(s.children)),
        )
        for s in specs
    ]
