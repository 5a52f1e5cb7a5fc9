"""The report prompt: the built-in template, user overrides, and the messages sent."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path

from diaryflow.errors import ConfigError
from diaryflow.generate.charts import CONTENT_DIAGRAMS, NUMERIC_CHARTS
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
)

CHUNK_TEMPLATE = """总结这几天的日记（{period}），供之后合并成整段时间的复盘报告。

要求：
- 按日期顺序逐条写，每一条日记都要写到，一条也不能漏；每条以「MM-DD 标题」开头。
- 保留每条日记的关键事实：做了什么、项目和进度数字、遇到的问题及解决办法、提到的人、心情与精力。
- 只写日记里有的内容，不评价，不给建议，不画图表，不输出代码块。
- 用简洁的 Markdown 列表，全文不超过 {limit} 字。

{input}
"""

_PLACEHOLDER = re.compile(r"\{(period|input|stats)\}")
_INPUT_TAIL = "\n\n## 日记原文\n\n{input}\n"


def fill(template: str, **values: str) -> str:
    """Replace ``{period}``, ``{input}`` and ``{stats}`` in one pass; other braces stay as-is.

    One pass, so placeholder-like text inside the diary itself is never substituted.
    """
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)


def load_template(prompt_file: Path | None, page_code_block: str | None,
                  kind: str = "rolling") -> str:
    """The template to use: the page's code block, else the file, else the built-in one
    for the period ``kind`` (rolling, day, week, month or year).

    A template without ``{input}`` gets the diary appended at its end.
    """
    if page_code_block is not None and page_code_block.strip():
        template = page_code_block
    elif prompt_file is not None:
        template = _read(prompt_file)
    else:
        template = DEFAULT_TEMPLATE if kind == "rolling" else builtin_template(kind)
    if "{input}" not in template:
        template = template.rstrip() + _INPUT_TAIL
    return template


def _read(path: Path) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            "report.prompt_file", str(path), f"a readable UTF-8 file ({exc})"
        ) from exc
    if not text.strip():
        raise ConfigError("report.prompt_file", str(path), "a file holding the prompt, not empty")
    return text


def build_messages(
    template: str, period: str, input_md: str, stats_md: str
) -> list[dict[str, str]]:
    """The system message and the user message: the template filled with the period's data."""
    user = fill(template, period=period, input=input_md.strip(), stats=stats_md.strip())
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def chunk_messages(period: str, input_md: str, limit: int) -> list[dict[str, str]]:
    """Messages asking for the summary of a few days (the map step of map-reduce)."""
    user = CHUNK_TEMPLATE.replace("{limit}", str(limit))
    user = fill(user, period=period, input=input_md.strip())
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def period_text(start: date, end: date) -> str:
    """``2026-11-21 至 2026-11-27``, or the single date when both are the same."""
    return start.isoformat() if start == end else f"{start.isoformat()} 至 {end.isoformat()}"
