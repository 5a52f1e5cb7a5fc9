"""The report prompt: the built-in template, user overrides, and the messages sent."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from importlib import resources
from pathlib import Path

from diaryflow.errors import ConfigError
from diaryflow.generate.charts import CONTENT_DIAGRAMS, NUMERIC_CHARTS
from diaryflow.generate.citations import CITE_RULE
from diaryflow.generate.templates import builtin_template

DEFAULT_TEMPLATE: str = (resources.files("diaryflow") / "data" / "prompt.zh.md").read_text(
    encoding="utf-8"
)

SYSTEM_PROMPT = (
    "你是一位严谨、克制的个人复盘助手。你只根据用户提供的日记写作，"
    "不编造事实，所有数字以用户给出的统计数据为准。用简体中文和 Markdown 回答。"
    "需要时可以用 Mermaid 代码块画日记内容的结构图，只限这几种："
    f"{'、'.join(CONTENT_DIAGRAMS)}（如项目时间线、事件脉络、因果流程、主题导图），"
    f"节点文字取自日记；不要画表示数字的图表（{'、'.join(NUMERIC_CHARTS)}），"
    "这类图表由程序根据统计数据生成，你画的会被删除。"
) + CITE_RULE

CHUNK_TEMPLATE = """总结这几天的日记（{period}），供之后合并成整段时间的复盘报告。

要求：
- 按日期顺序逐条写，每一条日记都要写到，一条也不能漏；每条以「MM-DD 标题〔E编号〕」开头，
  〔E编号〕照抄输入里这条日记的引用编号：最终报告要靠它链接回原日记。
- 保留每条日记的关键事实：做了什么、项目和进度数字、遇到的问题及解决办法、提到的人、心情与精力。
- 只写日记里有的内容，不评价，不给建议，不画图表，不输出代码块。
- 用简洁的 Markdown 列表，全文不超过 {limit} 字。

{input}
"""

PREVIOUS_HEADING = "## 上期报告（供对比）"
PREVIOUS_NOTE = (
    "以下是同一任务上一期（{period}）的报告，供对比，不是本期的日记。请在复盘中说明本期与上期相比"
    "有哪些变化（数字以上面「统计数据」中程序计算的「与上期对比」为准），并逐条交代上期报告里的计划、"
    "待办和建议后来怎样了：做到了、部分做到、推迟了还是放弃了，以本期日记为依据；日记里看不出的"
    "如实说明。不要照抄上期报告。"
)
PREVIOUS_CUT = "（上期报告较长，这里只给出了它前面的部分。）"
SOURCES_HEADING = "## 本期内的{job}报告（代替这些天的日记原文）"
SOURCES_NOTE = (
    "以下 {count} 份报告由「{job}」任务写成，覆盖本期中的 {days} 天（{periods}）。这些天的日记原文"
    "不再提供：请以这些报告为素材，和上面「日记原文」中其余日子的日记一起，写整个 {period} 的复盘，"
    "讲清楚这段时间的主线、趋势和变化，而不是逐份复述。报告中的数字只针对各自的周期，"
    "本期的数字以「统计数据」为准。"
)
ALL_COVERED = "（本期每一天都已由下面的报告覆盖，没有另外的日记原文。）"

_PLACEHOLDER = re.compile(r"\{(period|input|stats)\}")
_INPUT_TAIL = "\n\n## 日记原文\n\n{input}\n"


def fill(template: str, **values: str) -> str:
    """Replace ``{period}``, ``{input}`` and ``{stats}`` in one pass; other braces stay as-is.

    One pass, so placeholder-like text inside the diary itself is never substituted.
    """
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)


def load_template(prompt_file: Path | None, page_code_block: str | None,
                  kind: str = "rolling", setting: str = "report.prompt_file") -> str:
    """The template to use: the page's code block, else the file, else the built-in one
    for the period ``kind`` (rolling, day, week, month or year).

    A template without ``{input}`` gets the diary appended at its end; ``setting`` names the
    file's setting in errors.
    """
    if page_code_block is not None and page_code_block.strip():
        template = page_code_block
    elif prompt_file is not None:
        template = _read(prompt_file, setting)
    else:
        template = DEFAULT_TEMPLATE if kind == "rolling" else builtin_template(kind)
    if "{input}" not in template:
        template = template.rstrip() + _INPUT_TAIL
    return template


def _read(path: Path, setting: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(setting, str(path), f"a readable UTF-8 file ({exc})") from exc
    if not text.strip():
        raise ConfigError(setting, str(path), "a file holding the prompt, not empty")
    return text


def build_messages(
    template: str, period: str, input_md: str, stats_md: str, parts: Sequence[str] = ()
) -> list[dict[str, str]]:
    """The system and user messages: the template filled in, then each labelled part after it."""
    user = fill(template, period=period, input=input_md.strip(), stats=stats_md.strip())
    shown = [part.strip() for part in parts if part.strip()]
    if shown:
        user = "\n\n".join([user.rstrip(), *shown]) + "\n"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def chunk_messages(period: str, input_md: str, limit: int) -> list[dict[str, str]]:
    """Messages asking for the summary of a few days (the map step of map-reduce)."""
    user = CHUNK_TEMPLATE.replace("{limit}", str(limit))
    user = fill(user, period=period, input=input_md.strip())
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def period_text(start: date, end: date) -> str:
    """``2026-11-21 至 2026-11-27``, or the single date when both are the same."""
    return start.isoformat() if start == end else f"{start.isoformat()} 至 {end.isoformat()}"
