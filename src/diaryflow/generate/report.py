"""The report: the model's review (one call or map-reduce) plus figures computed in code."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from diaryflow.collect.properties import page_title
from diaryflow.collect.rich_text import as_map, one_line
from diaryflow.config.schema import OFFLINE_MODEL
from diaryflow.diary import Entry, Snapshot, walk_blocks
from diaryflow.errors import ConfigError, LLMError, LLMPromptTooLong, LLMTruncated
from diaryflow.generate.answer import clean_answer
from diaryflow.generate.budget import Plan, chunk_prompt, plan, prompt_figures, single_messages
from diaryflow.generate.charts import stats_section
from diaryflow.generate.citations import link_citations
from diaryflow.generate.compare import compare
from diaryflow.generate.compare_section import comparison_section
from diaryflow.generate.earlier import Earlier, covered_days
from diaryflow.generate.entry_index import index_section, weekday_name
from diaryflow.generate.entry_refs import entry_refs
from diaryflow.generate.prompt import build_messages, chunk_messages, period_text
from diaryflow.generate.stats import (
    CHOICE_KINDS,
    Stats,
    block_texts,
    choice_names,
    compute_stats,
    property_kinds,
)
from diaryflow.generate.tokens import fits_context
from diaryflow.llm.types import Complete, Usage

OFFLINE_NOTE = "本报告未使用 AI 生成（generated without AI）"
SHRINK = 0.7
MAX_SHRINKS = 3
DIGEST_LINES = 2
DIGEST_LINE_CHARS = 100
_INLINE_MARKS = re.compile(r"([\\`*_\[\]<])")
_BLOCK_START = re.compile(r"^(\d*)([#>+=.)-])")


@dataclass(frozen=True)
class Report:
    """A finished report and how it was made."""

    title: str
    period_start: date
    period_end: date
    markdown: str
    model: str
    usage: Usage
    calls: int
    offline: bool
    map_reduce: bool


def report_title(prefix: str, run_date: date) -> str:
    """The page title, e.g. ``AI生成内容 - 2026-11-27``."""
    prefix = one_line(prefix)
    return f"{prefix} - {run_date.isoformat()}" if prefix else run_date.isoformat()


def build_report(
    snapshot: Snapshot,
    complete: Complete | None,
    *,
    template: str,
    context_tokens: int,
    max_tokens: int,
    title_prefix: str,
    run_date: date,
    model: str,
    include_properties: bool = True,
    margin: float = 0.9,
    title: str | None = None,
    earlier: Earlier | None = None,
) -> Report:
    """Write the report; without a model (or with no entries to review) write the digest."""
    title = title or report_title(title_prefix, run_date)
    start, end = snapshot.window_start, snapshot.window_end
    stats = compute_stats(snapshot)
    figures = figures_sections(stats, earlier)
    if complete is None or model == OFFLINE_MODEL or not snapshot.entries:
        markdown = offline_digest(snapshot, title, figures)
        return Report(title, start, end, markdown, OFFLINE_MODEL, Usage(), 0, True, False)
    calls = _Calls(complete)
    text, chosen = _write_shrinking(
        snapshot, calls, template, context_tokens, max_tokens, margin, include_properties, earlier
    )
    models = ", ".join(dict.fromkeys(m for m in calls.models if m)) or model
    note = _ai_note(models, period_text(start, end), chosen, earlier)
    entries = entry_refs(snapshot)
    text = link_citations(text, entries)
    markdown = f"{text}\n\n{figures}\n{index_section(entries)}\n---\n\n{note}\n"
    return Report(
        title, start, end, markdown, models, calls.usage, calls.count, False,
        chosen.mode == "map_reduce",
    )  # fmt: skip


def figures_sections(stats: Stats, earlier: Earlier | None) -> str:
    """The computed sections: the statistics, then the comparison with the previous period."""
    sections = [stats_section(stats)]
    if earlier is not None:
        sections.append(comparison_section(compare(stats, earlier.previous_stats)))
    return "\n".join(sections)


def _write_shrinking(
    snapshot: Snapshot, calls: _Calls, template: str, context_tokens: int,
    max_tokens: int, margin: float, include_properties: bool, earlier: Earlier | None,
) -> tuple[str, Plan]:
    """The review, planned again for a smaller context whenever the model says it is too long."""
    context = context_tokens
    last: LLMPromptTooLong | None = None
    for shrinks in range(MAX_SHRINKS + 1):
        try:
            chosen = plan(
                snapshot, template, context, max_tokens, margin,
                include_properties=include_properties, earlier=earlier,
            )  # fmt: skip
            text = _run(
                snapshot, chosen, calls, template, context, max_tokens, margin,
                include_properties, earlier,
            )
            return text, chosen
        except LLMPromptTooLong as exc:
            if shrinks == MAX_SHRINKS:
                raise
            real = exc.limit if exc.limit and exc.limit > 0 else context
            context = min(real, int(context * SHRINK))
            last = exc
        except ConfigError:
            if last is not None:  # shrinking left no room: the model's own error says more
                raise last from None
            raise
    raise AssertionError("unreachable: the last shrink re-raises")


class _Calls:
    """The model behind a cache: a retry after a shrink does not re-ask what was answered."""

    def __init__(self, complete: Complete) -> None:
        self.complete = complete
        self.count = 0
        self.usage = Usage()
        self.models: list[str] = []
        self._answers: dict[tuple[tuple[str, str], ...], str] = {}

    def ask(self, messages: Sequence[Mapping[str, str]]) -> str:
        key = tuple((m["role"], m["content"]) for m in messages)
        if key in self._answers:
            return self._answers[key]
        completion = self.complete(messages)
        self.count += 1
        self.usage += completion.usage
        self.models.append(completion.model)
        if completion.finish_reason == "length":
            raise LLMTruncated(
                "the answer stopped at max_tokens", partial=completion.content,
                model=completion.model,
            )  # fmt: skip
        text = clean_answer(completion.content)
        if not text:
            raise LLMError("the model returned an empty answer", model=completion.model)
        self._answers[key] = text
        return text


def _run(
    snapshot: Snapshot,
    chosen: Plan,
    calls: _Calls,
    template: str,
    context: int,
    max_tokens: int,
    margin: float,
    include_properties: bool,
    earlier: Earlier | None,
) -> str:
    if chosen.mode == "single":
        return calls.ask(single_messages(snapshot, template, include_properties, earlier,
                                         chosen.previous))
    limit = chosen.summary_chars
    parts = [(c.start, c.end, calls.ask(chunk_prompt(c, limit))) for c in chosen.chunks]
    whole = period_text(snapshot.window_start, snapshot.window_end)
    figures = prompt_figures(snapshot, earlier)

    def final(items: Sequence[tuple[date, date, str]]) -> list[dict[str, str]]:
        return build_messages(template, whole, summaries_input(items), figures, [chosen.previous])

    # Many chunks can make the summaries themselves too long: merge neighbours until they fit.
    while len(parts) > 1 and not fits_context(final(parts), context, max_tokens, margin):
        groups: list[list[tuple[date, date, str]]] = [[parts[0]]]
        for part in parts[1:]:
            merged = _merge_prompt([*groups[-1], part], limit)
            if fits_context(merged, context, max_tokens, margin):
                groups[-1].append(part)
            else:
                groups.append([part])
        if len(groups) == len(parts):
            break
        parts = [
            (g[0][0], g[-1][1], calls.ask(_merge_prompt(g, limit))) if len(g) > 1 else g[0]
            for g in groups
        ]
    return calls.ask(final(parts))


def _merge_prompt(items: Sequence[tuple[date, date, str]], limit: int) -> list[dict[str, str]]:
    return chunk_messages(period_text(items[0][0], items[-1][1]), summaries_input(items), limit)


def summaries_input(items: Sequence[tuple[date, date, str]]) -> str:
    """Partial summaries as the input of the final call, each under its period."""
    blocks = [f"### {period_text(start, end)}\n\n{text}" for start, end, text in items]
    return "（日记原文较长，已按时间分段整理成以下摘要。）\n\n" + "\n\n".join(blocks)


def _ai_note(models: str, period: str, chosen: Plan, earlier: Earlier | None) -> str:
    how = (
        f"；日记较长，先分 {len(chosen.chunks)} 段总结再合并" if chosen.mode == "map_reduce" else ""
    )
    if earlier is not None and earlier.sources:
        days = len(covered_days(earlier.sources))
        how = (f"，其中 {days} 天依据「{one_line(earlier.source_job or '')}」的 "
               f"{len(earlier.sources)} 份报告{how}")
    computed = "「数据统计」和「与上期对比」" if earlier is not None else "「数据统计」"
    return (
        f"> 本报告由 AI 模型（{models}）根据 {period} 的日记生成{how}，可能有疏漏或不准确之处。"
        f"{computed}中的数字和图表由程序直接计算。"
    )


def offline_digest(snapshot: Snapshot, title: str, figures: str | None = None) -> str:
    """An extractive digest without AI: the computed figures, then each entry's first lines."""
    figures = figures if figures is not None else stats_section(compute_stats(snapshot))
    period = period_text(snapshot.window_start, snapshot.window_end)
    lines = [
        f"> **{one_line(title)}** · {OFFLINE_NOTE}。以下是 {period} 的日记摘录：每条日记的标题"
        "和正文开头几行（原文，未经总结或改写），以及程序计算的统计数据。",
        "",
        figures,
        "## 逐日摘录",
        "",
    ]
    if not snapshot.entries:
        lines.append("本期没有日记条目。")
    choices = [name for name, kind in property_kinds(snapshot.entries) if kind in CHOICE_KINDS]
    by_day: dict[date, list[Entry]] = {}
    for entry in sorted(snapshot.entries, key=lambda e: e.day):
        by_day.setdefault(entry.day, []).append(entry)
    for day, entries in by_day.items():
        lines += [f"### {day.isoformat()} {weekday_name(day)}（{len(entries)} 条）", ""]
        for entry in entries:
            lines += _digest_entry(entry, choices)
        lines.append("")
    return "\n".join([*lines, index_section(entry_refs(snapshot))]).rstrip() + "\n"


def _digest_entry(entry: Entry, choices: Sequence[str]) -> list[str]:
    page = entry.page
    name = one_line(page.title) or page_title(page.properties) or "无标题"
    values = [v for c in choices for v in choice_names(as_map(page.properties).get(c))]
    tags = f"（{' · '.join(values)}）" if values else ""
    body = body_lines(entry)[:DIGEST_LINES] or ["（无正文）"]
    return [f"- **{_escape(name)}**{_escape(tags)}", *(f"  - {_escape(line)}" for line in body)]


def body_lines(entry: Entry) -> list[str]:
    """The entry's body as plain, non-empty lines, each cut to a readable length."""
    found: list[str] = []
    for block in walk_blocks(entry.page.blocks):
        text = " | ".join(t.strip() for t in block_texts(block) if t.strip())
        for line in text.split("\n"):
            line = one_line(line)
            if line:
                cut = len(line) > DIGEST_LINE_CHARS
                found.append(line[:DIGEST_LINE_CHARS] + ("…" if cut else ""))
    return found


def _escape(text: str) -> str:
    """Plain text shown in Markdown: no emphasis, links, HTML or block markers from it."""
    text = _INLINE_MARKS.sub(r"\\\1", text)
    return _BLOCK_START.sub(r"\1\\\2", text, count=1)
