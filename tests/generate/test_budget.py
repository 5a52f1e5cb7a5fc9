"""Planning within the context window: one call if it fits, else chunks that send every line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import pytest

from diaryflow.collect.data_log import Section
from diaryflow.diary import Block, Entry, Snapshot
from diaryflow.errors import ConfigError
from diaryflow.generate.budget import Chunk, chunk_prompt, plan
from diaryflow.generate.prompt import DEFAULT_TEMPLATE
from diaryflow.generate.tokens import input_budget, messages_tokens
from tests.generate.helpers import blk, entry, sample_snapshot, snapshot


def test_plan_single_when_it_fits() -> None:
    snap = sample_snapshot(7)
    chosen = plan(snap, DEFAULT_TEMPLATE, 65536, 4096)
    assert chosen.mode == "single" and chosen.chunks == ()
    with pytest.raises(ConfigError, match="context_tokens"):
        plan(snap, DEFAULT_TEMPLATE, 4000, 4096)


def body_lines(e: Entry, snap: Snapshot) -> list[str]:
    """Every non-blank line of an entry's body as data.log renders it."""
    section = Section(e.page.id, "", "", e.page.blocks, e.day, snap.titles(), snap.users)
    return [line for line in section.body().split("\n") if line.strip()]


def assert_every_line_sent(snap: Snapshot, texts: Sequence[str]) -> None:
    """Each line is in some text whole, or (too long for one call) in pieces, in order."""
    sent = [line for text in texts for line in text.split("\n")]
    for e in snap.entries:
        for line in body_lines(e, snap):
            if any(line in text for text in texts):
                continue
            pieces = [p for p in sent if len(p) >= 10 and p in line]
            assert "".join(pieces) == line, (e.page.title, line[:40])


@pytest.mark.parametrize(("context", "max_tokens"), [(8000, 1024), (2000, 256)])
def test_map_reduce_chunks_are_whole_days_covering_every_entry(
    context: int, max_tokens: int
) -> None:
    snap = sample_snapshot(60)
    chosen = plan(snap, DEFAULT_TEMPLATE, context, max_tokens)
    assert chosen.mode == "map_reduce" and len(chosen.chunks) > 1
    budget = input_budget(context, max_tokens)
    entry_ids = [e.page.id for e in sorted(snap.entries, key=lambda e: e.day)]
    seen: list[str] = []
    for chunk in chosen.chunks:
        assert messages_tokens(chunk_prompt(chunk, chosen.summary_chars)) <= budget
        assert (chunk.end - chunk.start).days < 7
        seen.extend(p for p in chunk.pages if p in entry_ids and (not seen or seen[-1] != p))
    assert seen == entry_ids  # each once, in order (a long entry may span neighbouring chunks)
    days = [{e.day for e in snap.entries if e.page.id in c.pages} for c in chosen.chunks]
    shared = [a & b for i, a in enumerate(days) for b in days[i + 1 :] if a & b]
    split = [c for c in chosen.chunks if "部分）" in c.text]
    assert bool(shared) == bool(split) == (context == 2000)  # only a day too long is split
    assert all(len(d) == 1 for d in shared)
    assert_every_line_sent(snap, [c.text for c in chosen.chunks])


def test_one_day_too_big_is_split_and_nothing_is_cut() -> None:
    day = date(2026, 3, 1)
    entries = [
        entry("长一", day, blk("paragraph", text="甲" * 6000), n=0),
        entry("短", day, blk("paragraph", text="短短的一条"), n=1),
        entry("长二", day, blk("paragraph", text="乙" * 6000), n=2),
    ]
    chosen = plan(snapshot(entries, day, day), DEFAULT_TEMPLATE, 4000, 512)
    assert len(chosen.chunks) > 2
    texts = [chunk_prompt(c, chosen.summary_chars)[1]["content"] for c in chosen.chunks]
    assert all(messages_tokens(chunk_prompt(c, chosen.summary_chars)) <= input_budget(4000, 512)
               for c in chosen.chunks)
    assert sum(t.count("甲") for t in texts) == 6000 and sum(t.count("乙") for t in texts) == 6000
    assert sum("短短的一条" in t for t in texts) == 1
    assert "## 2026-03-01 · 长一 〔E1〕（第 1/" in texts[0]  # every part keeps its reference
    assert sum("## 2026-03-01 · 短 〔E2〕\n" in t for t in texts) == 1
    assert any("## 2026-03-01 · 长二 〔E3〕（第 1/" in t for t in texts)


def split_chunks(*blocks: Block, context: int = 4000) -> tuple[list[Chunk], int]:
    day = date(2026, 3, 1)
    snap = snapshot([entry("长篇", day, *blocks)], day, day)
    chosen = plan(snap, DEFAULT_TEMPLATE, context, 512)
    budget = input_budget(context, 512)
    assert all(messages_tokens(chunk_prompt(c, chosen.summary_chars)) <= budget
               for c in chosen.chunks)
    return list(chosen.chunks), len(chosen.chunks)


def test_a_long_entry_is_split_between_its_blocks() -> None:
    paragraphs = [f"第{i}段：" + "今天写了很多字。" * 40 for i in range(60)]
    chunks, count = split_chunks(*(blk("paragraph", text=p) for p in paragraphs))
    assert count > 3
    for p in paragraphs:  # each block whole, in exactly one chunk
        assert sum(p in c.text for c in chunks) == 1
    marks = [re.findall(r"^## 2026-03-01 · 长篇 〔E1〕（第 (\d+)/(\d+) 部分）$", c.text, re.M)
             for c in chunks]
    assert [m[0] for m in marks] == [(str(i), str(count)) for i in range(1, count + 1)]


def test_a_long_block_is_split_between_its_lines_and_a_long_line_between_sentences() -> None:
    lines = [f"第{i}行" + "零一二三四五六七八九" * 12 for i in range(80)]
    code = blk("code", text="\n".join(lines), language="Plain Text")
    sentence = "这是一句很长的话，说了又说。"
    giant = sentence * 700  # one line of about 9,800 characters
    chunks, _ = split_chunks(code, blk("paragraph", text=giant))
    for line in lines:
        assert sum(line in c.text for c in chunks) == 1
    pieces = [line for c in chunks for line in c.text.split("\n") if sentence[:6] in line]
    assert "".join(pieces) == giant  # every character, in order
    assert all(p.endswith(("。", "，")) for p in pieces[:-1])  # cut between sentences
