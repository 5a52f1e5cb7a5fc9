"""Publish a report as exactly one FlowUs page per (job, period), replacing it on re-runs."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from diaryflow.blocks import BlockSpec, batches
from diaryflow.blocks_inline import plain_items
from diaryflow.errors import (
    FlowUsError,
    FlowUsForbidden,
    FlowUsNotFound,
    FlowUsTransportError,
    PublishError,
)
from diaryflow.flowus import FlowUsClient
from diaryflow.records import forget_report_page, report_page, save_report_page
from diaryflow.store import Store

log = logging.getLogger("diaryflow.publish")


@dataclass(frozen=True)
class PageTarget:
    """Where and under which name a period's report page lives."""

    job: str
    period: str
    parent_page_id: str
    title: str
    icon_emoji: str | None = None


@dataclass(frozen=True)
class Published:
    """The page a report was written to."""

    page_id: str
    url: str | None
    created: bool
    blocks_written: int


def publish(
    client: FlowUsClient, store: Store, target: PageTarget, blocks: Sequence[BlockSpec]
) -> Published:
    """Write ``blocks`` as the whole content of the period's page, creating it only if needed.

    The page id is recorded before any content is written; an existing page gets the new
    blocks appended first and the old ones deleted after, so it is never left empty.
    """
    if not blocks:
        raise PublishError("the report is empty; nothing was published")
    page_id, url, created = _page_for(client, store, target)
    old = [str(b["id"]) for b in client.list_children(page_id) if isinstance(b.get("id"), str)]
    written = append_tree(client, page_id, blocks)
    for block_id in old:
        with contextlib.suppress(FlowUsNotFound):  # already gone is what we wanted
            client.delete_block(block_id)
    save_report_page(store, target.job, target.period, page_id, url, complete=True)
    return Published(page_id, url, created, written)


def append_tree(client: FlowUsClient, parent_id: str, blocks: Sequence[BlockSpec]) -> int:
    """Append blocks under ``parent_id`` (≤ 100 a call), then each block's children under it."""
    written = 0
    for batch in batches(blocks, 100):
        created = client.append_children(parent_id, [spec.to_api() for spec in batch])
        if len(created) != len(batch):
            raise PublishError(
                f"FlowUs created {len(created)} of {len(batch)} blocks under {parent_id}"
            )
        written += len(batch)
        for spec, made in zip(batch, created, strict=True):
            if spec.children:
                written += append_tree(client, str(made["id"]), spec.children)
    return written


def _page_for(
    client: FlowUsClient, store: Store, target: PageTarget
) -> tuple[str, str | None, bool]:
    """The period's page: the recorded one, one found under the parent, or a new one."""
    known = report_page(store, target.job, target.period)
    if known is not None:
        try:
            page = client.get_page(known.page_id)
            if not page.get("archived"):
                return known.page_id, known.url, False
        except (FlowUsNotFound, FlowUsForbidden):
            pass
        log.warning("the report page %s of %s is gone; making a new one", known.page_id,
                    target.period)
        forget_report_page(store, target.job, target.period)
    found = find_child_page(client, target.parent_page_id, target.title)
    if found is not None:
        save_report_page(store, target.job, target.period, found, None, complete=False)
        return found, None, False
    return _create(client, store, target)


def find_child_page(client: FlowUsClient, parent_id: str, title: str) -> str | None:
    """The id of a live sub-page of ``parent_id`` titled ``title`` (a create we lost track of)."""
    try:
        children = list(client.list_children(parent_id))
    except (FlowUsNotFound, FlowUsForbidden) as error:
        raise PublishError(
            f"flowus.parent_page_id = \"{parent_id}\": the page cannot be read "
            f"(HTTP {error.status}); share it with the integration"
        ) from error
    for block in children:
        data = block.get("data") or block.get("child_page") or {}
        if block.get("type") != "child_page" or data.get("title") != title:
            continue
        try:
            if not client.get_page(str(block["id"])).get("archived"):
                return str(block["id"])
        except (FlowUsNotFound, FlowUsForbidden):
            continue
    return None


def _create(
    client: FlowUsClient, store: Store, target: PageTarget
) -> tuple[str, str | None, bool]:
    title = plain_items(target.title)
    icon = {"type": "emoji", "emoji": target.icon_emoji} if target.icon_emoji else None
    try:
        page = client.create_page(
            {"type": "page_id", "page_id": target.parent_page_id},
            {"title": {"type": "title", "title": title}},
            icon,
        )
    except FlowUsTransportError:
        # The create may have happened: look before anyone creates again.
        found = find_child_page(client, target.parent_page_id, target.title)
        if found is None:
            raise
        page = {"id": found, "parent": {"type": "page_id", "page_id": target.parent_page_id}}
    page_id = str(page.get("id") or "")
    if not page_id:
        raise PublishError("FlowUs answered the page creation without a page id")
    _check_parent(client, page, page_id, target.parent_page_id)
    url = page.get("url") if isinstance(page.get("url"), str) else None
    save_report_page(store, target.job, target.period, page_id, url, complete=False)
    return page_id, url, True


def _check_parent(
    client: FlowUsClient, page: dict[str, Any], page_id: str, parent_id: str
) -> None:
    """FlowUs silently files a page elsewhere when the parent is wrong: undo that and say so."""
    parent = page.get("parent") or {}
    got = str(parent.get("page_id") or "").replace("-", "").lower()
    if parent.get("type") == "page_id" and got == parent_id.replace("-", "").lower():
        return
    try:
        client.update_page(page_id, {"archived": True})
    except FlowUsError as error:
        log.warning("could not archive the misplaced page %s: %s", page_id, error)
    raise PublishError(
        f"flowus.parent_page_id = \"{parent_id}\": FlowUs put the new page elsewhere "
        f"({parent.get('type', 'unknown parent')}); the page does not exist or is not shared "
        "with the integration. The misplaced page was archived."
    )
