"""Examples for rich text → inline Markdown."""

from __future__ import annotations

from typing import Any

import pytest

from diaryflow.collect.rich_text import date_text, md_link, plain_text, render_rich_text

PAGE = "3f2a9c1e-0b7d-4c55-9a10-1234567890ab"
USER = "9b8a7c6d-1111-2222-3333-444455556666"
TITLES = {PAGE: "项目A"}
USERS = {USER: "小明"}


def rt(text: str, link: str | None = None, **ann: object) -> dict[str, Any]:
    return {
        "type": "text",
        "text": {"content": text, "link": {"url": link} if link else None},
        "annotations": ann,
        "plain_text": text,
    }


def mention(kind: str, target: object, plain: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "mention", "mention": {"type": kind, kind: target}}
    if plain is not None:
        item["plain_text"] = plain
    return item


CASES: list[tuple[str, object, str]] = [
    ("plain", [rt("你好")], "你好"),
    ("bold", [rt("重要", bold=True)], "**重要**"),
    ("italic", [rt("斜", italic=True)], "*斜*"),
    ("strike", [rt("删", strikethrough=True)], "~~删~~"),
    ("code", [rt("x = 1", code=True)], "`x = 1`"),
    ("code with backtick", [rt("a`b", code=True)], "``a`b``"),
    ("bold italic", [rt("both", bold=True, italic=True)], "***both***"),
    ("underline and color ignored", [rt("u", underline=True, color="red")], "u"),
    ("spaces stay outside markers", [rt("a"), rt(" b ", bold=True), rt("c")], "a **b** c"),
    ("markers per line", [rt("one\ntwo", bold=True)], "**one**\n**two**"),
    ("whitespace-only bold", [rt("  ", bold=True)], "  "),
    ("link", [rt("官网", link="https://flowus.cn")], "[官网](https://flowus.cn)"),
    ("bold link", [rt("官网", "https://a.b", bold=True)], "[**官网**](https://a.b)"),
    ("href", [{**rt("h"), "href": "https://h.io"}], "[h](https://h.io)"),
    ("autolink", [rt("https://a.b", link="https://a.b")], "<https://a.b>"),
    ("url with space", [rt("x", link="https://a.b/c d")], "[x](https://a.b/c%20d)"),
    ("equation", [{"type": "equation", "equation": {"expression": "E=mc^2"}}], "$E=mc^2$"),
    ("page mention by title", [mention("page", {"id": PAGE}, "旧名")], "[[项目A]]"),
    ("page mention plain", [mention("page", {"id": "other"}, "别的页")], "[[别的页]]"),
    ("page mention id", [mention("page", {"id": "0123456789abcdef"})], "[[页面 01234567]]"),
    ("page mention nothing", [mention("page", {})], ""),
    ("bold page mention", [{**mention("page", {"id": PAGE}), "annotations": {"bold": True}}],
     "**[[项目A]]**"),
    ("user mention", [mention("user", {"id": USER}, "@旧名")], "@小明"),
    ("user mention plain", [mention("user", {"id": "u2"}, "@阿强")], "@阿强"),
    ("user mention id", [mention("user", {"id": "abcdef0123"})], "@abcdef01"),
    ("date mention", [mention("date", {"start": "2024-03-01"})], "2024-03-01"),
    ("date range", [mention("date", {"start": "2024/3/1", "end": "2024/03/05"})],
     "2024-03-01 → 2024-03-05"),
    ("date plain fallback", [mention("date", None, "明天")], "明天"),
    ("unknown mention", [mention("link_preview", {}, "预览")], "预览"),
    ("untyped item", [{"plain_text": "纯文本"}], "纯文本"),
    ("string items", ["a", "b"], "ab"),
    ("single item", rt("one"), "one"),
    ("junk", 42, ""),
    ("junk items", [None, 1, [], {"type": "text", "text": 5}], ""),
    ("crlf", [rt("a\r\nb")], "a\nb"),
]  # fmt: skip


@pytest.mark.parametrize(("items", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_render_rich_text(items: object, expected: str) -> None:
    assert render_rich_text(items, TITLES, USERS) == expected


def test_split_items_with_same_style_render_as_one_span() -> None:
    parts = ["甲" * 2000, "乙" * 2000, "丙" * 10]
    assert render_rich_text([rt(p, bold=True) for p in parts], {}) == f"**{''.join(parts)}**"


def test_adjacent_mentions_are_not_merged() -> None:
    items = [mention("page", {"id": PAGE}), mention("page", {"id": PAGE})]
    assert render_rich_text(items, TITLES) == "[[项目A]][[项目A]]"


def test_plain_text_ignores_annotations() -> None:
    items = [rt("a", bold=True), {"type": "equation", "equation": {"expression": "x"}}, "c"]
    assert plain_text(items) == "axc"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"start": "2024-01-02", "end": None}, "2024-01-02"),
        ({"start": "2024-01-02", "end": "2024-01-02"}, "2024-01-02"),
        ({"end": "2024-01-03"}, "2024-01-03"),
        ("2024/1/2", "2024-01-02"),
        ({"start": 5}, ""),
        (None, ""),
    ],
)
def test_date_text(value: object, expected: str) -> None:
    assert date_text(value) == expected


def test_md_link_escapes_parentheses() -> None:
    assert md_link("wiki", "https://w.org/A_(b)") == "[wiki](https://w.org/A_%28b%29)"
