"""The blocks of a report page: metadata callout, the report itself, the source in a toggle."""

from __future__ import annotations

from diaryflow.generate.report import Report
from diaryflow.publish.markdown_blocks import BlockSpec, markdown_to_blocks
from diaryflow.publish.markdown_inline import plain_items, split_text


def metadata_line(report: Report, run_id: str) -> str:
    """One line saying what produced the report: period, model, tokens, run."""
    source = "未使用 AI（离线摘要）" if report.offline else f"模型 {report.model}"
    tokens = (
        f"tokens {report.usage.prompt_tokens} 输入 / {report.usage.completion_tokens} 输出"
        if not report.offline else "tokens 0"
    )
    return (
        f"周期 {report.period_start} – {report.period_end} · {source} · {tokens} · "
        f"运行 {run_id}"
    )


def page_blocks(
    report: Report,
    run_id: str,
    *,
    include_metadata: bool,
    include_source: bool,
    source_markdown: str,
    text_color: str = "default",
    background_color: str = "default",
) -> list[BlockSpec]:
    """Every block of the report page, in order."""
    blocks: list[BlockSpec] = []
    if include_metadata:
        blocks.append(BlockSpec("callout", {
            "rich_text": plain_items(metadata_line(report, run_id)),
            "icon": {"type": "emoji", "emoji": "🤖"},
        }))
    blocks.extend(markdown_to_blocks(
        report.markdown, text_color=text_color, background_color=background_color
    ))
    if include_source and source_markdown.strip():
        # One code block per rich-text item's worth (2,000 UTF-16 units, as the API counts).
        chunks = split_text(source_markdown)
        children = tuple(
            BlockSpec("code", {"rich_text": plain_items(chunk), "language": "Markdown"})
            for chunk in chunks
        )
        heading = {"rich_text": plain_items("原始输入（data.log）")}
        blocks.append(BlockSpec("toggle", heading, children))
    return blocks
