"""Publish a report as exactly one FlowUs page per (job, period), replacing it on re-runs."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from diaryflow.errors import (
    FlowUsError,
    FlowUsForbidden,
    FlowUsMalformedResponse,
    FlowUsNotFound,
    FlowUsServerError,
    FlowUsTransportError,
    PublishError,
)
from diaryflow.flowus.client import FlowUsClient
from diaryflow.flowus.retry import retry_delay
from diaryflow.publish.markdown_blocks import BlockSpec, batches
from diaryflow.publish.markdown_inline import plain_items
from diaryflow.publish.page_origin import (
    CREATOR_KEY,
    create_noted,
    is_ours,
    note_create,
    remember_creator,
    settle_create,
)
from diaryflow.state.runs import forget_report_page, report_page, save_report_page
from diaryflow.state.store import Store

log = logging.getLogger("diaryflow.publish")
# A write that failed in one of these ways may have been carried out: look before repeating it.
LOST_ANSWER = (FlowUsServerError, FlowUsTransportError, FlowUsMalformedResponse)
WRITE_ATTEMPTS = 5
T = TypeVar("T")


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
    written = append_tree(client, page_id, blocks, existing=len(old))
    for block_id in old:
        with contextlib.suppress(FlowUsNotFound):  # already gone is what we wanted
            client.delete_block(block_id)
    save_report_page(store, target.job, target.period, page_id, url, complete=True)
    return Published(page_id, url, created, written)


def append_tree(
    client: FlowUsClient, parent_id: str, blocks: Sequence[BlockSpec], existing: int = 0
) -> int:
    """Append blocks under ``parent_id`` (≤ 100 a call), then each block's children under it.

    ``existing`` is how many children the parent already has: an append whose answer was
    lost is settled by counting them again.
    """
    written = 0
    for batch in batches(blocks, 100):
        created = _append(client, parent_id, batch, existing)
        existing += len(batch)
        written += len(batch)
        for spec, made in zip(batch, created, strict=True):
            if spec.children:
                written += append_tree(client, str(made["id"]), spec.children)
    return written


def _append(
    client: FlowUsClient, parent_id: str, batch: Sequence[BlockSpec], before: int
) -> list[dict[str, Any]]:
    """One append call; when its answer is lost, the parent's children tell whether it landed."""
    payload = [spec.to_api() for spec in batch]
    created = settled_write(
        lambda: client.append_children(parent_id, payload),
        lambda: _landed(client, parent_id, batch, before),
        f"the append of {len(batch)} blocks",
    )
    if len(created) != len(batch):
        raise PublishError(
            f"FlowUs created {len(created)} of {len(batch)} blocks under {parent_id}"
        )
    return created


def settled_write(send: Callable[[], T], look: Callable[[], T | None], what: str) -> T:
    """Send a write that is never repeated blindly, up to :data:`WRITE_ATTEMPTS` times.

    When its answer is lost, ``look`` says whether it happened (its result) or not (None:
    it is sent again).
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return send()
        except LOST_ANSWER as error:
            if attempt == WRITE_ATTEMPTS:
                raise
            time.sleep(retry_delay(attempt))
            found = look()
            if found is not None:
                log.warning("%s; %s happened all the same", error, what)
                return found
            log.warning("%s; %s did not happen, sending it again", error, what)


def _landed(
    client: FlowUsClient, parent_id: str, batch: Sequence[BlockSpec], before: int
) -> list[dict[str, Any]] | None:
    """The blocks a lost append made, or None when it made none."""
    children = list(client.list_children(parent_id))
    tail = children[before:]
    if not tail and len(children) == before:
        return None
    if len(tail) == len(batch) and [b.get("type") for b in tail] == [s.type for s in batch]:
        return tail
    raise PublishError(
        f"an append to {parent_id} lost its answer and the block count is unexpected "
        f"({len(children)}, not {before} or {before + len(batch)}); a retry rewrites the page"
    )


def _page_for(
    client: FlowUsClient, store: Store, target: PageTarget
) -> tuple[str, str | None, bool]:
    """The period's page: the recorded one, one found under the parent, or a new one."""
    known = report_page(store, target.job, target.period)
    if known is not None:
        try:
            page = client.get_page(known.page_id)
            if not page.get("archived"):
                remember_creator(store, page)
                return known.page_id, known.url, False
        except (FlowUsNotFound, FlowUsForbidden):
            pass
        log.warning("the report page %s of %s is gone; making a new one", known.page_id,
                    target.period)
        forget_report_page(store, target.job, target.period)
    found = find_child_page(client, store, target)
    if found is not None:
        _record(store, target, found, None)
        return found, None, False
    return _create(client, store, target)


def find_child_page(client: FlowUsClient, store: Store, target: PageTarget) -> str | None:
    """The id of a live sub-page of the parent with the report's title that is ours.

    It is what a create whose answer was lost (or a crash right after it) left behind; see
    :func:`diaryflow.page_origin.is_ours` for which pages count.
    """
    parent_id, title = target.parent_page_id, target.title
    try:
        children = list(client.list_children(parent_id))
    except (FlowUsNotFound, FlowUsForbidden) as error:
        raise PublishError(
            f"flowus.parent_page_id = \"{parent_id}\": the page cannot be read "
            f"(HTTP {error.status}); share it with the integration"
        ) from error
    creator = store.get_meta(CREATOR_KEY)
    since = create_noted(store, target.job, target.period)
    for block in children:
        data = block.get("data") or block.get("child_page") or {}
        if block.get("type") != "child_page" or data.get("title") != title:
            continue
        try:
            page = client.get_page(str(block["id"]))
        except (FlowUsNotFound, FlowUsForbidden):
            continue
        if is_ours(page, creator, since):
            return str(block["id"])
        log.info("page %s is titled %s but was not made by this run; left alone", block["id"],
                 title)
    return None


def _create(
    client: FlowUsClient, store: Store, target: PageTarget
) -> tuple[str, str | None, bool]:
    """Create the period's page; a create whose answer was lost is looked for, not repeated."""
    title = plain_items(target.title)
    icon = {"type": "emoji", "emoji": target.icon_emoji} if target.icon_emoji else None
    parent = {"type": "page_id", "page_id": target.parent_page_id}
    note_create(store, target.job, target.period, store.clock())

    def send() -> dict[str, Any]:
        made = client.create_page(parent, {"title": {"type": "title", "title": title}}, icon)
        remember_creator(store, made)
        return made

    def look() -> dict[str, Any] | None:
        found = find_child_page(client, store, target)
        return None if found is None else {"id": found, "parent": parent}

    page = settled_write(send, look, f"the creation of 「{target.title}」")
    page_id = str(page.get("id") or "")
    if not page_id:
        raise PublishError("FlowUs answered the page creation without a page id")
    _check_parent(client, page, page_id, target.parent_page_id)
    url = page.get("url") if isinstance(page.get("url"), str) else None
    _record(store, target, page_id, url)
    return page_id, url, True


def _record(store: Store, target: PageTarget, page_id: str, url: str | None) -> None:
    """Keep the page's id before anything is written into it; the create is then settled."""
    save_report_page(store, target.job, target.period, page_id, url, complete=False)
    settle_create(store, target.job, target.period)


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
