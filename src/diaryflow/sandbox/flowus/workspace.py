"""The sandbox's in-memory workspace: databases, pages, block trees, users and sharing.

The JSON it reads and writes is described in ``sandbox/WORKSPACE.md``.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from diaryflow.sandbox.flowus import timestamps

JSON = Any
FORMAT = "diaryflow-sandbox/1"


class Workspace:
    """A live, thread-safe workspace the sandbox serves and tests mutate."""

    def __init__(self, data: dict[str, JSON]) -> None:
        self.lock = threading.RLock()
        self.data = data
        self.pages: dict[str, dict[str, JSON]] = {}
        self.databases: dict[str, dict[str, JSON]] = {}
        self.blocks: dict[str, dict[str, JSON]] = {}
        self.parents: dict[str, str] = {}  # block id → id of the page or block holding it
        self._reindex()

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, JSON]) -> Workspace:
        """Load a workspace from a JSON file path or a dict (always a deep copy)."""
        if isinstance(source, Mapping):
            return cls(copy.deepcopy(dict(source)))
        return cls(json.loads(Path(source).read_text(encoding="utf-8")))

    def to_json(self) -> dict[str, JSON]:
        """Return a deep copy of the workspace in its JSON format."""
        with self.lock:
            out = copy.deepcopy(self.data)
            out["databases"] = copy.deepcopy(list(self.databases.values()))
            out["pages"] = copy.deepcopy(list(self.pages.values()))
            return out

    def _reindex(self) -> None:
        self.data.setdefault("format", FORMAT)
        self.databases = {db["id"]: db for db in self.data.pop("databases", [])}
        self.pages = {page["id"]: page for page in self.data.pop("pages", [])}
        self.blocks.clear()
        self.parents.clear()
        for page in self.pages.values():
            self._index_children(page["id"], page.get("children", []))

    def _index_children(self, parent_id: str, children: list[dict[str, JSON]]) -> None:
        for block in children:
            self.blocks[block["id"]] = block
            self.parents[block["id"]] = parent_id
            self._index_children(block["id"], block.get("children", []))

    @property
    def space_id(self) -> str:
        """The workspace (space) id, parent of pages created at the root."""
        return str(self.data["space_id"])

    @property
    def me(self) -> dict[str, JSON]:
        """The user record of the bot's creator."""
        return self.user(str(self.data["me"])) or {"id": self.data["me"]}

    def user(self, user_id: str) -> dict[str, JSON] | None:
        """Return a user record by id."""
        return next((u for u in self.data.get("users", []) if u["id"] == user_id), None)

    def page_url(self, page_id: str) -> str:
        """Return the URL a new page gets."""
        return f"{self.data.get('url_base', 'https://flowus.cn/sandbox')}/{page_id}"

    # ----- structure
    def children_list(self, container_id: str) -> list[dict[str, JSON]] | None:
        """Return the live child list of a page or block (a synced copy shows its source)."""
        with self.lock:
            if container_id in self.pages:
                found: list[dict[str, JSON]] = self.pages[container_id].setdefault("children", [])
                return found
            block = self.blocks.get(container_id)
            if block is None:
                return None
            source = (block.get("data") or {}).get("synced_from") or {}
            if block["type"] == "synced_block" and source.get("block_id") in self.blocks:
                block = self.blocks[source["block_id"]]
            children: list[dict[str, JSON]] = block.setdefault("children", [])
            return children

    def owner_page(self, object_id: str) -> str | None:
        """Return the id of the page whose body holds a block (a page id maps to itself)."""
        with self.lock:
            current = object_id
            while current not in self.pages:
                if current not in self.parents:
                    return None
                current = self.parents[current]
            return current

    def depth(self, container_id: str) -> int:
        """Return how many blocks deep a container sits (a page is 0)."""
        depth, current = 0, container_id
        while current in self.parents and current not in self.pages:
            depth, current = depth + 1, self.parents[current]
        return depth

    def iter_blocks(self, container_id: str) -> Iterator[dict[str, JSON]]:
        """Yield every block stored below a page or block, depth first (not sub-pages)."""
        holder = self.pages.get(container_id) or self.blocks.get(container_id) or {}
        for block in list(holder.get("children", [])):
            yield block
            if block["id"] not in self.pages:
                yield from self.iter_blocks(block["id"])

    def rows(self, database_id: str) -> list[dict[str, JSON]]:
        """Return the pages whose parent is the database."""
        with self.lock:
            return [
                p
                for p in self.pages.values()
                if p.get("parent", {}).get("database_id") == database_id
            ]

    # ----- access
    def access(self, object_id: str) -> int | None:
        """Return None if the bot may read the page/database/block, else 403 or 404."""
        with self.lock:
            current: str | None = object_id
            if current in self.blocks and current not in self.pages | self.databases:
                current = self.owner_page(current)
                if current is None:
                    return 404
            seen: set[str] = set()
            while current and current not in seen:
                seen.add(current)
                obj = self.pages.get(current) or self.databases.get(current)
                if obj is None:
                    return 404
                if obj.get("unshared"):
                    return int(obj["unshared"])
                current = self._parent_object(obj.get("parent") or {})
            return None

    def _parent_object(self, parent: Mapping[str, JSON]) -> str | None:
        if parent.get("block_id"):
            return self.owner_page(str(parent["block_id"])) or str(parent["block_id"])
        found = parent.get("page_id") or parent.get("database_id")
        return str(found) if found else None

    def unshare(self, object_id: str, status: int = 403) -> None:
        """Make a page or database (and everything below it) unreadable with ``status``."""
        if status not in (403, 404):
            raise ValueError("status must be 403 or 404")
        with self.lock:
            self._object(object_id)["unshared"] = status

    def share(self, object_id: str) -> None:
        """Undo :meth:`unshare`."""
        with self.lock:
            self._object(object_id).pop("unshared", None)

    def _object(self, object_id: str) -> dict[str, JSON]:
        found = self.pages.get(object_id) or self.databases.get(object_id)
        if found is None:
            raise KeyError(object_id)
        return found

    # ----- mutation
    def touch(self, page_id: str, when: str | None = None) -> str:
        """Bump a page's last_edited_time (to ``when`` or now) and return it."""
        with self.lock:
            page = self.pages[page_id]
            page["last_edited_time"] = when or timestamps.bump(page.get("last_edited_time"))
            return str(page["last_edited_time"])

    def touch_entries(self, count: int = 3, database_id: str | None = None) -> list[str]:
        """Bump the newest ``count`` rows of a database (default: the one with most rows)."""
        with self.lock:
            if database_id is None:
                database_id = max(self.databases, key=lambda db: len(self.rows(db)))
            rows = sorted(self.rows(database_id), key=lambda p: p["created_time"], reverse=True)
            chosen = [p["id"] for p in rows if not p.get("archived")][:count]
            for page_id in chosen:
                self.touch(page_id)
            return chosen

    def touch_owner(self, object_id: str) -> None:
        """Bump the last_edited_time of the page holding a block (or the page itself)."""
        with self.lock:
            owner = self.owner_page(object_id)
            if owner is not None:
                self.touch(owner)

    def add_page(self, page: dict[str, JSON]) -> dict[str, JSON]:
        """Insert a page (with optional nested ``children`` blocks) and index it."""
        with self.lock:
            self.pages[page["id"]] = page
            self._index_children(page["id"], page.setdefault("children", []))
            return page

    def delete_page(self, page_id: str) -> None:
        """Remove a page for good: reads of it (and of what lay below it) answer 404."""
        with self.lock:
            page = self.pages.pop(page_id)
            self._unindex(page.get("children", []))
            if page_id in self.blocks:
                self.remove_block(page_id)

    def add_blocks(
        self, container_id: str, blocks: list[dict[str, JSON]], *, touch: bool = True
    ) -> list[dict[str, JSON]]:
        """Append blocks (nested children allowed, ids filled in); bump the page by default."""
        _fill_ids(blocks)
        with self.lock:
            target = self.children_list(container_id)
            if target is None:
                raise KeyError(container_id)
            target.extend(blocks)
            owner = container_id if container_id in self.pages else None
            holder = owner or self._children_holder(container_id)
            self._index_children(holder, blocks)
            if touch:
                self.touch_owner(container_id)
            return blocks

    def _children_holder(self, container_id: str) -> str:
        source = (self.blocks[container_id].get("data") or {}).get("synced_from") or {}
        if self.blocks[container_id]["type"] == "synced_block":
            return str(source.get("block_id") or container_id)
        return container_id

    def remove_block(self, block_id: str) -> dict[str, JSON]:
        """Detach a block and its subtree (a child_page block also deletes its page)."""
        with self.lock:
            block = self.blocks[block_id]
            parent_id = self.parents.pop(block_id)
            siblings = self.children_list(parent_id) or []
            siblings[:] = [b for b in siblings if b["id"] != block_id]
            del self.blocks[block_id]
            self._unindex(block.get("children", []))
            if block["type"] == "child_page" and block_id in self.pages:
                self.delete_page(block_id)
            return block

    def _unindex(self, children: list[dict[str, JSON]]) -> None:
        for block in children:
            self.blocks.pop(block["id"], None)
            self.parents.pop(block["id"], None)
            self._unindex(block.get("children", []))

    def shift_days(self, days: int) -> Workspace:
        """Move every date and timestamp in the workspace by whole days; returns self."""
        with self.lock:
            for obj in (*self.pages.values(), *self.databases.values()):
                timestamps.shift_tree(obj, days)
            anchor = self.data.get("anchor_date")
            if isinstance(anchor, str):
                self.data["anchor_date"] = timestamps.shift_text(anchor, days) or anchor
            return self


def _fill_ids(blocks: list[dict[str, JSON]]) -> None:
    for block in blocks:
        block.setdefault("id", str(uuid.uuid4()))
        block.setdefault("data", {})
        _fill_ids(block.get("children", []))
