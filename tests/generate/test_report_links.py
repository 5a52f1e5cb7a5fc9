"""Links back to the diary in the report: cited entries linked, invented ones gone, the index."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from diaryflow.generate.charts import stats_section
from diaryflow.generate.citations import CITE_RULE
from diaryflow.generate.entry_index import INDEX_HEADING
from diaryflow.generate.entry_refs import entry_refs
from diaryflow.generate.prompt import DEFAULT_TEMPLATE
from diaryflow.generate.report import build_report
from diaryflow.generate.stats import compute_stats
from diaryflow.llm.types import Completion, Usage
from tests.generate.helpers import RUN, sample_snapshot

REF = re.compile(r"〔E\d+〕")
CHUNK_MARK = "总结这几天的日记"


class CitingModel:
    """Stands in for the LLM client: summaries list the headings it was shown with their
    references; the final answer cites one real entry and one invented one."""

    def __init__(self, cite: str) -> None:
        self.cite = cite
        self.requests: list[Sequence[Mapping[str, str]]] = []

    def __call__(self, messages: Sequence[Mapping[str, str]]) -> Completion:
        self.requests.append(messages)
        user = messages[-1]["content"]
        if CHUNK_MARK in user:
            text = "\n".join(f"- {line[3:]}" for line in user.split("\n")
                             if line.startswith("## ") and REF.search(line))
        else:
            text = f"## 概览\n\n这周做完了最后检查{self.cite}，还有一件编造的事〔E999〕。"
        return Completion(text, "fake/model", "stop", usage=Usage(10, 5, 15))


def build(model: CitingModel, context_tokens: int = 65536) -> str:
    snap = sample_snapshot(30 if context_tokens < 65536 else 7)
    return build_report(
        snap, model, template=DEFAULT_TEMPLATE, context_tokens=context_tokens, max_tokens=1024,
        title_prefix="AI生成内容", run_date=RUN, model="fake/model",
    ).markdown


def test_a_cited_entry_is_linked_and_an_invented_one_is_gone() -> None:
    refs = entry_refs(sample_snapshot(7))
    cited = next(r for r in refs if r.title == "回调幂等全量前的最后检查")
    model = CitingModel(f"〔{cited.ref}〕")
    markdown = build(model)
    (messages,) = model.requests
    assert CITE_RULE in messages[0]["content"]
    assert REF.findall(messages[1]["content"]) == [f"〔{r.ref}〕" for r in refs]
    assert f"最后检查（[{cited.day:%m-%d} 回调幂等全量前的最后检查]({cited.url})）" in markdown
    assert "E999" not in markdown and "〔" not in markdown and "编造的事。" in markdown


def test_the_index_follows_the_statistics_and_precedes_the_note() -> None:
    snap = sample_snapshot(7)
    markdown = build(CitingModel("〔E1〕"))
    stats, index, note = (markdown.index(stats_section(compute_stats(snap))),
                          markdown.index(INDEX_HEADING), markdown.index("> 本报告由 AI 模型"))
    assert stats < index < note
    lines = markdown[index:note].strip().removesuffix("---").strip().split("\n")[2:]
    assert lines == [f"- {r.day.isoformat()} 周{'一二三四五六日'[r.day.weekday()]} · "
                     f"[{r.title}]({r.url})" for r in entry_refs(snap)]
    assert len(lines) == len(snap.entries)


def test_map_reduce_summaries_keep_the_references_for_the_final_answer() -> None:
    snap = sample_snapshot(30)
    refs = entry_refs(snap)
    model = CitingModel(f"〔{refs[-1].ref}〕〔{refs[0].ref}〕")
    markdown = build(model, context_tokens=6000)
    chunks = [m[-1]["content"] for m in model.requests if CHUNK_MARK in m[-1]["content"]]
    assert len(chunks) > 1 and all("〔E编号〕" in chunk for chunk in chunks)
    final = model.requests[-1][-1]["content"]
    assert sorted(set(REF.findall(final))) == sorted(f"〔{r.ref}〕" for r in refs)
    first, last = refs[0], refs[-1]
    assert f"最后检查（[{last.day:%m-%d} " in markdown and f"]({last.url})、[" in markdown
    assert f"]({first.url})）" in markdown and "E999" not in markdown


def test_the_offline_digest_ends_with_the_index() -> None:
    snap = sample_snapshot(7)
    markdown = build_report(
        snap, None, template=DEFAULT_TEMPLATE, context_tokens=65536, max_tokens=1024,
        title_prefix="AI生成内容", run_date=RUN, model="offline",
    ).markdown
    index = markdown.split(f"\n{INDEX_HEADING}\n\n")[1]
    assert index.split("\n")[:-1] == [
        f"- {r.day.isoformat()} 周{'一二三四五六日'[r.day.weekday()]} · [{r.title}]({r.url})"
        for r in entry_refs(snap)] and index.endswith("\n")
    assert markdown.index("## 逐日摘录") < markdown.index(INDEX_HEADING)
