"""Prompt, budget and report: template precedence, map-reduce coverage, shrink-and-retry."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import pytest

from diaryflow.collect.data_log import Section
from diaryflow.collect.prompt_page import first_code_block
from diaryflow.diary import Block, Entry, Snapshot
from diaryflow.errors import ConfigError, LLMPromptTooLong, LLMTruncated
from diaryflow.generate.answer import clean_answer
from diaryflow.generate.budget import Chunk, chunk_prompt, plan
from diaryflow.generate.charts import stats_for_prompt, stats_section
from diaryflow.generate.prompt import (
    DEFAULT_TEMPLATE,
    build_messages,
    load_template,
)
from diaryflow.generate.report import Report, build_report, offline_digest, report_title
from diaryflow.generate.stats import compute_stats
from diaryflow.generate.tokens import estimate_tokens, input_budget, messages_tokens
from diaryflow.llm.types import Completion, Usage
from tests.test_stats import blk, entry, sample_snapshot, snapshot

RUN = date(2026, 11, 27)
CHUNK_MARK = "总结这几天的日记"
ANSWER = "## 概览\n\n这一周过得充实。"


class FakeModel:
    """Stands in for the LLM client: records prompts; refuses prompts over ``limit`` tokens."""

    def __init__(
        self, limit: int | None = None, *, always_too_long: bool = False, summary_chars: int = 0
    ) -> None:
        self.limit = limit
        self.always_too_long = always_too_long
        self.summary_chars = summary_chars
        self.prompts: list[str] = []
        self.answers: list[str] = []
        self.final_answer = ANSWER
        self.finish_reason = "stop"

    def __call__(self, messages: Sequence[Mapping[str, str]]) -> Completion:
        assert [m["role"] for m in messages] == ["system", "user"]
        user = messages[-1]["content"]
        self.prompts.append(user)
        if self.always_too_long or (self.limit and messages_tokens(messages) > self.limit):
            raise LLMPromptTooLong("prompt too long", limit=self.limit, status=400, code=20015)
        if CHUNK_MARK in user:
            heads = re.findall(r"^## (\S+ · .+)$", user, re.MULTILINE)
            text = f"摘要{len(self.answers)}：" + "；".join(heads) + "。" * self.summary_chars
        else:
            text = self.final_answer
        self.answers.append(text)
        return Completion(text, "fake/model", self.finish_reason, usage=Usage(10, 5, 15))


def run(snap: Snapshot, fake: object, **kw: object) -> Report:
    options: dict[str, object] = {
        "template": DEFAULT_TEMPLATE, "context_tokens": 65536, "max_tokens": 1024,
        "title_prefix": "AI生成内容", "run_date": RUN, "model": "fake/model",
    }  # fmt: skip
    options.update(kw)
    return build_report(snap, fake, **options)  # type: ignore[arg-type]


def heading(e: object) -> str:
    return f"## {e.day.isoformat()} · {e.page.title}"  # type: ignore[attr-defined]


# ---- tokens, template, messages ----


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("你好") == 2  # ceil(1.5)
    assert estimate_tokens("abcdefghij") == 3
    assert estimate_tokens("你好ab") == 3  # ceil(1.5 + 0.6)
    assert estimate_tokens("，。「」") == 3  # CJK punctuation counts as CJK
    assert estimate_tokens("日" * 1000 + "a" * 1000) == 1050


def test_template_precedence_and_input(tmp_path: Path) -> None:
    file = tmp_path / "prompt.md"
    file.write_text("文件模板 {period}\n{input}", encoding="utf-8")
    assert load_template(None, None) == DEFAULT_TEMPLATE
    assert load_template(file, None) == "文件模板 {period}\n{input}"
    assert load_template(file, "页面模板 {input}") == "页面模板 {input}"
    assert load_template(file, "  \n") == "文件模板 {period}\n{input}"  # a blank block: ignored
    no_input = load_template(None, "请写周报。")
    assert no_input.startswith("请写周报。") and no_input.rstrip().endswith("{input}")
    user = build_messages(no_input, "P", "日记正文", "S")[1]["content"]
    assert user.startswith("请写周报。") and user.rstrip().endswith("日记正文")
    for name in ("{period}", "{input}", "{stats}"):
        assert name in DEFAULT_TEMPLATE
    with pytest.raises(ConfigError, match=r"report\.prompt_file"):
        load_template(tmp_path / "missing.md", None)
    (tmp_path / "blank.md").write_text(" \n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_template(tmp_path / "blank.md", None)


def test_build_messages_fills_once() -> None:
    system, user = build_messages("{period}|{stats}|{input}|{other}", "P", "写了 {stats}", "S")
    assert system["role"] == "system" and user["role"] == "user"
    assert user["content"] == "P|S|写了 {stats}|{other}"  # diary text is never substituted


def test_first_code_block() -> None:
    blocks = (
        blk("paragraph", text="说明"),
        blk("code", text="  ", language="text"),
        blk("toggle", blk("code", text="请总结 {input}", language="markdown"), text="提示词"),
        blk("code", text="第二个"),
    )
    assert first_code_block(blocks) == "请总结 {input}"
    assert first_code_block((blk("paragraph", text="无"),)) is None


# ---- planning ----


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
    assert "## 2026-03-01 · 长一（第 1/" in texts[0]


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
    marks = [re.findall(r"^## 2026-03-01 · 长篇（第 (\d+)/(\d+) 部分）$", c.text, re.M)
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


# ---- generating ----


def test_single_call_inserts_stats_verbatim_and_strips_model_charts() -> None:
    snap = sample_snapshot(7)
    model = FakeModel()
    model.final_answer = (
        '<think>先想想</think>## 概览\n\n很好。\n\n```mermaid\npie\n    "a" : 1\n```\n\n'
        "```python\nprint(1)\n```\n"
    )
    report = run(snap, model)
    stats = compute_stats(snap)
    section = stats_section(stats)
    assert (report.calls, report.offline, report.map_reduce) == (1, False, False)
    assert report.title == "AI生成内容 - 2026-11-27" and report.model == "fake/model"
    assert report.usage == Usage(10, 5, 15)
    assert report.markdown.startswith("## 概览\n\n很好。\n\n```python\nprint(1)\n```\n\n")
    assert section in report.markdown and report.markdown.index(section) > 0
    assert report.markdown.count("```mermaid") == section.count("```mermaid")
    assert "先想想" not in report.markdown and "AI" in report.markdown.split(section)[1]
    (prompt,) = model.prompts
    assert stats_for_prompt(stats) in prompt and all(heading(e) in prompt for e in snap.entries)


def test_map_reduce_covers_every_entry_once_and_merges_all_summaries() -> None:
    snap = sample_snapshot(60)
    model = FakeModel()
    report = run(snap, model, context_tokens=8000)
    chunks = [p for p in model.prompts if CHUNK_MARK in p]
    assert report.map_reduce and report.calls == len(chunks) + 1 == len(model.prompts)
    for e in snap.entries:
        assert sum(heading(e) in p for p in chunks) == 1, e.page.title
        assert any(e.page.title in p for p in chunks)
    final = model.prompts[-1]
    assert CHUNK_MARK not in final and all(a in final for a in model.answers[:-1])
    assert stats_for_prompt(compute_stats(snap)) in final
    assert report.usage == sum((Usage(10, 5, 15) for _ in range(report.calls)), Usage())


def test_long_summaries_are_merged_until_the_final_prompt_fits() -> None:
    snap = sample_snapshot(60)
    model = FakeModel(summary_chars=900)
    report = run(snap, model, context_tokens=4000, max_tokens=512)
    chunks = [p for p in model.prompts if CHUNK_MARK in p and "# 日记\n" in p]
    merges = [p for p in model.prompts if CHUNK_MARK in p and "# 日记\n" not in p]
    assert report.map_reduce and merges and report.calls == len(chunks) + len(merges) + 1
    assert estimate_tokens(model.prompts[-1]) <= input_budget(4000, 512)
    joined = "\n".join(model.prompts)
    assert all(sum(heading(e) in p for p in chunks) == 1 for e in snap.entries)
    assert all(answer in joined for answer in model.answers[:-1])  # every summary used


def test_prompt_too_long_shrinks_and_retries() -> None:
    snap = sample_snapshot(60)
    model = FakeModel(limit=6000)
    report = run(snap, model, context_tokens=200_000)
    first, *rest = model.prompts
    assert estimate_tokens(first) > 6000 and CHUNK_MARK not in first  # the single try failed
    assert report.map_reduce and rest
    assert report.calls == len(rest) and all(estimate_tokens(p) <= 6000 for p in rest)
    for e in snap.entries:
        assert sum(heading(e) in p for p in rest if CHUNK_MARK in p) == 1


def test_prompt_too_long_gives_up_after_three_shrinks() -> None:
    model = FakeModel(always_too_long=True)
    with pytest.raises(LLMPromptTooLong):
        run(sample_snapshot(60), model, context_tokens=20_000)
    assert len(model.prompts) == 4  # the first try and three shrinks
    sizes = [estimate_tokens(p) for p in model.prompts]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]  # asked with less


def test_truncated_answer_is_an_error() -> None:
    model = FakeModel()
    model.finish_reason = "length"
    with pytest.raises(LLMTruncated):
        run(sample_snapshot(7), model)


# ---- offline ----


def test_offline_digest_has_every_entry_and_no_model_call() -> None:
    snap = sample_snapshot(60)

    def refuse(messages: object) -> Completion:
        raise AssertionError("the offline digest must not call the model")

    for report in (run(snap, None), run(snap, refuse, model="offline")):
        assert report.offline and report.calls == 0 and report.model == "offline"
        assert "本报告未使用 AI 生成" in report.markdown
        assert stats_section(compute_stats(snap)) in report.markdown
        for e in snap.entries:
            assert f"**{e.page.title}**" in report.markdown, e.page.title
    assert offline_digest(snap, "t") == offline_digest(snap, "t")  # deterministic


def test_no_entries_means_no_model_call() -> None:
    day = date(2026, 3, 1)
    report = run(snapshot([], day, day), FakeModel())
    assert report.offline and "本期没有日记条目" in report.markdown


def test_clean_answer() -> None:
    assert clean_answer("```markdown\n## 概览\n\n好\n```") == "## 概览\n\n好"
    kept = "````text\n```mermaid\nx\n```\n````"
    assert clean_answer(f"前\n\n{kept}\n\n后") == f"前\n\n{kept}\n\n后"
    assert clean_answer("前\n~~~Mermaid\npie\n~~~\n\n\n\n后") == "前\n\n后"
    assert clean_answer("前\n```mermaid\npie title 未闭合") == "前"
    assert clean_answer("前\n```mermaid\n\n```\n后") == "前\n后"  # no diagram at all


DIAGRAMS = {
    "gantt": "gantt\n    title 项目\n    section A\n    写作 :a1, 2026-11-01, 3d",
    "flowchart": "flowchart LR\n    熬夜 --> 疲惫",
    "mindmap": "mindmap\n  root((本周))\n    工作",
    "timeline": "timeline\n    title 本周\n    11-24 : 出差",
    "graph": "%% a comment\ngraph TD\n    A --> B",
    "front matter": "---\ntitle: 进度\n---\ngantt\n    写作 :a1, 2026-11-01, 3d",
}
NUMBER_CHARTS = {
    "pie": 'pie title 心情\n    "好" : 3',
    "xychart-beta": "xychart-beta\n    bar [1, 2]",
    "sankey-beta": "sankey-beta\n    A,B,3",
    "quadrantChart": "quadrantChart\n    title 优先级",
    "radar-beta": "radar-beta\n    axis a, b",
    "init directive": "%%{init: {'theme': 'dark'}}%%\npie\n    \"a\" : 1",
}


@pytest.mark.parametrize("source", DIAGRAMS.values(), ids=DIAGRAMS.keys())
def test_diagrams_drawn_from_the_diary_are_kept(source: str) -> None:
    text = f"## 项目进展\n\n进度如下。\n\n```mermaid\n{source}\n```\n\n后文"
    assert clean_answer(text) == text


@pytest.mark.parametrize("source", NUMBER_CHARTS.values(), ids=NUMBER_CHARTS.keys())
def test_charts_of_numbers_the_model_drew_are_dropped(source: str) -> None:
    assert clean_answer(f"前文\n\n```mermaid\n{source}\n```\n\n后文") == "前文\n\n后文"


def test_the_model_is_told_which_diagrams_it_may_draw() -> None:
    system = build_messages(DEFAULT_TEMPLATE, "P", "日记", "S")[0]["content"]
    for kind in ("gantt", "timeline", "flowchart", "mindmap", "pie", "xychart-beta"):
        assert kind in system
    assert "不要画表示数字的图表" in system
    assert report_title("  ", RUN) == "2026-11-27"
