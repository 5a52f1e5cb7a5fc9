"""The model's answer made publishable: no reasoning, no wrapping fence, no invented charts."""

from __future__ import annotations

import re

from diaryflow.generate.charts import is_numeric_chart

_OPEN_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)")
_THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)
_WRAPPED = re.compile(r"^\s*(`{3,}|~{3,}) ?(?:markdown|md)[ \t]*\n(.*)\n\s*\1\s*$", re.DOTALL)


def clean_answer(text: str) -> str:
    """The model's Markdown without reasoning tags, a wrapping fence or number-plotting charts."""
    text = _THINK.sub("", text, count=1)
    wrapped = _WRAPPED.match(text)
    if wrapped:
        text = wrapped[2]
    return re.sub(r"\n{3,}", "\n\n", drop_numeric_charts(text)).strip()


def drop_numeric_charts(text: str) -> str:
    """Drop fenced Mermaid charts that plot numbers; every other diagram and block is kept.

    The model's numbers are not to be trusted (the statistics section has charts computed by
    code), but a timeline, flowchart or mind map drawn from the diary is content.
    """
    out: list[str] = []
    fence = ""
    held: list[str] | None = None  # the lines of an open Mermaid block, decided at its close
    for line in text.split("\n"):
        if fence:
            (out if held is None else held).append(line)
            mark = line.strip()
            if len(mark) >= len(fence) and set(mark) == {fence[0]}:
                if held is not None:
                    out.extend(_keep_diagram(held))
                fence, held = "", None
            continue
        opened = _OPEN_FENCE.match(line)
        if opened and opened[2].lower() == "mermaid":
            fence, held = opened[1], [line]
        elif opened:
            fence = opened[1]
            out.append(line)
        else:
            out.append(line)
    if held is not None:  # a block left open runs to the end, as Markdown reads it
        out.extend(_keep_diagram(held))
    return "\n".join(out)


def _keep_diagram(block: list[str]) -> list[str]:
    source = "\n".join(block[1:-1] if len(block) > 1 else [])
    kind = mermaid_kind(source)
    return [] if not kind or is_numeric_chart(kind) else block


def mermaid_kind(source: str) -> str:
    """The diagram type a Mermaid source declares (its first word), or "" when it has none."""
    lines = source.split("\n")
    if lines and lines[0].strip() == "---":  # YAML front matter (title, config)
        closing = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        lines = lines[closing + 1:] if closing is not None else []
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("%%"):  # comments and %%{init}%% directives
            return stripped.split()[0].rstrip(":;")
    return ""
