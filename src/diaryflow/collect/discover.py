"""Find the diary database: by id, or on the page given by ``flowus.url``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from diaryflow.collect.links import mentioned_ids
from diaryflow.collect.rich_text import plain_text
from diaryflow.diary import Block, MissingPage, walk_blocks
from diaryflow.errors import CollectError, ConfigError, FlowUsForbidden, FlowUsNotFound
from diaryflow.flowus.client import FlowUsClient
from diaryflow.flowus.trees import fetch_trees

DATE_TYPES = frozenset({"date", "formula", "rollup", "created_time", "last_edited_time"})


def find_database(
    client: FlowUsClient, database_id: str | None, page_id: str | None
) -> dict[str, Any]:
    """The diary database: ``flowus.database_id``, else one held or mentioned on the page."""
    if database_id:
        try:
            return client.get_database(database_id)
        except (FlowUsNotFound, FlowUsForbidden) as error:
            raise CollectError(
                f"flowus.database_id = \"{database_id}\": the database cannot be read "
                f"(HTTP {error.status}); share it with the integration or fix the id"
            ) from error
    if not page_id:
        raise ConfigError(
            "flowus.url", None,
            "not set: give the URL of the page that holds your diary database "
            "(or set flowus.database_id)",
        )
    try:
        return client.get_database(page_id)  # the URL may point at the database itself
    except (FlowUsNotFound, FlowUsForbidden):
        pass
    tree = fetch_trees(client, [page_id], workers=4)[page_id]
    if isinstance(tree, MissingPage):
        raise CollectError(
            f"flowus.url: page {page_id} cannot be read (HTTP {tree.status}); "
            "share the page with the integration (page menu → integrations)"
        )
    for candidate in candidate_ids(tree):
        try:
            return client.get_database(candidate)
        except (FlowUsNotFound, FlowUsForbidden):
            continue
    raise CollectError(
        f"no diary database found on page {page_id} (flowus.url): the page must hold the "
        "database, a link to it or a mention of it, shared with the integration "
        "— or set flowus.database_id"
    )


def candidate_ids(blocks: tuple[Block, ...]) -> list[str]:
    """Ids that may be the diary database: child databases first, then links and mentions."""
    children = [b.id for b in walk_blocks(blocks) if b.type == "child_database" and b.id]
    return list(dict.fromkeys(children + mentioned_ids({}, blocks)))


def database_title(database: Mapping[str, Any]) -> str:
    """The database's title as plain text (sent as rich text, or as a plain string)."""
    title = database.get("title")
    return title if isinstance(title, str) else plain_text(title)


def validate_date_property(database: Mapping[str, Any], name: str | None) -> None:
    """Fail clearly when ``flowus.date_property`` is not a date-like property of the database."""
    if not name:
        return
    schema = database.get("properties")
    schema = schema if isinstance(schema, Mapping) else {}
    if name not in schema:
        names = ", ".join(schema) or "none"
        raise ConfigError(
            "flowus.date_property", name,
            f"no such property in database 「{database_title(database)}」 (it has: {names})",
        )
    prop = schema[name]
    kind = prop.get("type") if isinstance(prop, Mapping) else None
    if kind not in DATE_TYPES:
        raise ConfigError("flowus.date_property", name, f"is a {kind} property; expected a date")
