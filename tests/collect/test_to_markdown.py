"""Examples for blocks → Markdown."""

from __future__ import annotations

import pytest

from diaryflow.collect.to_markdown import render_blocks
from diaryflow.diary import Block, parse_block
from tests.collect.helpers import PROJECT, blk, page_mention, rt

TITLES = {PROJECT: "项目A"}

BLOCK_CASES: list[tuple[str, Block, str]] = [
    ("paragraph", blk("paragraph", text="你好"), "你好"),
    ("empty paragraph", blk("paragraph", rich_text=[]), ""),
    ("heading_1", blk("heading_1", text="一"), "# 一"),
    ("heading_2", blk("heading_2", text="二"), "## 二"),
    ("heading_3", blk("heading_3", text="三\n行"), "### 三 行"),
    ("bulleted", blk("bulleted_list_item", text="点"), "- 点"),
    ("bulleted multi-line", blk("bulleted_list_item", text="a\nb"), "- a\n  b"),
    ("numbered", blk("numbered_list_item", text="数"), "1. 数"),
    ("to_do checked", blk("to_do", text="做完", checked=True), "- [x] 做完"),
    ("to_do open", blk("to_do", text="没做", checked=False), "- [ ] 没做"),
    ("to_do junk checked", blk("to_do", text="?", checked="yes"), "- [ ] ?"),
    ("quote", blk("quote", text="引\n用"), "> 引\n> 用"),
    ("toggle", blk("toggle", text="折叠"), "- ▸ 折叠"),
    ("callout", blk("callout", text="注意"), "> 💡 注意"),
    ("callout icon", blk("callout", text="记", icon={"type": "emoji", "emoji": "📝"}), "> 📝 记"),
    ("code", blk("code", text="print(1)", language="Python"), "```python\nprint(1)\n```"),
    ("code plain", blk("code", text="x", language="Plain Text"), "```text\nx\n```"),
    ("code mermaid", blk("code", text="graph TD", language="Mermaid"), "```mermaid\ngraph TD\n```"),
    ("code fence", blk("code", text="```", language=None), "````\n```\n````"),
    ("equation", blk("equation", expression="a^2+b^2"), "$$a^2+b^2$$"),
    ("equation multi-line", blk("equation", expression="a\\\\\nb"), "$$\na\\\\\nb\n$$"),
    ("divider", blk("divider"), "---"),
    ("image external", blk("image", type="external", external={"url": "https://i/x.png"}),
     "[image](https://i/x.png)"),
    ("image caption", blk("image", type="file", file={"url": "https://f/y.png", "expiry_time": "t"},
     caption=[rt("合照")]), "[合照](https://f/y.png)"),
    ("file", blk("file", type="file", file={"url": "https://f/a.pdf"}), "[file](https://f/a.pdf)"),
    ("bookmark", blk("bookmark", url="https://b.cn", caption=[rt("书签")]), "[书签](https://b.cn)"),
    ("embed", blk("embed", url="https://e.cn"), "[embed](https://e.cn)"),
    ("media without url", blk("image", caption=[rt("丢了")]), "[丢了]"),
    ("link_to_page", blk("link_to_page", page_id=PROJECT), "→ [[项目A]]"),
    ("link_to_page unknown", blk("link_to_page", page_id="0123456789"), "→ [[页面 01234567]]"),
    ("child_page", blk("child_page", title="子页"), "📄 子页"),
    ("child_database", blk("child_database", title="子库"), "🗃 子库"),
    ("table_row alone", blk("table_row", cells=[[rt("a")], [rt("b")]]),
     "| | |\n| --- | --- |\n| a | b |"),
    ("synced_block", blk("synced_block", blk("paragraph", text="同步"), synced_from=None), "同步"),
    ("template", blk("template", blk("paragraph", text="模板")), "模板"),
    ("column_list", blk("column_list", blk("column", blk("paragraph", text="左")),
     blk("column", blk("paragraph", text="右"))), "左\n\n右"),
    ("empty bullet, children", blk("bulleted_list_item", blk("to_do", text="c"), rich_text=[]),
     "-\n  - [ ] c"),
    ("empty bullet, empty children", blk("bulleted_list_item", blk("paragraph", rich_text=[])), ""),
    ("unknown with text", blk("mystery", text="还在"), "还在"),
    ("unknown without text", blk("mystery", foo=1), ""),
    ("junk block", parse_block([1, 2]), ""),
    ("heading children", blk("heading_1", blk("paragraph", text="下"), text="上"), "# 上\n\n下"),
    ("paragraph children", blk("paragraph", blk("paragraph", text="子"), text="父"), "父\n\n  子"),
    ("toggle children", blk("toggle", blk("paragraph", text="里"), blk("to_do", text="t"),
     text="外"), "- ▸ 外\n\n  里\n\n  - [ ] t"),
    ("quote children", blk("quote", blk("bulleted_list_item", text="i"), text="q"), "> q\n> - i"),
    ("callout children", blk("callout", blk("paragraph", text="p")), "> 💡\n>\n> p"),
    ("mention in block", blk("paragraph", rich_text=[rt("见 "), page_mention(PROJECT)]),
     "见 [[项目A]]"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("block", "expected"), [c[1:] for c in BLOCK_CASES], ids=[c[0] for c in BLOCK_CASES]
)
def test_each_block_type(block: Block, expected: str) -> None:
    assert render_blocks([block], TITLES) == expected


def test_type_keyed_shape_matches_data_shape() -> None:
    payload = {"rich_text": [rt("同")], "checked": True}
    data_shape = parse_block({"type": "to_do", "data": payload})
    keyed_shape = parse_block({"type": "to_do", "to_do": payload})
    assert render_blocks([data_shape], {}) == render_blocks([keyed_shape], {}) == "- [x] 同"


def test_user_mentions_use_names_and_junk_payloads_render_nothing() -> None:
    user = {"type": "mention", "mention": {"type": "user", "user": {"id": "u1"}}}
    assert render_blocks([blk("paragraph", rich_text=[user])], {}, {"u1": "小明"}) == "@小明"
    junk = Block("x", "paragraph", data=[1, 2])  # type: ignore[arg-type]
    assert render_blocks([junk, "no block", None], {}) == ""  # type: ignore[list-item]


def test_three_level_list_and_numbering_runs() -> None:
    deep = blk("bulleted_list_item", blk("bulleted_list_item", text="三"), text="二")
    blocks = [
        blk("numbered_list_item", deep, blk("numbered_list_item", text="子一"), text="一"),
        blk("numbered_list_item", text=""),  # empty: skipped, does not take a number
        blk("numbered_list_item", text="二"),
        blk("paragraph", text="断开"),
        blk("numbered_list_item", text="重新"),
        blk("bulleted_list_item", text="点"),
    ]
    expected = "1. 一\n   - 二\n     - 三\n   1. 子一\n2. 二\n\n断开\n\n1. 重新\n- 点"
    assert render_blocks(blocks, {}) == expected


def test_long_paragraph_split_over_items_is_one_paragraph() -> None:
    parts = ["长" * 2000, "文" * 2000, "本" * 123]
    text = render_blocks([blk("paragraph", rich_text=[rt(p) for p in parts])], {})
    assert text == "".join(parts)
    assert "\n" not in text


def test_table_with_header_escapes_pipes_and_pads_to_width() -> None:
    rows = [blk("table_row", cells=[[rt("名")], [rt("值|x")], [rt("备注")]]),
            blk("table_row", cells=[[rt("a", bold=True)], [rt("1\n2")]])]  # fmt: skip
    table = blk("table", *rows, table_width=3, has_column_header=True)
    expected = "| 名 | 值\\|x | 备注 |\n| --- | --- | --- |\n| **a** | 1<br>2 | |"
    assert render_blocks([table], {}) == expected


def test_table_without_header_gets_empty_header_of_table_width() -> None:
    table = blk("table", blk("table_row", cells=[[rt("x")]]), table_width=2)
    assert render_blocks([table], {}) == "| | |\n| --- | --- |\n| x | |"
    assert render_blocks([blk("table", table_width=10**12)], {}) == ""


def test_heading_offset_demotes_and_caps() -> None:
    blocks = [blk("heading_1", text="a"), blk("heading_3", text="c")]
    assert render_blocks(blocks, {}, heading_offset=2) == "### a\n\n##### c"
    assert render_blocks(blocks, {}, heading_offset=9) == "###### a\n\n###### c"


def test_very_deep_tree_is_cut_not_crashed() -> None:
    node = blk("bulleted_list_item", text="底")
    for _ in range(3000):
        node = blk("bulleted_list_item", node, text="层")
    lines = render_blocks([node], {}).split("\n")
    assert 50 <= len(lines) <= 100
    assert lines[0] == "- 层"
