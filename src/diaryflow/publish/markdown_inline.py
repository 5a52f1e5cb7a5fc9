"""Inline Markdown (markdown-it tokens) as FlowUs rich-text items of ≤ 2000 UTF-16 units."""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, NamedTuple

from markdown_it.token import Token

MAX_TEXT = 2000  # the API counts UTF-16 code units, as JavaScript does
_ZWJ = "\u200d"
_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<!--.*?-->|<[A-Za-z/!?][^>]*>", re.DOTALL)
_MARKS = {"strong": "bold", "em": "italic", "s": "strikethrough"}
_MARK_TOKENS = {
    f"{name}_{end}": (mark, step)
    for name, mark in _MARKS.items()
    for end, step in (("open", 1), ("close", -1))
}


class Style(NamedTuple):
    """Annotations and link shared by a run of text."""

    bold: bool = False
    italic: bool = False
    strikethrough: bool = False
    code: bool = False
    link: str | None = None


class Run(NamedTuple):
    """Text with one style; runs become rich-text items."""

    text: str
    style: Style = Style()


PLAIN = Style()


class Image(NamedTuple):
    """An inline image lifted out of its paragraph into an image block."""

    url: str
    alt: str


def clean(text: str) -> str:
    """Join surrogate code points that form a pair and replace lone ones with U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the way the API measures rich text."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split into pieces of ≤ ``limit`` UTF-16 units, between grapheme clusters where possible."""
    pieces: list[str] = []
    start, size = 0, len(text)
    while start < size:
        end, used = start, 0
        while end < size:
            units = 2 if ord(text[end]) > 0xFFFF else 1
            if used + units > limit:
                break
            used += units
            end += 1
        if end < size:
            end = _cluster_start(text, start, end)
        end = max(end, start + 1)  # only a limit below 2 could stall on an astral character
        pieces.append(text[start:end])
        start = end
    return pieces


def _cluster_start(text: str, start: int, end: int) -> int:
    """The last grapheme boundary in ``(start, end]``, or ``end`` if one cluster fills it all."""
    cut = end
    while cut > start and not _is_boundary(text, cut, start):
        cut -= 1
    return cut if cut > start else end


def _is_boundary(text: str, i: int, start: int) -> bool:
    """UAX #29 grapheme rules, simplified (no Prepend, ZWJ joins whatever follows it)."""
    prev, cur = text[i - 1], text[i]
    if prev == "\r" and cur == "\n":
        return False
    if _is_control(prev) or _is_control(cur):
        return True
    if _extends(cur) or prev == _ZWJ or _hangul_joins(prev, cur):
        return False
    if _is_regional(prev) and _is_regional(cur):
        # Flags are pairs of regional indicators: cut only after an even number of them.
        run = 0
        while i - run - 1 >= start and _is_regional(text[i - run - 1]):
            run += 1
        return run % 2 == 0
    return True


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def _extends(ch: str) -> bool:
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or code in (0x200C, 0x200D, 0xFF9E, 0xFF9F)
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences (subdivision flags)
    )


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _hangul(ch: str) -> str:
    code = ord(ch)
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    return ""


def _hangul_joins(prev: str, cur: str) -> bool:
    before, after = _hangul(prev), _hangul(cur)
    if before == "L":
        return after in ("L", "V", "LV", "LVT")
    if before in ("LV", "V"):
        return after in ("V", "T")
    return before in ("LVT", "T") and after == "T"


def text_item(content: str, style: Style = PLAIN) -> dict[str, Any]:
    """One rich-text item in the full shape the API returns (``type`` always sent)."""
    link = style.link or None
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link else None},
        "annotations": {
            "bold": style.bold,
            "italic": style.italic,
            "strikethrough": style.strikethrough,
            "underline": False,
            "code": style.code,
            "color": "default",
        },
        "plain_text": content,
        "href": link,
    }


def rich_text(runs: Iterable[Run]) -> list[dict[str, Any]]:
    """Rich-text items for runs: equal neighbours merged, long text split at the limit."""
    items: list[dict[str, Any]] = []
    for style, group in itertools.groupby((r for r in runs if r.text), key=lambda r: r.style):
        text = "".join(run.text for run in group)
        items.extend(text_item(piece, style) for piece in split_text(text))
    return items


def plain_items(text: str) -> list[dict[str, Any]]:
    """Rich-text items for unformatted text (code bodies, captions)."""
    return rich_text([Run(text)])


def inline_runs(inline: Token | None, images: list[Image] | None) -> list[Run]:
    """Runs of an ``inline`` token; images go to ``images``, or become linked alt text if None."""
    out: list[Run] = []
    marks = dict.fromkeys(_MARKS.values(), 0)
    links: list[tuple[str, int]] = []  # open links: URL and where their text starts in ``out``
    # A flat walk with counters: emphasis nests without limit, so recursion could overflow.
    for token in (inline.children or []) if inline is not None else []:
        kind = token.type
        link = next((url for url, _ in reversed(links) if url), None)
        style = Style(
            marks["bold"] > 0, marks["italic"] > 0, marks["strikethrough"] > 0, False, link
        )
        if kind == "text":
            out.append(Run(token.content, style))
        elif kind == "code_inline":
            out.append(Run(token.content, style._replace(code=True)))
        elif kind in ("softbreak", "hardbreak"):
            out.append(Run("\n", style))
        elif kind in _MARK_TOKENS:
            mark, step = _MARK_TOKENS[kind]
            marks[mark] = max(marks[mark] + step, 0)
        elif kind == "link_open":
            links.append((str(token.attrs.get("href") or ""), len(out)))
        elif kind == "link_close" and links:
            url, start = links.pop()
            if url and not any(run.text.strip() for run in out[start:]):
                # A link whose text is empty (or was an image, now its own block) shows its URL.
                out.append(Run(url, style._replace(link=url)))
        elif kind == "image":
            _image(token, style, out, images)
        elif kind == "html_inline":
            if _BREAK_TAG.fullmatch(token.content.strip()):
                out.append(Run("\n", style))
        elif token.content:
            out.append(Run(token.content, style))
    return trim(out)


def _image(token: Token, style: Style, out: list[Run], images: list[Image] | None) -> None:
    src, alt = str(token.attrs.get("src") or ""), alt_text(token)
    if images is not None and src:
        images.append(Image(src, alt))
        if out and not out[-1].style.code:
            # The space that set the image apart would otherwise dangle before a line break.
            out[-1] = out[-1]._replace(text=out[-1].text.rstrip(" \t"))
    elif alt or src:
        out.append(Run(alt or src, style._replace(link=src or style.link)))


def alt_text(image: Token) -> str:
    """An image's alt text as plain text (markup inside it dropped)."""
    parts: list[str] = []
    pending = list(reversed(image.children or []))
    while pending:
        token = pending.pop()
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.children:
            pending.extend(reversed(token.children))
    return "".join(parts)


def trim(runs: list[Run]) -> list[Run]:
    """Strip whitespace at both ends (left behind by lifted images), never inside code."""
    out = [run for run in runs if run.text]
    while out and not out[0].style.code and not out[0].text.strip():
        out.pop(0)
    while out and not out[-1].style.code and not out[-1].text.strip():
        out.pop()
    if out and not out[0].style.code:
        out[0] = out[0]._replace(text=out[0].text.lstrip())
    if out and not out[-1].style.code:
        out[-1] = out[-1]._replace(text=out[-1].text.rstrip())
    return out


def html_text(raw: str) -> str:
    """The visible text of raw HTML: tags and comments dropped, ``<br>`` kept as a line break."""
    text = html.unescape(_TAG.sub("", _BREAK_TAG.sub("\n", raw)))
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())
