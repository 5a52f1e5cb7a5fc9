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
    unique = list(dict.fromkeys(roots))
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="flowus") as pool:
        fetch = _Fetch(client, pool, unique, on_root_done)
        fetch.run()
    return {
        root: fetch.missing[root] if root in fetch.missing else build_tree(fetch.children, root)
        for root in unique
    }


class _Fetch:
    """The children lists of several trees, requested as soon as their parent is known."""

    def __init__(self, client: FlowUsClient, pool: ThreadPoolExecutor, roots: list[str],
                 on_root_done: Callable[[str], None] | None) -> None:
        self.client = client
        self.pool = pool
        self.roots = roots
        self.on_root_done = on_root_done
        self.children: RawChildren = {}
        self.missing: dict[str, MissingPage] = {}
        self.outstanding = dict.fromkeys(roots, 0)
        self.pending: dict[Future[list[dict[str, Any]]], tuple[str, str]] = {}
        self.seen: set[str] = set()

    def run(self) -> None:
        """Fetch until every tree is complete; on any failure, cancel what is queued."""
        for root in self.roots:
            self._submit(root, root)
        try:
            while self.pending:
                done, _ = wait(self.pending, return_when=FIRST_COMPLETED)
                for future in done:
                    self._settle(future)
        except BaseException:
            for future in self.pending:
                future.cancel()
            raise

    def _submit(self, block_id: str, root: str) -> None:
        if block_id in self.seen:
            return  # a block listed twice must not send us round in circles
        self.seen.add(block_id)
        self.outstanding[root] += 1
        self.pending[self.pool.submit(_list_all, self.client, block_id)] = (block_id, root)

    def _settle(self, future: Future[list[dict[str, Any]]]) -> None:
        block_id, root = self.pending.pop(future)
        self.outstanding[root] -= 1
        items = _result(future, block_id, root, self.missing)
        if root not in self.missing:
            self.children[block_id] = items
            for item in items:
                if _has_subtree(item):
                    self._submit(str(item["id"]), root)
        if self.outstanding[root] == 0 and self.on_root_done is not None:
            self.on_root_done(root)


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
