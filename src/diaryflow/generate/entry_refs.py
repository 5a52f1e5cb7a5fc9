"""The run's entries numbered in date order (〔E1〕, 〔E2〕…), each with its title and page URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from diaryflow.collect.data_log import ordered_entries, section_title
from diaryflow.diary import PageDoc, Snapshot

# A page's address when the API gave none: FlowUs page URLs end in the page id.
FALLBACK_URL = "https://flowus.cn/{id}"
# Full-width brackets: never Markdown syntax, and rare in diary prose.
MARK = "〔{ref}〕"
_LABEL_MARKS = re.compile(r"([\\`*_\[\]<>~|$])")


@dataclass(frozen=True)
class EntryRef:
    """One entry as the report cites it: its reference, day, title and page URL."""

    ref: str  # "E3"
    day: date
    title: str
    url: str


def entry_refs(snapshot: Snapshot) -> list[EntryRef]:
    """Every entry of the snapshot, numbered from E1 in the order the model reads them."""
    return [
        EntryRef(f"E{number}", entry.day, section_title(entry.page), entry_url(entry.page))
        for number, entry in enumerate(ordered_entries(snapshot), 1)
    ]


def ref_marks(snapshot: Snapshot) -> dict[str, str]:
    """Page id → its mark (``〔E3〕``), for the headings of the model's input."""
    return {
        entry.page.id: MARK.format(ref=f"E{number}")
        for number, entry in enumerate(ordered_entries(snapshot), 1)
    }


def entry_url(page: PageDoc) -> str:
    """The page's URL as the API gave it, else the documented ``https://flowus.cn/<id>`` form."""
    url = (page.url or "").strip()
    if url.startswith(("https://", "http://")) and not any(c.isspace() for c in url):
        return url
    return FALLBACK_URL.format(id=page.id)


def link_label(text: str) -> str:
    """Plain text made safe as a Markdown link's text (no emphasis, code, brackets or pipes)."""
    return _LABEL_MARKS.sub(r"\\\1", text)
