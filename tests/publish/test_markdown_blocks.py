"""Markdown → FlowUs block specs: every construct, the API's limits, and fuzzing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diaryflow.publish.markdown_blocks import (
    BlockSpec,
    batches,
    code_language,
    count_blocks,
    markdown_to_blocks,
)
from diaryflow.publish.markdown_inline import MAX_TEXT, utf16_length
from diaryflow.sandbox.flowus.api_blocks import CAN_HAVE_CHILDREN, MAX_DEPTH
from diaryflow.sandbox.flowus.validation import validate_request
from tests.publish.helpers import items, shape, text

COLORED = {
    "paragraph", "heading_1", "heading_2", "heading_3", "bulleted_list_item",
    "numbered_list_item", "to_do", "quote", "toggle", "callout",
}  # fmt: skip


def walk(blocks: Sequence[BlockSpec], depth: int = 1) -> Iterator[tuple[BlockSpec, int]]:
    for block in blocks:
        yield block, depth
        yield from walk(block.children, depth + 1)


def cell_texts(row: BlockSpec) -> list[str]:
    return ["".join(i["text"]["content"] for i in cell) for cell in row.data["cells"]]


def assert_publishable(blocks: Sequence[BlockSpec]) -> None:
    """Valid append bodies, ≤ 2000 units per item, and the sandbox's nesting rules."""
    for parent, _ in [(BlockSpec("page", {}, tuple(blocks)), 0), *walk(blocks)]:
        for batch in batches(parent.children):
            validate_request(
                "AppendBlockChildrenRequest", {"children": [b.to_api() for b in batch]}
            )
        if parent.children:
            assert parent.type in (*CAN_HAVE_CHILDREN, "page")
        for child in parent.children:
            assert (parent.type == "table") == (child.type == "table_row")
            if child.type == "table_row":
                assert len(child.data["cells"]) == parent.data["table_width"]
    for block, depth in walk(blocks):
        assert depth <= MAX_DEPTH
        for key in ("rich_text", "caption"):
            assert all(
                utf16_length(i["text"]["content"]) <= MAX_TEXT for i in block.data.get(key, [])
            )


# ----- one construct at a time


def test_headings_map_to_three_levels() -> None:
    source = "# 一\n## 二\n### 三\n#### 四\n##### 五\n###### 六\n#\n"
    assert shape(markdown_to_blocks(source)) == [
        ("heading_1", "一", []), ("heading_2", "二", []), ("heading_3", "三", []),
        ("heading_3", "四", []), ("heading_3", "五", []), ("heading_3", "六", []),
    ]  # fmt: skip


def test_nested_lists_and_item_children() -> None:
    source = """- 甲
  - 甲一
    1. 第一
    2. 第二
- 乙

  乙的第二段

  ```py
  print(1)
  ```

  > 引用
"""
    assert shape(markdown_to_blocks(source)) == [
        ("bulleted_list_item", "甲", [
            ("bulleted_list_item", "甲一", [
                ("numbered_list_item", "第一", []), ("numbered_list_item", "第二", []),
            ]),
        ]),
        ("bulleted_list_item", "乙", [
            ("paragraph", "乙的第二段", []), ("code", "print(1)", []), ("quote", "引用", []),
        ]),
    ]  # fmt: skip


def test_task_list_items() -> None:
    blocks = markdown_to_blocks("- [ ] 待办\n- [x] 完成\n  - [X] 子项\n- 普通\n1. [ ] 编号待办\n")
    flat = [(b.type, text(b), b.data.get("checked")) for b, _ in walk(blocks)]
    assert flat == [
        ("to_do", "待办", False), ("to_do", "完成", True), ("to_do", "子项", True),
        ("bulleted_list_item", "普通", None), ("to_do", "编号待办", False),
    ]  # fmt: skip


def test_blockquote_first_paragraph_is_its_text() -> None:
    source = "> 第一段\n> 续行\n>\n> 第二段\n>\n> - 列表\n> > 嵌套\n"
    assert shape(markdown_to_blocks(source)) == [
        ("quote", "第一段\n续行", [
            ("paragraph", "第二段", []), ("bulleted_list_item", "列表", []),
            ("quote", "嵌套", []),
        ]),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("info", "language"),
    [
        ("mermaid", "Mermaid"), ("python", "Python"), ("py", "Python"), ("js", "JavaScript"),
        ("javascript", "JavaScript"), ("ts", "TypeScript"), ("sh", "Shell"), ("bash", "Shell"),
        ("shell", "Shell"), ("zsh", "Shell"), ("sql", "SQL"), ("json", "JSON"), ("yaml", "YAML"),
        ("yml", "YAML"), ("md", "Markdown"), ("markdown", "Markdown"), ("html", "HTML"),
        ("css", "CSS"), ("java", "Java"), ("go", "Go"), ("rust", "Rust"), ("c", "C"),
        ("cpp", "C++"), ("c++", "C++"), ("Python title='x.py'", "Python"), ("{.rust}", "Rust"),
        ("language-go", "Go"), ("text", "Plain Text"), ("plain-text", "Plain Text"),
        ("", "Plain Text"), ("   ", "Plain Text"), ("brainfuck", "Plain Text"),
        ("visual-basic", "Visual Basic"), ("objective-c", "Objective-C"), ("c#", "C#"),
    ],
)  # fmt: skip
def test_code_language(info: str, language: str) -> None:
    assert code_language(info) == language


def test_code_blocks() -> None:
    source = '```mermaid\npie title 时间\n    "工作" : 42\n```\n\n    缩进代码\n\n```\n```\n'
    fenced, indented, empty = markdown_to_blocks(source)
    assert fenced.data["language"] == "Mermaid"
    assert text(fenced) == 'pie title 时间\n    "工作" : 42'
    assert (indented.data["language"], text(indented)) == ("Plain Text", "缩进代码")
    assert (empty.type, empty.data["rich_text"]) == ("code", [])
    assert all(i["annotations"]["code"] is False for i in items(fenced))


def test_long_code_is_split_inside_one_block() -> None:
    body = "\n".join(f"print({i})  # 第{i}行" for i in range(600))
    [block] = markdown_to_blocks(f"```python\n{body}\n```")
    assert len(items(block)) >= 3 and text(block) == body
    assert_publishable([block])


def test_tables() -> None:
    source = "| 名称 | **数量** |\n|:--|--:|\n| 苹果 | 3 |\n| 梨 |\n| a \\| b | `x`<br>y |\n"
    [table] = markdown_to_blocks(source)
    assert table.data == {"table_width": 2, "has_column_header": True, "has_row_header": False}
    assert [cell_texts(row) for row in table.children] == [
        ["名称", "数量"],
        ["苹果", "3"],
        ["梨", ""],
        ["a | b", "x\ny"],
    ]
    assert table.children[0].data["cells"][1][0]["annotations"]["bold"] is True
    assert table.children[2].data["cells"][1] == []


def test_thirty_row_table() -> None:
    rows = "".join(f"| {i} | 第{i}天 | {'✅' if i % 2 else ''} |\n" for i in range(30))
    [table] = markdown_to_blocks("| 序号 | 日期 | 完成 |\n|---|---|---|\n" + rows)
    assert len(table.children) == 31 and table.data["table_width"] == 3
    assert cell_texts(table.children[30]) == ["29", "第29天", "✅"]
    assert_publishable([table])


def test_divider_and_raw_html() -> None:
    source = (
        '---\n\n<div align="center">\n  <b>居中</b> &amp; 粗体 1 < 2\n</div>\n\n<!-- 注释 -->\n'
    )
    assert shape(markdown_to_blocks(source)) == [
        ("divider", "", []),
        ("paragraph", "居中 & 粗体 1 < 2", []),
    ]
    assert markdown_to_blocks("***")[0].to_api() == {"type": "divider", "data": {}}


def test_colors_only_where_the_data_takes_them() -> None:
    source = "# 题\n\n段\n\n- 项\n1. 号\n- [ ] 办\n\n> 引\n\n```\nx\n```\n\n"
    source += "| a |\n|---|\n\n---\n\n![图](u)"
    blocks = markdown_to_blocks(source, text_color="blue", background_color="yellow")
    for block, _ in walk(blocks):
        if block.type in COLORED:
            assert (block.data["text_color"], block.data["background_color"]) == ("blue", "yellow")
        else:
            assert "text_color" not in block.data and "background_color" not in block.data
    assert {b.type for b, _ in walk(blocks)} >= {"code", "table", "table_row", "divider", "image"}
    assert_publishable(blocks)


@pytest.mark.parametrize("color", ["Blue", "red_background", ""])
def test_unknown_color_is_refused(color: str) -> None:
    with pytest.raises(ValueError, match="color"):
        markdown_to_blocks("x", text_color=color)
    with pytest.raises(ValueError, match="background_color"):
        markdown_to_blocks("x", background_color=color)


# ----- limits


def test_five_thousand_character_paragraph() -> None:
    long_text = "".join(f"今天是第{i}天，继续坚持写日记。" for i in range(400))[:5000]
    [block] = markdown_to_blocks(long_text)
    assert len(long_text) == 5000 and len(items(block)) >= 3
    assert text(block) == long_text
    assert_publishable([block])


def test_250_list_items_batch_as_100_100_50() -> None:
    blocks = markdown_to_blocks("".join(f"- 第 {i} 项\n" for i in range(250)))
    assert len(blocks) == count_blocks(blocks) == 250
    assert [len(batch) for batch in batches(blocks)] == [100, 100, 50]
    assert [b for batch in batches(blocks) for b in batch] == blocks
    assert [len(batch) for batch in batches(blocks, 40)] == [40] * 6 + [10]


def test_batches_and_count_edges() -> None:
    assert batches([]) == [] and count_blocks([]) == 0
    with pytest.raises(ValueError, match="size"):
        batches([], 0)
    nested = markdown_to_blocks("- a\n  - b\n    - c\n- d\n\n| x |\n|---|\n| y |\n")
    assert count_blocks(nested) == 7


def test_five_level_nested_list() -> None:
    source = "".join(f"{'  ' * i}- 第{i + 1}层\n" for i in range(5))
    blocks = markdown_to_blocks(source)
    chain = [(b.type, text(b), depth) for b, depth in walk(blocks)]
    assert chain == [("bulleted_list_item", f"第{i + 1}层", i + 1) for i in range(5)]


def test_deep_nesting_is_kept_within_the_api_depth() -> None:
    lists = markdown_to_blocks("".join(f"{'  ' * i}- L{i}\n" for i in range(30)))
    assert [text(b) for b, _ in walk(lists)] == [f"L{i}" for i in range(30)]
    quotes = markdown_to_blocks(
        ">" * 70 + " 最深处\n\n" + ">" * 70 + " | a |\n" + ">" * 70 + " |---|"
    )
    assert "最深处" in [text(b) for b, _ in walk(quotes) if b.type == "quote"]
    assert max(depth for _, depth in walk(quotes)) == MAX_DEPTH
    assert_publishable(quotes)


@pytest.mark.parametrize(
    "source",
    ["**" * 3000 + "深" + "**" * 3000, "> - " * 2000 + "深", "[![" * 500 + "深" + "](u)](v)" * 500],
)
def test_pathological_nesting_neither_overflows_nor_breaks_limits(source: str) -> None:
    blocks = markdown_to_blocks(source)
    assert_publishable(blocks)


def test_to_api_leaves_children_out_and_copies() -> None:
    [item] = markdown_to_blocks("- 父\n  - 子")
    api = item.to_api()
    assert set(api) == {"type", "data"} and "children" not in api["data"]
    api["data"]["rich_text"].clear()
    assert text(item) == "父" and len(item.children) == 1


def test_deterministic() -> None:
    source = "# 周报\n\n- [x] 完成 **任务**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert markdown_to_blocks(source) == markdown_to_blocks(source)


# ----- fuzzing

FRAGMENTS = [
    "# ", "###### ", "- ", "* ", "1. ", "> ", "```", "```mermaid\n", "`", "**", "*", "_",
    "~~", "[", "](", ")", "![", "](http://x.cn/a b)", "|", "| a | b |\n|---|---|\n", "---",
    "\n", "\n\n", "  ", "    ", "- [ ] ", "- [x] ", "<br>", "<div>", "</div>", "&amp;",
    "&#xD800;", "<!--", "-->", "\\", "👍🏽", "👨‍👩‍👧", "🇨🇳", "e\u0301", "한", "中文", "\r\n",
    "\t", "\ud83d", "字" * 1999, "😀" * 999, "a" * 1998, "<https://flowus.cn>", "![图",
    "](https://i.cn/p.png)",
]  # fmt: skip
markdownish = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_fuzz_any_text(source: str) -> None:
    assert_publishable(markdown_to_blocks(source))


@settings(max_examples=250, deadline=None)
@given(markdownish, st.sampled_from(["default", "red"]))
def test_fuzz_markdownish(source: str, color: str) -> None:
    blocks = markdown_to_blocks(source, text_color=color, background_color=color)
    assert_publishable(blocks)
    assert blocks == markdown_to_blocks(source, text_color=color, background_color=color)
