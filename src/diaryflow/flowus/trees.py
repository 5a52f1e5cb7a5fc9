"""Fetch whole block trees with bounded concurrency, one children list per request."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from diaryflow.diary import Block, MissingPage, parse_block
from diaryflow.errors import FlowUsForbidden, FlowUsNotFound
from diaryflow.flowus.client import FlowUsClient

log = logging.getLogger("diaryflow.collect")

# These blocks stand for other pages or databases: their content is not part of this page.
OPAQUE_TYPES = frozenset({"child_page", "child_database"})

RawChildren = dict[str, list[dict[str, Any]]]


def fetch_trees(
    client: FlowUsClient,
    roots: Sequence[str],
    workers: int,
    on_root_done: Callable[[str], None] | None = None,
) -> dict[str, tuple[Block, ...] | MissingPage]:
    """The block tree of every root page; a root that is gone (403/404) maps to MissingPage.

    Every block with children costs one request per page of children; the requests of all
    roots share one pool of ``workers`` threads, so many trees are fetched at once.
    """
    children: RawChildren = {}
    missing: dict[str, MissingPage] = {}
    outstanding = dict.fromkeys(roots, 0)
    pending: dict[Future[list[dict[str, Any]]], tuple[str, str]] = {}
    seen: set[str] = set()
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="flowus") as pool:

        def submit(block_id: str, root: str) -> None:
            if block_id in seen:
                return  # a block listed twice must not send us round in circles
            seen.add(block_id)
            outstanding[root] += 1
            pending[pool.submit(_list_all, client, block_id)] = (block_id, root)

        for root in dict.fromkeys(roots):
            submit(root, root)
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    block_id, root = pending.pop(future)
                    outstanding[root] -= 1
                    items = _result(future, block_id, root, missing)
                    if root not in missing:
                        children[block_id] = items
                        for item in items:
                            if _has_subtree(item):
                                submit(str(item["id"]), root)
                    if outstanding[root] == 0 and on_root_done is not None:
                        on_root_done(root)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return {
        root: missing[root] if root in missing else build_tree(children, root)
        for root in dict.fromkeys(roots)
    }


def _list_all(client: FlowUsClient, block_id: str) -> list[dict[str, Any]]:
    return list(client.list_children(block_id))


def _result(
    future: Future[list[dict[str, Any]]],
    block_id: str,
    root: str,
    missing: dict[str, MissingPage],
) -> list[dict[str, Any]]:
    try:
        return future.result()
    except (FlowUsNotFound, FlowUsForbidden) as error:
        if block_id == root:
            reason = "deleted or not shared" if error.status == 404 else "not shared"
            missing[root] = MissingPage(root, error.status, f"{reason} ({error.api_message})")
        else:
            log.warning("block %s vanished while its page %s was read; skipped", block_id, root)
        return []


def _has_subtree(item: dict[str, Any]) -> bool:
    return (
        bool(item.get("has_children"))
        and isinstance(item.get("id"), str)
        and item.get("type") not in OPAQUE_TYPES
    )


def build_tree(
    children: RawChildren, parent_id: str, ancestors: frozenset[str] = frozenset()
) -> tuple[Block, ...]:
    """Assemble the fetched children lists into nested :class:`Block` objects."""
    inside = ancestors | {parent_id}
    return tuple(
        parse_block(raw, _subtree(children, raw.get("id"), inside))
        for raw in children.get(parent_id, [])
    )


def _subtree(
    children: RawChildren, block_id: object, ancestors: frozenset[str]
) -> tuple[Block, ...]:
    if not isinstance(block_id, str) or block_id in ancestors:
        return ()
    return build_tree(children, block_id, ancestors)
