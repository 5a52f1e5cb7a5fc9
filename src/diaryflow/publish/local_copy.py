"""The local copy of every report (``outputs/local.md``): newest first, one section a period."""

from __future__ import annotations

import re

MARK = "<!-- diaryflow:report job={job} period={period} -->"
_SECTION = re.compile(r"^<!-- diaryflow:report job=(\S+) period=(\S+) -->$", re.M)


def report_section(job: str, period: str, title: str, meta: str, markdown: str) -> str:
    """One report as a local.md section: a marker, its title, its metadata line, its text."""
    body = markdown.strip()
    return f"{MARK.format(job=job, period=period)}\n# {title}\n\n> {meta}\n\n{body}\n"


def add_report(existing: str, job: str, period: str, section: str) -> str:
    """Put ``section`` first; an older section of the same (job, period) is replaced."""
    kept = [
        text for (key, text) in sections(existing) if key != (job, period)
    ]
    return "\n---\n\n".join([section.rstrip("\n") + "\n", *kept]).rstrip("\n") + "\n"


def sections(text: str) -> list[tuple[tuple[str, str] | None, str]]:
    """Split a local.md into (key, text) sections; text before the first marker is kept too."""
    marks = list(_SECTION.finditer(text))
    if not marks:
        return [(None, text.strip() + "\n")] if text.strip() else []
    out: list[tuple[tuple[str, str] | None, str]] = []
    head = text[: marks[0].start()].strip().removesuffix("---").strip()
    if head:
        out.append((None, head + "\n"))
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        chunk = text[mark.start():end].strip()
        chunk = chunk.removesuffix("---").strip()
        out.append(((mark.group(1), mark.group(2)), chunk + "\n"))
    return out
