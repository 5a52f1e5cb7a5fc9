"""Inline Markdown → rich text, and the splitter: ≤ 2000 UTF-16 units, whole graphemes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diaryflow.publish.markdown_blocks import markdown_to_blocks
from diaryflow.publish.markdown_inline import MAX_TEXT, split_text, utf16_length
from tests.publish.helpers import items, shape, text

FAMILY = "👨\u200d👩\u200d👧"  # 8 UTF-16 units, one grapheme
THUMB = "👍🏽"  # emoji + skin-tone modifier, 4 units


@pytest.mark.parametrize(
    ("head", "tail"),
    [
        ("a" * 1999, "😀b"),  # an astral character (2 units) never straddles the limit
        ("a" * 1997, THUMB + "x"),  # the modifier stays with its emoji
        ("a" * 1995, FAMILY),  # ZWJ sequence kept whole
        ("a" * 1998, "🇨🇳"),  # a flag is two regional indicators
        ("a" * 1999, "e\u0301"),  # combining acute accent
        ("a" * 1999, "❤\ufe0f"),  # variation selector
        ("a" * 1999, "\r\n"),  # CRLF is one cluster
        ("a" * 1999, "\u1100\u1161\u11a8"),  # Hangul jamo L V T
        ("a" * 1999, "각\u11a8"),  # precomposed LV syllable + trailing jamo
        ("字" * 2000, "字" * 500),
        ("a" * 1996 + "🇨🇳", "🇯🇵"),  # cut between two flags, not inside one
    ],
)
def test_cut_falls_between_clusters(head: str, tail: str) -> None:
    assert split_text(head + tail) == [head, tail]


def test_boundary_cases_at_exactly_the_limit() -> None:
    assert split_text("字" * 2000) == ["字" * 2000]
    assert split_text("😀" * 1000) == ["😀" * 1000]
    assert split_text("😀" * 1001) == ["😀" * 1000, "😀"]
    assert split_text("") == []


def test_an_oversized_cluster_is_cut_anyway() -> None:
    zalgo = "e" + "\u0301" * 2500
    pieces = split_text(zalgo)
    assert "".join(pieces) == zalgo and [len(p) for p in pieces] == [2000, 501]


CLUSTERS = ["a", "字", "😀", THUMB, FAMILY, "🇨", "e\u0301", "\r\n"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(CLUSTERS)).map("".join), st.integers(2, 40))
def test_split_is_lossless_and_bounded(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert "".join(pieces) == text
    assert all(0 < utf16_length(p) <= limit for p in pieces)
    if limit >= utf16_length(FAMILY):  # every cluster fits, so none may be cut
        inside = ("\u200d", "👩", "👧", "🏽", "\u0301", "\n")
        assert not any(p.startswith(inside) for p in pieces)


def test_emoji_and_cjk_at_a_paragraph_boundary() -> None:
    source = "记" * 1997 + THUMB + "今天很开心" + FAMILY * 300
    [block] = markdown_to_blocks(source)
    contents = [item["text"]["content"] for item in block.data["rich_text"]]
    assert "".join(contents) == source
    assert contents[0] == "记" * 1997 and contents[1].startswith(THUMB)
    assert all(utf16_length(c) <= MAX_TEXT for c in contents)
    assert all(not c.startswith(("\u200d", "🏽")) for c in contents)


def test_table_cells_and_captions_are_split_too() -> None:
    long_cell = "格" * 4500
    [table, image] = markdown_to_blocks(
        f"| {long_cell} |\n|---|\n\n![{'图' * 2100}](https://i.cn/a.png)"
    )
    [cell] = table.children[0].data["cells"]
    assert [len(item["plain_text"]) for item in cell] == [2000, 2000, 500]
    assert [len(item["plain_text"]) for item in image.data["caption"]] == [2000, 100]


# ----- inline Markdown → rich text


def ann(**on: bool) -> dict[str, Any]:
    off = dict.fromkeys(("bold", "italic", "strikethrough", "underline", "code"), False)
    return {**off, "color": "default", **on}


def test_rich_text_item_shape() -> None:
    [block] = markdown_to_blocks("见 **[息流](https://flowus.cn)**")
    assert block.to_api() == {
        "type": "paragraph",
        "data": {
            "rich_text": [
                {
                    "type": "text",
                    "text": {"content": "见 ", "link": None},
                    "annotations": ann(),
                    "plain_text": "见 ",
                    "href": None,
                },
                {
                    "type": "text",
                    "text": {"content": "息流", "link": {"url": "https://flowus.cn"}},
                    "annotations": ann(bold=True),
                    "plain_text": "息流",
                    "href": "https://flowus.cn",
                },
            ],
            "text_color": "default",
            "background_color": "default",
        },
    }


def test_inline_annotations() -> None:
    [block] = markdown_to_blocks("***粗斜*** ~~删~~ `代码` *斜* [链](https://a.cn/x)")
    runs = [
        (i["text"]["content"], {k for k, v in i["annotations"].items() if v is True}, i["href"])
        for i in items(block)
    ]
    assert runs == [
        ("粗斜", {"bold", "italic"}, None), (" ", set(), None),
        ("删", {"strikethrough"}, None), (" ", set(), None), ("代码", {"code"}, None),
        (" ", set(), None), ("斜", {"italic"}, None), (" ", set(), None),
        ("链", set(), "https://a.cn/x"),
    ]  # fmt: skip


@pytest.mark.parametrize("source", ["一\n二", "一  \n二", "一\\\n二", "一<br>二", "一<br/>二"])
def test_line_breaks_become_newlines(source: str) -> None:
    assert shape(markdown_to_blocks(source)) == [("paragraph", "一\n二", [])]


def test_links_without_text_and_autolinks_show_their_url() -> None:
    [block] = markdown_to_blocks("[](https://a.cn) <https://b.cn>")
    assert [(i["plain_text"], i["href"]) for i in items(block)] == [
        ("https://a.cn", "https://a.cn"), (" ", None), ("https://b.cn", "https://b.cn"),
    ]  # fmt: skip


def test_inline_images_become_blocks_after_their_paragraph() -> None:
    source = "看图 ![示意 **图**](https://i.cn/a.png) 结束\n\n![单独](https://i.cn/b.png)"
    blocks = markdown_to_blocks(source)
    assert [b.type for b in blocks] == ["paragraph", "image", "image"]
    assert text(blocks[0]) == "看图 结束"
    assert set(blocks[1].data) == {"type", "external", "caption"}
    assert blocks[1].data["type"] == "external"
    assert blocks[1].data["external"] == {"url": "https://i.cn/a.png"}
    assert text(blocks[1], "caption") == "示意 图"
    assert text(blocks[2], "caption") == "单独"


def test_images_in_list_items_headings_and_cells() -> None:
    source = "- 项 ![甲](https://i.cn/1.png)\n\n# 题 ![乙](https://i.cn/2.png)\n\n"
    source += "| 图 |\n|---|\n| ![丙](https://i.cn/3.png) |\n"
    item, heading, image, table = markdown_to_blocks(source)
    assert [b.type for b in item.children] == ["image"]
    assert (heading.type, image.type) == ("heading_1", "image")
    [cell] = table.children[1].data["cells"]
    assert [(i["plain_text"], i["href"]) for i in cell] == [("丙", "https://i.cn/3.png")]


def test_surrogates_are_repaired() -> None:
    [block] = markdown_to_blocks("坏\ud83d字 好\ud83d\ude00字\x00")
    assert text(block) == "坏\ufffd字 好😀字\ufffd"
