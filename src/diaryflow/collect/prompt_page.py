"""The report prompt a user keeps on the ``flowus.url`` page: its first code block."""

from __future__ import annotations

from collections.abc import Sequence

from diaryflow.collect.rich_text import as_map, plain_text
from diaryflow.config.load import Config
from diaryflow.diary import Block, walk_blocks
from diaryflow.flowus.client import FlowUsClient
from diaryflow.flowus.trees import fetch_trees


def page_prompt(config: Config, client: FlowUsClient) -> str | None:
    """The first code block of the ``flowus.url`` page, when ``prompt_from_page`` asks for it."""
    page_id = config.flowus.page_id
    if not config.flowus.prompt_from_page or not page_id:
        return None
    tree = fetch_trees(client, [page_id], workers=4)[page_id]
    return first_code_block(tree) if isinstance(tree, tuple) else None


def first_code_block(blocks: Sequence[Block]) -> str | None:
    """Plain text of the first non-empty code block in a page's tree, ``None`` if there is none."""
    for block in walk_blocks(blocks):
        if block.type == "code":
            text = plain_text(as_map(block.data).get("rich_text")).strip()
            if text:
                return text
    return None
