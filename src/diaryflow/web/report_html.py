"""A report's Markdown as safe HTML for the dashboard, and one report picked out of local.md."""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from diaryflow.publish.local_copy import sections

TAGS = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "table", "thead", "tbody", "tr",
    "th", "td", "pre", "code", "blockquote", "a", "strong", "em", "del", "s", "hr", "br",
})  # fmt: skip
SCHEMES = frozenset({"http", "https", "mailto"})
_ALIGN = {f"text-align:{side}": f"align-{side}" for side in ("left", "center", "right")}
_CLASSES = {"pre": {"mermaid"}, "th": set(_ALIGN.values()), "td": set(_ALIGN.values())}


def render_report(markdown: str) -> str:
    """The report as HTML with only safe tags, http/https/mailto links and Mermaid blocks."""
    raw = _parser().render(markdown)
    return nh3.clean(
        raw,
        tags=set(TAGS),
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template"},
        attributes={"a": {"href"}, "ol": {"start"}, "*": set()},
        allowed_classes={tag: set(names) for tag, names in _CLASSES.items()},
        url_schemes=set(SCHEMES),
        url_relative="deny",
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    )


def split_reports(local_md: str) -> dict[tuple[str, str], str]:
    """Every report in a local.md by (job, period), newest first, without its marker line."""
    found: dict[tuple[str, str], str] = {}
    for key, text in sections(local_md):
        if key is not None and key not in found:
            found[key] = text.split("\n", 1)[1].lstrip("\n") if "\n" in text else ""
    return found


def find_report(local_md: str, job: str, period: str) -> str | None:
    """The Markdown of the (job, period) report in a local.md, or None when it holds none."""
    return split_reports(local_md).get((job, period))


@functools.cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.add_render_rule("fence", _fence)
    md.core.ruler.push("table_align_class", _align_classes)
    return md


def _fence(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A ``mermaid`` fence as ``<pre class="mermaid">`` for the browser to draw; others as code."""
    token = tokens[idx]
    words = token.info.split(maxsplit=1)
    if words and words[0].lower() == "mermaid":
        return f'<pre class="mermaid">{html.escape(token.content)}</pre>\n'
    return f"<pre><code>{html.escape(token.content)}</code></pre>\n"


def _align_classes(state: StateCore) -> None:
    """Table cell alignment as a class: style attributes never reach the page."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style in _ALIGN:
                token.attrs["class"] = _ALIGN[style]
