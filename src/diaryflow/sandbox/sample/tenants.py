"""Per-tenant copies of the sample workspace: every id remapped, every diary entry marked.

Tenant ``n``'s copy is the sample shifted to ``end_date``, with every UUID in it (pages,
databases, blocks, users, the space, and the ids inside relations, mentions and links)
replaced by a UUID derived from the original and ``n``, and every diary entry carrying
:func:`tenant_marker` in its title and in a first paragraph. The JSON is shifted and split
once per end date, so a copy costs one ``json.loads``.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import marshal
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from diaryflow.sandbox.flowus.timestamps import today_shanghai
from diaryflow.sandbox.flowus.workspace import Workspace
from diaryflow.sandbox.sample import ids as s
from diaryflow.sandbox.sample.load import sample_workspace
from diaryflow.sandbox.sample.markup import text_items

JSON = Any
UUID_RE = re.compile(rb"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
# Clears the version nibble and the variant bits, so remapped ids stay version-5 UUIDs.
KEEP_VERSION = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)


@dataclass(frozen=True)
class TenantCopy:
    """One tenant's workspace, its remapped diary database and root page ids, and its marker."""

    number: int
    workspace: Workspace
    diary_database_id: str
    root_page_id: str
    marker: str


def tenant_marker(number: int) -> str:
    """The text every diary entry of tenant ``number`` carries (bracketed: 1 is not in 10)."""
    return f"【租户{number}】"


def tenant_token(number: int) -> str:
    """A FlowUs token for tenant ``number`` in tests and benchmarks."""
    return f"sandbox-token-tenant-{number}"


def tenant_id(original: str, number: int) -> str:
    """The id that ``original`` (a UUID) gets in tenant ``number``'s copy.

    The UUID's bits are XORed with a mask hashed from ``number`` (version and variant bits
    kept): one-to-one within a tenant, never the original, and cheap enough for 500 copies.
    """
    value = int(original.replace("-", ""), 16) ^ _mask(number)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@functools.lru_cache(maxsize=4096)
def _mask(number: int) -> int:
    digest = hashlib.sha1(f"diaryflow-sandbox-tenant:{number}".encode()).digest()
    mask = int.from_bytes(digest[:16], "big") & KEEP_VERSION
    return mask or 1


@functools.cache
def _template(
    end_date: date,
) -> tuple[Callable[[bytes], JSON], tuple[bytes, ...], tuple[bytes, ...]]:
    """The shifted sample serialised and split around its UUIDs, its loader, the distinct UUIDs.

    ``marshal`` loads twice as fast as JSON; it is used when its bytes hold exactly the JSON's
    UUIDs in the same order (so replacing them, same length, keeps it valid), else JSON is.
    """
    text = json.dumps(sample_workspace(end_date).to_json(), ensure_ascii=False).encode()
    loader: Callable[[bytes], JSON] = json.loads
    parts = UUID_RE.split(text)
    packed = UUID_RE.split(marshal.dumps(json.loads(text)))
    if packed[1::2] == parts[1::2]:
        loader, parts = marshal.loads, packed
    return loader, tuple(parts), tuple(sorted(set(parts[1::2])))


def tenant_workspace(number: int, end_date: date | None = None) -> TenantCopy:
    """Build tenant ``number``'s copy of the sample, newest diary day on ``end_date`` (today)."""
    loader, parts, originals = _template(end_date or today_shanghai())
    mapping = {original: tenant_id(original.decode(), number).encode() for original in originals}
    pieces = list(parts)
    pieces[1::2] = [mapping[original] for original in parts[1::2]]
    data: dict[str, JSON] = loader(b"".join(pieces))
    diary_id = mapping[s.DIARY_DATABASE_ID.encode()].decode()
    marker = tenant_marker(number)
    for page in data["pages"]:
        if page["parent"].get("database_id") == diary_id:
            _mark(page, marker)
    root_id = mapping[s.ROOT_PAGE_ID.encode()].decode()
    return TenantCopy(number, Workspace(data), diary_id, root_id, marker)


def tenant_workspaces(count: int, end_date: date | None = None) -> list[TenantCopy]:
    """Build the copies of tenants 1 to ``count`` (the collector paused: they are all kept)."""
    end = end_date or today_shanghai()
    paused = gc.isenabled()
    gc.disable()
    try:
        return [tenant_workspace(number, end) for number in range(1, count + 1)]
    finally:
        if paused:
            gc.enable()


def _mark(page: dict[str, JSON], marker: str) -> None:
    """Put the marker in front of an entry's title and in a paragraph opening its body."""
    title = next(v for v in page["properties"].values() if v.get("type") == "title")["title"]
    if title:
        first = title[0]
        first["text"]["content"] = f"{marker}{first['text']['content']}"
        first["plain_text"] = f"{marker}{first['plain_text']}"
    else:
        title.extend(text_items(marker))
    block_id = tenant_id(page["id"], -1)  # page ids already differ per tenant
    rich_text = text_items(f"{marker}这是{marker}的日记。")
    paragraph = {"rich_text": rich_text, "text_color": "default", "background_color": "default"}
    page.setdefault("children", []).insert(
        0, {"id": block_id, "type": "paragraph", "data": paragraph}
    )
