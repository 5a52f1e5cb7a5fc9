"""Examples for page properties → one ``name: value · …`` line."""

from __future__ import annotations

from typing import Any

import pytest

from diaryflow.collect.properties import page_title, render_properties

PROJECT = "3f2a9c1e-0b7d-4c55-9a10-1234567890ab"
USER = "9b8a7c6d-1111-2222-3333-444455556666"
TITLES = {PROJECT: "项目A"}
USERS = {USER: "小明"}


def rt(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": text}, "plain_text": text}]


def prop(kind: str, value: object, **extra: object) -> dict[str, Any]:
    return {"id": "p", "type": kind, kind: value, **extra}


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("rich_text", prop("rich_text", rt("今天不错")), "今天不错"),
    ("rich_text newlines", prop("rich_text", rt("a\nb")), "a b"),
    ("number int", prop("number", 42), "42"),
    ("number float", prop("number", 3.5), "3.5"),
    ("number whole float", prop("number", 7.0), "7"),
    ("number zero", prop("number", 0), "0"),
    ("number null", prop("number", None), ""),
    ("checkbox on", prop("checkbox", True), "✓"),
    ("checkbox off", prop("checkbox", False), "✗"),
    ("select", prop("select", {"id": "1", "name": "工作", "color": "red"}), "工作"),
    ("select null", prop("select", None), ""),
    ("status", prop("status", {"name": "进行中"}), "进行中"),
    ("multi_select", prop("multi_select", [{"name": "a"}, {"name": "b"}, {}]), "a, b"),
    ("date", prop("date", {"start": "2024-05-01"}), "2024-05-01"),
    ("date range", prop("date", {"start": "2024-05-01", "end": "2024-05-03"}),
     "2024-05-01 → 2024-05-03"),
    ("date slashes", prop("date", {"start": "2024/5/1"}), "2024-05-01"),
    ("people", prop("people", [{"object": "user", "id": USER}, {"id": "abcdef0123"}]),
     "小明, abcdef01"),
    ("people named", prop("people", [{"id": "x", "name": "阿强"}]), "阿强"),
    ("files", prop("files", [{"name": "a.pdf"}, {"external": {"url": "https://x/y/b.png?s=1"}}]),
     "a.pdf, b.png"),
    ("url", prop("url", "https://flowus.cn"), "https://flowus.cn"),
    ("email", prop("email", "a@b.cn"), "a@b.cn"),
    ("phone", prop("phone_number", "13800000000"), "13800000000"),
    ("relation", prop("relation", [{"id": PROJECT}, {"id": "0123456789"}]),
     "[[项目A]], [[页面 01234567]]"),
    ("relation has_more", prop("relation", [{"id": PROJECT}], has_more=True), "[[项目A]], …"),
    ("formula number", prop("formula", {"type": "number", "number": 2.25}), "2.25"),
    ("formula string", prop("formula", {"type": "string", "string": "好"}), "好"),
    ("formula boolean", prop("formula", {"type": "boolean", "boolean": False}), "✗"),
    ("formula date", prop("formula", {"type": "date", "date": {"start": "2024-01-01"}}),
     "2024-01-01"),
    ("formula untyped", prop("formula", {"number": 1}), "1"),
    ("rollup number", prop("rollup", {"type": "number", "number": 10}), "10"),
    ("rollup date", prop("rollup", {"type": "date", "date": {"start": "2024-02-02"}}),
     "2024-02-02"),
    ("rollup array", prop("rollup", {"type": "array", "array": [
        prop("select", {"name": "x"}), prop("number", 3), prop("title", rt("标题"))]}),
     "x, 3, 标题"),
    ("created_time", prop("created_time", "2024-01-01T08:00:00.000Z"), "2024-01-01T08:00:00.000Z"),
    ("last_edited_time", prop("last_edited_time", "2024-01-02T08:00:00Z"), "2024-01-02T08:00:00Z"),
    ("created_by", prop("created_by", {"object": "user", "id": USER}), "小明"),
    ("last_edited_by", prop("last_edited_by", {"id": "ffffffff-0000"}), "ffffffff"),
    ("untyped select", {"select": {"name": "推断"}}, "推断"),
    ("unknown scalar", prop("unique_id", "ID-7"), "ID-7"),
    ("unknown object", prop("button", {"x": 1}), ""),
    ("not a dict", "junk", ""),  # type: ignore[list-item]
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_property_type(value: dict[str, Any], expected: str) -> None:
    line = render_properties({"名": value}, TITLES, USERS)
    assert line == (f"名: {expected}" if expected else "")


def test_line_keeps_order_skips_title_and_empties() -> None:
    properties = {
        "标题": prop("title", rt("周一")),
        "分类": prop("select", {"name": "工作"}),
        "心情": prop("select", {"name": "开心"}),
        "备注": prop("rich_text", []),
        "完成": prop("checkbox", True),
        "标签": prop("multi_select", [{"name": "a"}, {"name": "b"}]),
        "关联项目": prop("relation", [{"id": PROJECT}]),
    }
    expected = "分类: 工作 · 心情: 开心 · 完成: ✓ · 标签: a, b · 关联项目: [[项目A]]"
    assert render_properties(properties, TITLES, USERS) == expected


def test_skip_names() -> None:
    properties = {
        "日期": prop("date", {"start": "2024-01-01"}),
        "分类": prop("select", {"name": "x"}),
    }
    assert render_properties(properties, {}, skip={"日期"}) == "分类: x"
    assert render_properties(properties, {}, skip="日期") == "分类: x"


def test_page_title() -> None:
    assert page_title(
        {"分类": prop("select", {"name": "x"}), "Name": prop("title", rt("周 一"))}
    ) == ("周 一")
    assert page_title({"分类": prop("select", {"name": "x"})}) == ""
    assert page_title({"t": {"title": rt("无类型")}}) == "无类型"
    assert page_title(None) == ""  # type: ignore[arg-type]
