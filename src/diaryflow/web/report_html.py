"""A report's Markdown as safe HTML (a placeholder: the text, escaped, in a <pre>)."""

from __future__ import annotations

import html


def render_report(markdown: str) -> str:
    """``markdown`` escaped inside ``<pre>``: nothing in it can run or style the page."""
    return f"<pre class=\"report-source\">{html.escape(markdown)}</pre>"
