"""The report: single call or map-reduce, shrink-and-retry, truncation, the offline digest."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import pytest

from diaryflow.diary import Snapshot
from diaryflow.errors import LLMPromptTooLong, LLMTruncated
from diaryflow.generate.charts import stats_for_prompt, stats_section
from diaryflow.generate.prompt import DEFAULT_TEMPLATE
from diaryflow.generate.report import Report, build_report, offline_digest
from diaryflow.generate.stats import compute_stats
from diaryflow.generate.tokens import estimate_tokens, input_budget, messages_tokens
from diaryflow.llm.types import Completion, Usage
from tests.generate.helpers import RUN, sample_snapshot, snapshot

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
