"""The prompt template written on the diary page: its first non-blank code block."""

from __future__ import annotations

from diaryflow.collect.prompt_page import first_code_block
from tests.generate.helpers import blk


def test_first_code_block() -> None:
    blocks = (
        blk("paragraph", text="说明"),
        blk("code", text="  ", language="text"),
        blk("toggle", blk("code", text="请总结 {input}", language="markdown"), text="提示词"),
        blk("code", text="第二个"),
    )
    assert first_code_block(blocks) == "请总结 {input}"
    assert first_code_block((blk("paragraph", text="无"),)) is None
