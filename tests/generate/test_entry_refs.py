"""Entry references: numbered in the order the model reads the entries, each with its page URL."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from diaryflow.collect.data_log import render_snapshot
from diaryflow.diary import Entry
from diaryflow.generate.entry_refs import entry_refs, entry_url, link_label, ref_marks
from tests.generate.helpers import entry, snapshot
from tests.helpers import ENTRY_HEADING

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)


def diary() -> list[Entry]:
    """Four entries given out of order: two days, two entries on the first told apart by time."""
    late = entry("晚上", D1, n=30)
    untitled = entry("", D2, n=0, props={"标题": {"type": "title", "title": []}})
    return [entry("第二天", D2, n=5), late, entry("早上", D1, n=1), untitled]


def test_entries_are_numbered_by_day_then_creation_time() -> None:
    entries = diary()
    entries[0] = dataclasses.replace(entries[0], page=dataclasses.replace(
        entries[0].page, url="https://flowus.cn/ws/second"))
    snap = snapshot(entries, D1, D2)
    refs = entry_refs(snap)
    assert [(r.ref, r.day, r.title) for r in refs] == [
        ("E1", D1, "早上"), ("E2", D1, "晚上"), ("E3", D2, "无标题"), ("E4", D2, "第二天")]
    assert refs[3].url == "https://flowus.cn/ws/second"
    assert refs[0].url == f"https://flowus.cn/{entries[2].page.id}"
    assert entry_refs(snapshot(list(reversed(entries)), D1, D2)) == refs  # stable


def test_the_model_reads_the_same_numbers_the_citations_resolve() -> None:
    snap = snapshot(diary(), D1, D2)
    headings = ENTRY_HEADING.findall(render_snapshot(snap, refs=ref_marks(snap)))
    assert [(day, title, ref) for day, title, ref in headings] == [
        (r.day.isoformat(), r.title, f"〔{r.ref}〕") for r in entry_refs(snap)]


@pytest.mark.parametrize(("url", "expected"), [
    ("https://flowus.cn/linxiao/abc", "https://flowus.cn/linxiao/abc"),
    ("  http://flowus.cn/x/abc ", "http://flowus.cn/x/abc"),
    (None, "https://flowus.cn/page-1"),
    ("", "https://flowus.cn/page-1"),
    ("javascript:alert(1)", "https://flowus.cn/page-1"),
    ("https://flowus.cn/a b", "https://flowus.cn/page-1"),
])
def test_entry_url_is_the_api_url_else_the_documented_form(url: str | None, expected: str) -> None:
    page = entry("t", D1).page
    assert entry_url(dataclasses.replace(page, id="page-1", url=url)) == expected


def test_link_labels_carry_no_markdown() -> None:
    assert link_label("[a] *b* _c_ `d` <e> ~f~ g|h $i$ \\") == (
        r"\[a\] \*b\* \_c\_ \`d\` \<e\> \~f\~ g\|h \$i\$ \\")
