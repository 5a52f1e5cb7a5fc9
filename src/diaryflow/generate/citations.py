"""The model's entry references (〔E3〕) made links to the entries' pages; invented ones dropped."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from diaryflow.collect.rich_text import md_link, one_line
from diaryflow.generate.entry_refs import EntryRef, link_label

CITE_RULE = (
    "输入里的每条日记都带有引用编号〔E数字〕（如〔E3〕，在日记标题末尾或摘要条目里）。"
    "写到某条日记里的事、想法或数字时，在那句话末尾标注它的编号，如「完成了灰度发布〔E3〕。」；"
    "涉及几条日记就并列写，如〔E2〕〔E5〕。只用输入里出现过的编号，不要编造；"
    "图表和代码块里不写编号。"
)
LABEL_CHARS = 16  # a longer title is shortened in the citation (the index shows it whole)

_ONE = r"[Ee]0*(\d{1,5})"
_LIST = rf"{_ONE}(?:[ \t]*[、,，;；/ ][ \t]*{_ONE})*"
_WIDE = rf"[〔【][ \t]*{_LIST}[ \t]*[〕】]"
# ASCII brackets only where they are no Markdown: not a link's text or an image.
_ASCII = rf"(?<![\]!\\])\[[ \t]*{_LIST}[ \t]*\](?![(\[])"
_GROUP = rf"(?:{_WIDE}|{_ASCII})"
_RUN = re.compile(rf"{_GROUP}(?:[ \t]*[、,，]?[ \t]*{_GROUP})*")
_WIDE_RUN = re.compile(rf"{_WIDE}(?:[ \t]*[、,，]?[ \t]*{_WIDE})*")
_NUMBER = re.compile(_ONE)
_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:")
_OPENERS = {"（": "）", "(": ")"}
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([^\s`]*)")  # indented too: inside a list
_BACKTICKS = re.compile(r"`+")
_BLOCK_PREFIX = re.compile(r"^[ \t]*(?:(?:[-*+]|\d{1,9}[.)]|#{1,6}|>)[ \t]*)*(?:\[[ xX]\][ \t]*)?$")
_CLOSING = set("。，、；：！？.,;:!?）)」』】》”’")


def link_citations(text: str, entries: Sequence[EntryRef]) -> str:
    """Turn every reference to a known entry into a link to its page; drop unknown ones.

    Code spans and code blocks are left alone, except that a Mermaid diagram loses its
    full-width references (a diagram cannot hold links).
    """
    known = {entry.ref: entry for entry in entries}
    out: list[str] = []
    fence = ""
    mermaid = False
    for line in text.split("\n"):
        if fence:
            mark = line.strip()
            if mark and set(mark) == {fence[0]} and len(mark) >= len(fence):
                fence = ""
            elif mermaid:
                line = _WIDE_RUN.sub("", line)
            out.append(line)
            continue
        opened = _FENCE.match(line)
        if opened:
            fence, mermaid = opened[1], opened[2].lower() == "mermaid"
            out.append(line)
            continue
        linked = _link_line(line, known)
        if linked is not None:
            out.append(linked)
    return "\n".join(out)


def citation(entries: Sequence[EntryRef]) -> str:
    """The links that replace one run of references: ``（[11-24 标题](url)、…）``."""
    return "（" + "、".join(md_link(_label(entry), entry.url) for entry in entries) + "）"


def _label(entry: EntryRef) -> str:
    title = one_line(entry.title)
    if len(title) > LABEL_CHARS:
        title = title[: LABEL_CHARS - 1] + "…"
    return link_label(f"{entry.day:%m-%d} {title}")


def _link_line(line: str, known: Mapping[str, EntryRef]) -> str | None:
    """The line with its references replaced; None when only invented ones made it up."""
    if _DEFINITION.match(line):
        return line
    code = _code_spans(line)
    out, rest, changed = "", 0, False
    for run in _RUN.finditer(line):
        if run.start() < rest or any(a < run.end() and run.start() < b for a, b in code):
            continue
        refs = dict.fromkeys(f"E{int(n)}" for n in _NUMBER.findall(run[0]))
        cited = [known[ref] for ref in refs if ref in known]
        out, skipped = _join(out + line[rest:run.start()], cited, line[run.end():])
        rest, changed = run.end() + skipped, True
    if not changed:
        return line
    out += line[rest:]
    if _BLOCK_PREFIX.match(out) and not _BLOCK_PREFIX.match(line):
        return None
    return out if line != line.rstrip() else out.rstrip()


def _join(before: str, cited: Sequence[EntryRef], after: str) -> tuple[str, int]:
    """``before`` with the citation (or nothing) added, tidily spaced, and how many characters
    at the start of ``after`` that took."""
    rest = after.lstrip(" \t")
    if _BLOCK_PREFIX.match(before):  # the reference opened the line: keep the line's prefix
        return (before + citation(cited), 0) if cited else (before, len(after) - len(rest))
    trimmed = before.rstrip(" \t")
    spaced_after = rest != after
    spaced = trimmed != before or spaced_after
    if trimmed[-1:] in _OPENERS and rest[:1] == _OPENERS[trimmed[-1]]:
        # "（〔E3〕）": the citation brings its own brackets; nothing is left of an invented one
        trimmed, rest = trimmed[:-1].rstrip(" \t"), rest[1:].lstrip(" \t")
    follows = bool(trimmed) and bool(rest) and rest[0] not in _CLOSING
    if cited:
        gap = " " if spaced_after and follows else ""
        return trimmed + citation(cited) + gap, len(after) - len(rest)
    return trimmed + (" " if spaced and follows else ""), len(after) - len(rest)


def _code_spans(line: str) -> list[tuple[int, int]]:
    """Where the line's inline code spans are (a backtick run up to the next run as long)."""
    spans: list[tuple[int, int]] = []
    runs = list(_BACKTICKS.finditer(line))
    i = 0
    while i < len(runs):
        opening = runs[i]
        close = next((j for j in range(i + 1, len(runs))
                      if len(runs[j][0]) == len(opening[0])), None)
        if close is None:
            i += 1
            continue
        spans.append((opening.start(), runs[close].end()))
        i = close + 1
    return spans
