"""Which pages are private, and what a snapshot keeps once they are left out."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from diaryflow.collect.data_log import render_snapshot
from diaryflow.diary import HIDDEN_TITLE, Block, Entry, MissingPage, PageDoc, Snapshot
from diaryflow.privacy.exclude import ExcludeRule, exclude_private, option_names

DAY = date(2026, 11, 27)


def select(name: str) -> dict[str, Any]:
    return {"type": "select", "select": {"id": "o1", "name": name, "color": "red"}}


def multi(*names: str) -> dict[str, Any]:
    return {"type": "multi_select", "multi_select": [{"id": n, "name": n} for n in names]}


def checkbox(checked: bool) -> dict[str, Any]:
    return {"type": "checkbox", "checkbox": checked}


def text(content: str) -> dict[str, Any]:
    return {"type": "rich_text", "rich_text": [{"type": "text", "plain_text": content,
                                                "text": {"content": content}}]}


RULE = ExcludeRule(values=("私密", "private"), checkbox="不公开")


@pytest.mark.parametrize(
    ("properties", "private"),
    [
        ({"分类": select("私密")}, True),
        ({"分类": select(" 私密 ")}, True),
        ({"标签": multi("工作", "Private")}, True),  # option names compare caseless
        ({"进度": {"type": "status", "status": {"name": "private"}}}, True),
        ({"不公开": checkbox(True)}, True),
        ({"不公开": checkbox(False)}, False),
        ({"分类": select("工作"), "标签": multi("生活")}, False),
        ({"私密": select("工作")}, False),  # a property named like a value is not the value
        ({"摘要": text("私密")}, False),  # only choices count, not text
        ({"其他": checkbox(True)}, False),  # another checkbox
        ({"不公开": select("是")}, False),  # the named property is not a checkbox
        ({"分类": {"type": "select", "select": None}}, False),
        ({}, False),
    ],
)
def test_what_marks_a_page_private(properties: dict[str, Any], private: bool) -> None:
    assert RULE.matches(properties) is private


def test_an_empty_rule_marks_nothing() -> None:
    assert not ExcludeRule().matches({"分类": select("私密"), "不公开": checkbox(True)})


def test_option_names_reads_every_choice_kind() -> None:
    assert option_names({"a": select("甲"), "b": multi("乙", "丙"), "c": checkbox(True),
                         "d": text("丁")}) == ["甲", "乙", "丙"]


def page(page_id: str, **properties: Any) -> PageDoc:
    return PageDoc(page_id, f"{page_id} 的标题", datetime(2026, 11, 27, tzinfo=timezone.utc),
                   "2026-11-27T00:00:00Z", {}, properties)


# Kept entry A and private entry P. Linked pages: X and W (A leads to both), Y (only P), Z
# (only through Y), Q (marked private itself, A leads to it), R (only through Q), V (P at
# one step, A at two: kept only when two steps are followed).
LINKS: dict[str, list[str]] = {
    "A": ["X", "W", "Q", "M2", "P"], "P": ["Y", "W", "V", "M1"], "X": ["V"], "Y": ["Z"],
    "Q": ["R"],
}


def references(doc: PageDoc) -> list[str]:
    return LINKS.get(doc.id, [])


def snapshot() -> Snapshot:
    entries = (Entry(page("A"), DAY), Entry(page("P", 分类=select("私密")), DAY))
    linked = (*(page(pid) for pid in "XWYZRV"), page("Q", 不公开=checkbox(True)))
    missing = tuple(MissingPage(pid, 404, "gone") for pid in ("M1", "M2", "M3"))
    return Snapshot("db", "日记", "Asia/Shanghai", DAY, DAY, entries, linked, missing)


@pytest.mark.parametrize(("depth", "linked"), [(0, set()), (1, {"X", "W"}),
                                               (2, {"X", "W", "V"})])
def test_private_pages_and_what_only_they_lead_to_are_left_out(
    depth: int, linked: set[str]
) -> None:
    kept = exclude_private(snapshot(), RULE, references, depth)
    assert [e.page.id for e in kept.entries] == ["A"]
    assert {p.id for p in kept.linked} == linked
    assert kept.excluded == 1  # entries only: Q is a linked page
    assert kept.hidden == ("P", "Q")
    # M1 was reached only through P; M3 (an unreadable listed page) was reached by nobody.
    assert [m.id for m in kept.missing] == ["M2", "M3"]


def test_nothing_private_leaves_the_snapshot_as_it_was() -> None:
    whole = snapshot()
    assert exclude_private(whole, ExcludeRule(values=("机密",)), references, 2) is whole


def test_a_kept_page_mentioning_a_private_one_shows_a_placeholder_not_its_title() -> None:
    mention = {"type": "mention", "plain_text": "P 的标题",
               "mention": {"type": "page", "page": {"id": "P"}}}
    block = Block("b1", "paragraph", {"rich_text": [mention]})
    a = PageDoc("A", "A 的标题", datetime(2026, 11, 27, tzinfo=timezone.utc),
                "2026-11-27T00:00:00Z", {"关联": {"type": "relation", "relation": [{"id": "P"}]}},
                {}, (block,))
    private = Entry(page("P", 分类=select("私密")), DAY)
    whole = Snapshot("db", "日记", "Asia/Shanghai", DAY, DAY, (Entry(a, DAY), private))
    kept = exclude_private(whole, RULE, references, 2)
    shown = render_snapshot(kept)
    assert "P 的标题" in render_snapshot(whole) and "P 的标题" not in shown
    assert HIDDEN_TITLE in shown and kept.titles()["P"] == HIDDEN_TITLE

