"""FlowUs API client: the endpoints diaryflow uses, with pagination as generators."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from diaryflow.errors import FlowUsMalformedResponse
from diaryflow.flowus.pacing import Limiter
from diaryflow.flowus.transport import FlowUsHTTP

MAX_PAGE_SIZE = 100
MAX_APPEND = 100
_ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")

Fetch = Callable[[str | None], Any]


def paginate(fetch: Fetch, what: str) -> Iterator[dict[str, Any]]:
    """Yield every result of a paginated list, following ``next_cursor`` while ``has_more``.

    An empty page with ``has_more`` is followed too (FlowUs has been seen to answer one).
    """
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch(cursor)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise FlowUsMalformedResponse(f"{what}: expected a list object, got {_kind(page)}")
        for item in page["results"]:
            if isinstance(item, dict):
                yield item
        if not page.get("has_more"):
            return
        cursor = page.get("next_cursor")
        if not isinstance(cursor, str) or not cursor:
            raise FlowUsMalformedResponse(f"{what}: has_more is true but next_cursor is missing")
        if cursor in seen:
            raise FlowUsMalformedResponse(f"{what}: the server repeated cursor {cursor!r}")
        seen.add(cursor)


def _kind(value: Any) -> str:
    return type(value).__name__ if not isinstance(value, dict) else "an object without results"


def _seg(object_id: str) -> str:
    """An id made safe to put in a URL path (ids are opaque, but never path syntax)."""
    if not _ID.match(object_id):
        raise ValueError(f"not a FlowUs id: {object_id!r}")
    return quote(object_id, safe="-")


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FlowUsMalformedResponse(f"{what}: expected a JSON object, got {_kind(value)}")
    return value


class FlowUsClient:
    """The FlowUs endpoints the pipeline needs; safe to share between threads."""

    def __init__(self, http: FlowUsHTTP) -> None:
        self.http = http

    @classmethod
    def connect(
        cls,
        token: str,
        base_url: str,
        *,
        read_limiter: Limiter | None = None,
        write_limiter: Limiter | None = None,
        **options: Any,
    ) -> FlowUsClient:
        """Build a client for ``base_url`` authenticating with ``token``; given limiters
        (anything with ``acquire``/``pause``, e.g. shared budgets) replace its own pacing."""
        return cls(FlowUsHTTP(token, base_url, read_limiter=read_limiter,
                              write_limiter=write_limiter, **options))

    def close(self) -> None:
        """Release the connections."""
        self.http.close()

    def __enter__(self) -> FlowUsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def requests_sent(self) -> int:
        """How many HTTP requests this client has sent (retries included)."""
        return self.http.requests_sent

    @property
    def rate_limited(self) -> int:
        """How many of those requests FlowUs answered with 429 (too many requests)."""
        return self.http.rate_limited

    def me(self) -> dict[str, Any]:
        """The integration's user (a cheap check that the token works)."""
        return _object(self.http.request("GET", "/users/me"), "users/me")

    def get_database(self, database_id: str) -> dict[str, Any]:
        """A database's title and property schema."""
        path = f"/databases/{_seg(database_id)}"
        return _object(self.http.request("GET", path), path)

    def query_database(
        self,
        database_id: str,
        *,
        page_size: int = MAX_PAGE_SIZE,
        created_after: datetime | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every page of a database; ``created_after`` is sent only as a server hint."""
        path = f"/databases/{_seg(database_id)}/query"
        body: dict[str, Any] = {"page_size": max(1, min(page_size, MAX_PAGE_SIZE))}
        if created_after is not None:
            body["after_created_at"] = int(created_after.timestamp() * 1000)

        def fetch(cursor: str | None) -> Any:
            page_body = {**body, "start_cursor": cursor} if cursor else body
            return self.http.request("POST", path, body=page_body)

        return paginate(fetch, path)

    def get_page(self, page_id: str) -> dict[str, Any]:
        """A page's properties, parent and timestamps."""
        path = f"/pages/{_seg(page_id)}"
        return _object(self.http.request("GET", path), path)

    def create_page(
        self,
        parent: Mapping[str, str],
        properties: Mapping[str, Any],
        icon: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a page; never retried unless the server provably did not act on it."""
        body: dict[str, Any] = {"parent": dict(parent), "properties": dict(properties)}
        if icon is not None:
            body["icon"] = dict(icon)
        return _object(self.http.request("POST", "/pages", body=body, idempotent=False), "pages")

    def update_page(self, page_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Partially update a page's properties, icon or archived flag."""
        path = f"/pages/{_seg(page_id)}"
        return _object(self.http.request("PATCH", path, body=dict(changes)), path)

    def get_block(self, block_id: str) -> dict[str, Any]:
        """One block."""
        path = f"/blocks/{_seg(block_id)}"
        return _object(self.http.request("GET", path), path)

    def list_children(
        self, block_id: str, *, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[dict[str, Any]]:
        """Every direct child of a block or page, across all pages of results."""
        path = f"/blocks/{_seg(block_id)}/children"
        size = max(1, min(page_size, MAX_PAGE_SIZE))

        def fetch(cursor: str | None) -> Any:
            params: dict[str, Any] = {"page_size": size}
            if cursor:
                params["start_cursor"] = cursor
            return self.http.request("GET", path, params=params)

        return paginate(fetch, path)

    def append_children(
        self, block_id: str, children: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Append up to 100 blocks under a block or page; returns the created blocks."""
        if not 0 < len(children) <= MAX_APPEND:
            raise ValueError(f"append takes 1 to {MAX_APPEND} blocks, got {len(children)}")
        path = f"/blocks/{_seg(block_id)}/children"
        answer = self.http.request(
            "PATCH", path, body={"children": [dict(c) for c in children]}, idempotent=False
        )
        results = _object(answer, path).get("results")
        if not isinstance(results, list):
            raise FlowUsMalformedResponse(f"{path}: the answer has no results list")
        return [r for r in results if isinstance(r, dict)]

    def update_block(self, block_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Update one block's data."""
        path = f"/blocks/{_seg(block_id)}"
        return _object(self.http.request("PATCH", path, body=dict(changes)), path)

    def delete_block(self, block_id: str) -> None:
        """Delete a block and its subtree."""
        self.http.request("DELETE", f"/blocks/{_seg(block_id)}")

    def search(
        self, query: str = "", *, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[dict[str, Any]]:
        """Pages visible to the integration whose title matches ``query`` (all for "")."""
        size = max(1, min(page_size, MAX_PAGE_SIZE))

        def fetch(cursor: str | None) -> Any:
            body: dict[str, Any] = {"query": query, "page_size": size}
            if cursor:
                body["start_cursor"] = cursor
            return self.http.request("POST", "/search", body=body)

        return paginate(fetch, "/search")
