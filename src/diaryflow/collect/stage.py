"""The collect stage: diary database → entries in the window → block trees → linked pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from diaryflow.collect.discover import database_title, find_database, validate_date_property
from diaryflow.collect.links import mentioned_ids, relation_ids
from diaryflow.collect.to_markdown import page_title
from diaryflow.config.load import Config
from diaryflow.diary import (
    Block,
    Entry,
    MissingPage,
    PageDoc,
    Snapshot,
    blocks_from_json,
    blocks_to_json,
)
from diaryflow.errors import FlowUsBadRequest, FlowUsForbidden, FlowUsNotFound
from diaryflow.flowus.client import FlowUsClient
from diaryflow.flowus.trees import fetch_trees
from diaryflow.periods import rolling
from diaryflow.progress import NoProgress, Progress
from diaryflow.state.store import Store
from diaryflow.window import entry_day, parse_timestamp, window_start_instant

log = logging.getLogger("diaryflow.collect")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class CollectOptions:
    """The settings the collect stage reads, taken from the configuration."""

    database_id: str | None
    page_id: str | None
    date_property: str | None
    timezone: str
    recent_days: int
    page_size: int = 100
    fetch_relations: bool = True
    include_mentioned: bool = True
    max_relation_depth: int = 2
    concurrency: int = 8

    @classmethod
    def from_config(cls, config: Config) -> CollectOptions:
        """Pick the collect settings out of a loaded configuration."""
        db, fl = config.database, config.flowus
        return cls(
            database_id=fl.database_id,
            page_id=fl.page_id,
            date_property=fl.date_property,
            timezone=config.scheduler.timezone,
            recent_days=db.recent_days,
            page_size=db.page_size,
            fetch_relations=db.fetch_relations,
            include_mentioned=db.include_mentioned,
            max_relation_depth=db.max_relation_depth,
            concurrency=fl.concurrency,
        )


def collect(
    client: FlowUsClient,
    store: Store,
    options: CollectOptions,
    end: date,
    progress: Progress | None = None,
) -> Snapshot:
    """Read every entry of the window ending on ``end`` and the pages they link to."""
    progress = progress or NoProgress()
    tz = ZoneInfo(options.timezone)
    period = rolling(end, options.recent_days)
    start, end = period.start, period.end
    progress.stage("Finding the diary database", None)
    database = _database(client, store, options)
    validate_date_property(database, options.date_property)
    database_id = str(database["id"])
    progress.stage("Listing diary entries", None)
    hint = None if options.date_property else window_start_instant(start, tz)
    listed = _query(client, database_id, options.page_size, hint, progress)
    selected = _in_window(listed, options.date_property, tz, start, end)
    order = list(_schema_order(database))
    docs, missing = _read_pages(
        client, store, [page for _, page in selected], options.concurrency, progress, order
    )
    entries = tuple(Entry(docs[str(p["id"])], day) for day, p in selected if str(p["id"]) in docs)
    linked, more_missing = _follow_links(client, store, options, list(docs.values()), progress)
    log.info(
        "「%s」: %d pages listed, %d entries in %s – %s, %d linked pages, %d unreadable",
        database_title(database), len(listed), len(entries), start, end, len(linked),
        len(missing) + len(more_missing),
    )
    return Snapshot(
        database_id=database_id,
        database_title=database_title(database),
        timezone=options.timezone,
        window_start=start,
        window_end=end,
        entries=entries,
        linked=linked,
        missing=tuple(missing + more_missing),
    )


def _in_window(
    listed: list[dict[str, Any]], date_property: str | None, tz: ZoneInfo, start: date, end: date
) -> list[tuple[date, dict[str, Any]]]:
    """The listed entries whose day is in the window, with their day, oldest first."""
    return sorted(
        (
            (day, page)
            for page in listed
            if not page.get("archived")
            and (day := entry_day(page, date_property, tz)) is not None
            and start <= day <= end
        ),
        key=lambda pair: (pair[0], str(pair[1].get("created_time", "")), str(pair[1]["id"])),
    )


def _database(client: FlowUsClient, store: Store, options: CollectOptions) -> dict[str, Any]:
    """The diary database; the one found on ``flowus.url`` is remembered for later runs."""
    if options.database_id or not options.page_id:
        return find_database(client, options.database_id, options.page_id)
    key = f"database_on_page:{options.page_id}"
    remembered = store.get_meta(key)
    if remembered:
        try:
            return client.get_database(remembered)
        except (FlowUsNotFound, FlowUsForbidden):
            log.info("the remembered diary database %s is gone; looking again", remembered)
    database = find_database(client, None, options.page_id)
    store.set_meta(key, str(database["id"]))
    return database


def _query(
    client: FlowUsClient,
    database_id: str,
    page_size: int,
    hint: Any,
    progress: Progress,
) -> list[dict[str, Any]]:
    # The created-after hint is undocumented for v1: if the server refuses it, or it seems to
    # filter out everything, list without it rather than lose entries.
    if hint is not None:
        try:
            pages = _listed(client.query_database(database_id, page_size=page_size,
                                                  created_after=hint), progress)
            if pages:
                return pages
        except FlowUsBadRequest as error:
            log.info("the server refused the created-after hint (%s); listing all", error)
    return _listed(client.query_database(database_id, page_size=page_size), progress)


def _listed(pages: Iterable[dict[str, Any]], progress: Progress) -> list[dict[str, Any]]:
    found = []
    for page in pages:
        if isinstance(page.get("id"), str):
            found.append(page)
            progress.advance()
    return found


def _schema_order(database: Mapping[str, Any]) -> Iterable[str]:
    schema = database.get("properties")
    return schema.keys() if isinstance(schema, Mapping) else ()


def _read_pages(
    client: FlowUsClient,
    store: Store,
    pages: list[dict[str, Any]],
    workers: int,
    progress: Progress,
    property_order: list[str] | None = None,
) -> tuple[dict[str, PageDoc], list[MissingPage]]:
    """Page documents for listed pages: bodies from the cache when unchanged, else fetched."""
    progress.stage("Reading page bodies", len(pages))
    bodies: dict[str, tuple[Block, ...]] = {}
    stale: list[str] = []
    for page in pages:
        cached = store.cached_page(page["id"])
        if cached is not None and cached.last_edited_time == _edited(page):
            bodies[page["id"]] = blocks_from_json(cached.blocks)
            progress.advance()
        else:
            stale.append(page["id"])
    log.info("%d page bodies unchanged since the last run, %d to fetch",
             len(pages) - len(stale), len(stale))
    fetched = fetch_trees(client, stale, workers, on_root_done=lambda _: progress.advance())
    missing = []
    by_id = {page["id"]: page for page in pages}
    for page_id, tree in fetched.items():
        if isinstance(tree, MissingPage):
            log.warning("page %s could not be read: %s; skipped", page_id, tree.reason)
            store.forget_page(page_id)
            missing.append(tree)
            continue
        bodies[page_id] = tree
        store.save_page(page_id, _edited(by_id[page_id]), by_id[page_id], blocks_to_json(tree))
    docs = {
        page["id"]: _page_doc(page, bodies[page["id"]], property_order)
        for page in pages
        if page["id"] in bodies
    }
    return docs, missing


def _follow_links(
    client: FlowUsClient,
    store: Store,
    options: CollectOptions,
    start_docs: list[PageDoc],
    progress: Progress,
) -> tuple[tuple[PageDoc, ...], list[MissingPage]]:
    """Breadth-first over relations and mentions, each page once, to the configured depth."""
    known = {doc.id for doc in start_docs}
    frontier = _references(start_docs, options, known)
    linked: list[PageDoc] = []
    missing: list[MissingPage] = []
    for depth in range(1, options.max_relation_depth + 1):
        if not frontier:
            break
        known.update(frontier)
        progress.stage(f"Reading linked pages (depth {depth})", len(frontier))
        with ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool:
            answers = list(pool.map(lambda pid: _get_page(client, pid), frontier))
        pages = [a for a in answers if isinstance(a, dict)]
        missing.extend(a for a in answers if isinstance(a, MissingPage))
        docs, gone = _read_pages(client, store, pages, options.concurrency, NoProgress())
        progress.advance(len(frontier))
        missing.extend(gone)
        level = [docs[p["id"]] for p in pages if p["id"] in docs]
        linked.extend(level)
        frontier = _references(level, options, known)
    return tuple(sorted(linked, key=lambda d: (d.title, d.id))), missing


def _references(docs: list[PageDoc], options: CollectOptions, known: set[str]) -> list[str]:
    found: list[str] = []
    for doc in docs:
        if options.fetch_relations:
            found.extend(relation_ids(doc.properties))
        if options.include_mentioned:
            found.extend(mentioned_ids(doc.properties, doc.blocks))
    return [page_id for page_id in dict.fromkeys(found) if page_id not in known]


def _get_page(client: FlowUsClient, page_id: str) -> dict[str, Any] | MissingPage:
    try:
        page = client.get_page(page_id)
    except (FlowUsNotFound, FlowUsForbidden) as error:
        log.warning("linked page %s could not be read: %s; skipped", page_id, error)
        return MissingPage(page_id, error.status, error.api_message)
    page.setdefault("id", page_id)
    return page


def _edited(page: Mapping[str, Any]) -> str:
    return str(page.get("last_edited_time") or page.get("updatedAt") or "")


def _page_doc(
    page: Mapping[str, Any], blocks: tuple[Block, ...], order: list[str] | None
) -> PageDoc:
    raw_props = page.get("properties")
    props: dict[str, Any] = dict(raw_props) if isinstance(raw_props, Mapping) else {}
    if order:
        rank = {name: i for i, name in enumerate(order)}
        props = dict(sorted(props.items(), key=lambda kv: rank.get(kv[0], len(rank))))
    created = parse_timestamp(page.get("created_time") or page.get("createdAt"))
    parent = page.get("parent")
    url = page.get("url")
    return PageDoc(
        id=str(page["id"]),
        title=page_title(props),
        created_time=created or EPOCH,
        last_edited_time=_edited(page),
        parent=parent if isinstance(parent, Mapping) else {},
        properties=props,
        blocks=blocks,
        url=url if isinstance(url, str) else None,
    )
