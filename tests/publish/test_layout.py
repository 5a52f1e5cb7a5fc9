"""The report page's blocks: metadata first, the report, the source in a toggle within limits."""

from __future__ import annotations

from datetime import date

from diaryflow.generate.report import Report
from diaryflow.llm.types import Usage
from diaryflow.publish.layout import page_blocks
from diaryflow.publish.markdown_inline import utf16_length
from diaryflow.sandbox.flowus.validation import validate_request

REPORT = Report("AI生成内容 - 2026-11-27", date(2026, 11, 21), date(2026, 11, 27),
                "## 概览\n\n- 一\n- 二\n", "deepseek-ai/DeepSeek-V3", Usage(1200, 340, 1540), 1,
                False, False)


def test_metadata_report_and_source_in_order() -> None:
    blocks = page_blocks(REPORT, "run123", include_metadata=True, include_source=True,
                         source_markdown="# 日记\n\n内容\n")
    assert [b.type for b in blocks] == ["callout", "heading_2", "bulleted_list_item",
                                        "bulleted_list_item", "toggle"]
    meta = blocks[0].data["rich_text"][0]["text"]["content"]
    for part in ("2026-11-21 – 2026-11-27", "deepseek-ai/DeepSeek-V3", "1200", "340", "run123"):
        assert part in meta
    assert [c.type for c in blocks[-1].children] == ["code"]


def test_a_source_of_astral_characters_stays_within_the_text_limit() -> None:
    source = "😀" * 3000 + "日记" * 1500  # 6,000 UTF-16 units of emoji, then CJK
    blocks = page_blocks(REPORT, "r", include_metadata=False, include_source=True,
                         source_markdown=source)
    codes = blocks[-1].children
    texts = [item["text"]["content"] for code in codes for item in code.data["rich_text"]]
    assert "".join(texts) == source
    assert max(utf16_length(t) for t in texts) <= 2000
    for code in codes:
        validate_request("AppendBlockChildrenRequest", {"children": [code.to_api()]})


def test_no_metadata_no_source() -> None:
    blocks = page_blocks(REPORT, "r", include_metadata=False, include_source=False,
                         source_markdown="x")
    assert blocks[0].type == "heading_2" and blocks[-1].type != "toggle"
