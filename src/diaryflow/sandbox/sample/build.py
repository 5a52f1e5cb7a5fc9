"""Generates the sample workspace JSON from the hand-written texts; fully deterministic."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from diaryflow.sandbox.flowus.timestamps import SHANGHAI, iso
from diaryflow.sandbox.sample import diary_1, diary_2, diary_long
from diaryflow.sandbox.sample import ids as s
from diaryflow.sandbox.sample import pages as texts
from diaryflow.sandbox.sample import values as v
from diaryflow.sandbox.sample.defs import Diary, Linked, SubPage
from diaryflow.sandbox.sample.markup import parse_blocks, text_items

JSON = Any
ENTRIES: tuple[Diary, ...] = (
    *diary_1.ENTRIES,
    *diary_long.ENTRIES,
    *diary_2.ENTRIES,
)
SUBPAGES = {sub.key: sub for sub in texts.SUBPAGES}


class Builder:
    """Collects pages and databases; also answers the markup's id and title lookups."""

    def __init__(self) -> None:
        self.pages: list[dict[str, JSON]] = []
        self.db_parent: dict[str, str] = {}
        self.titles = {"root": texts.ROOT_TITLE, "workbench": texts.WORKBENCH_TITLE}
        self.titles["private"] = texts.PRIVATE_TITLE
        for linked in (*texts.PROJECTS, *texts.PROBLEMS, *texts.SUBPAGES):
            self.titles[linked.key] = linked.title
        self.pending_subpages: list[tuple[SubPage, str, datetime]] = []
        self._key, self._page_id, self._counter, self._day = "", "", 0, 0
        self._created = v.local(0, "00:00")

    # ----- the markup's lookups (markup.Refs)
    def block_id(self) -> str:
        """Return the next block id of the page being built."""
        self._counter += 1
        return s.sid(f"block:{self._key}:{self._counter}")

    def page(self, key: str) -> tuple[str, str, str]:
        """Return (id, title, url) of a page key."""
        page_id = s.sid(f"page:{key}")
        return page_id, self.titles[key], f"{s.URL_BASE}/{page_id}"

    def user(self, key: str) -> tuple[str, str]:
        """Return (id, name) of a user key."""
        return s.sid(f"user:{key}"), s.USERS[key][0]

    def day(self, offset: int) -> str:
        """Return the date ``offset`` days after the page's own day."""
        return (s.ANCHOR_DATE + timedelta(days=self._day + offset)).isoformat()

    def database(self, key: str) -> tuple[str, str]:
        """Place a database in the page being built."""
        self.db_parent[key] = self._page_id
        return s.sid(f"db:{key}"), s.DB_TITLES[key]

    def child_page(self, key: str) -> tuple[str, str]:
        """Place a sub-page in the page being built."""
        self.pending_subpages.append((SUBPAGES[key], self._page_id, self._created))
        return s.sid(f"page:{key}"), SUBPAGES[key].title

    def synced(self, key: str) -> str:
        """Return the id of a synced block's original."""
        return s.sid(f"synced:{key}")

    def expiry(self) -> str:
        """Return when an uploaded file's temporary link expires."""
        return iso(self._created + timedelta(hours=1))

    # ----- building
    def blocks(self, key: str, day: int, created: datetime, body: str) -> list[dict[str, JSON]]:
        """Parse a page body with ids derived from the page key."""
        self._key, self._page_id, self._counter = key, s.sid(f"page:{key}"), 0
        self._day, self._created = day, created
        return parse_blocks(body, self)

    def add(
        self,
        key: str,
        parent: dict[str, JSON],
        props: dict[str, JSON],
        created: datetime,
        edited: datetime,
        body: str,
        day: int = 0,
        **extra: JSON,
    ) -> dict[str, JSON]:
        """Add a page with its parsed body."""
        page_id = s.sid(f"page:{key}")
        page = {
            "id": page_id,
            "parent": parent,
            "properties": props,
            "created_time": iso(created),
            "last_edited_time": iso(edited),
            "created_by": s.OWNER_USER_ID,
            "last_edited_by": s.OWNER_USER_ID,
            "archived": False,
            "url": f"{s.URL_BASE}/{page_id}",
            "icon": None,
            "cover": None,
            **extra,
            "children": self.blocks(key, day, created, body),
        }
        self.pages.append(page)
        return page


def _linked(b: Builder, item: Linked, db_key: str, schema: dict[str, JSON]) -> None:
    props: dict[str, JSON] = {
        "标题": v.title_value(item.title),
        "状态": v.select_value(schema["状态"], item.status),
    }
    if db_key == "problems":
        props["严重程度"] = v.select_value(schema["严重程度"], item.severity or "P3")
        props["关联项目"] = v.relation_value(list(item.links))
    else:
        props["进度"] = {"type": "number", "number": item.progress}
        props["关联问题"] = v.relation_value(list(item.links))
    parent = {"type": "database_id", "database_id": s.sid(f"db:{db_key}")}
    created, edited = v.local(item.created, "10:30"), v.local(item.edited, "18:20")
    b.add(item.key, parent, props, created, edited, item.body, item.created)


def _database(
    key: str, schema: dict[str, JSON], b: Builder, created: datetime, **extra: JSON
) -> JSON:
    return {
        "id": s.sid(f"db:{key}"),
        "title": s.DB_TITLES[key],
        "parent": {"type": "page_id", "page_id": b.db_parent[key]},
        "icon": None,
        "is_inline": False,
        "created_time": iso(created),
        "last_edited_time": iso(created + timedelta(days=3)),
        "created_by": s.OWNER_USER_ID,
        "archived": False,
        "properties": schema,
        **extra,
    }


def build_sample() -> dict[str, JSON]:
    """Build the whole sample workspace as JSON (the content of data/sample_workspace.json)."""
    b = Builder()
    _top_pages(b)
    problems, projects = s.problem_schema(), s.project_schema()
    for item in texts.PROJECTS:
        _linked(b, item, "projects", projects)
    for item in texts.PROBLEMS:
        _linked(b, item, "problems", problems)
    diary = _diary_entries(b)
    _subpages(b)
    runs = _runs(b)
    databases = [
        _database("diary", diary, b, v.local(-240, "09:05")),
        _database("problems", problems, b, v.local(-200, "10:05")),
        _database("projects", projects, b, v.local(-200, "10:10")),
        _database("runs", runs, b, v.local(-36, "21:20"), is_inline=True),
    ]
    return {
        "format": "diaryflow-sandbox/1",
        "space_id": s.SPACE_ID,
        "url_base": s.URL_BASE,
        "anchor_date": s.ANCHOR_DATE.isoformat(),
        "me": s.OWNER_USER_ID,
        "bot": s.BOT_USER_ID,
        "users": s.user_records(),
        "databases": databases,
        "pages": b.pages,
    }




def _top_pages(b: Builder) -> None:
    """The root page, the workbench and a page never shared with the integration."""
    space = {"type": "space_id", "space_id": s.SPACE_ID}
    b.add(
        "root",
        space,
        {"title": v.title_value(texts.ROOT_TITLE)},
        v.local(-240, "09:00"),
        v.local(-20, "21:00"),
        texts.ROOT_BODY,
        -240,
        icon=v.icon("📔"),
    )
    b.add(
        "workbench",
        space,
        {"title": v.title_value(texts.WORKBENCH_TITLE)},
        v.local(-200, "10:00"),
        v.local(-60, "18:00"),
        texts.WORKBENCH_BODY,
        -200,
        icon=v.icon("🧰"),
    )
    b.add(
        "private",
        space,
        {"title": v.title_value(texts.PRIVATE_TITLE)},
        v.local(-27, "23:30"),
        v.local(-27, "23:55"),
        texts.PRIVATE_BODY,
        -27,
        unshared=403,
    )


def _diary_entries(b: Builder) -> JSON:
    """Every diary entry (and the draft) in creation order; returns the diary's schema."""
    tags = tuple(dict.fromkeys(t for e in ENTRIES for t in e.tags))
    diary = s.diary_schema(tags)
    ordered = sorted((*ENTRIES, diary_2.DRAFT), key=v.created_at)
    for index, entry in enumerate(ordered):
        key = f"diary:{entry.day}:{entry.title}"
        created = v.created_at(entry)
        parent = {"type": "database_id", "database_id": s.DIARY_DATABASE_ID}
        page = b.add(
            key,
            parent,
            {},
            created,
            v.edited_at(entry, created, index),
            entry.body,
            entry.day,
            icon=v.icon(entry.icon),
            archived=entry.archived,
        )
        page["properties"] = v.diary_props(entry, diary, page["children"])
    return diary


def _subpages(b: Builder) -> None:
    """The sub-pages the entries and linked pages asked for while they were added."""
    for sub, parent_id, created in b.pending_subpages:
        parent = {"type": "page_id", "page_id": parent_id}
        when = created + timedelta(minutes=20)
        day = (created.astimezone(SHANGHAI).date() - s.ANCHOR_DATE).days
        b.add(
            sub.key,
            parent,
            {"title": v.title_value(sub.title)},
            when,
            when + timedelta(minutes=25),
            sub.body,
            day,
            icon=v.icon(sub.icon),
        )


def _runs(b: Builder) -> JSON:
    """The inline database of runs; returns its schema."""
    runs = s.runs_schema()
    for day, title, km, duration in texts.RUNS:
        props = {
            "标题": v.title_value(title),
            "日期": {
                "type": "date",
                "date": {
                    "start": (s.ANCHOR_DATE + timedelta(days=day)).isoformat(),
                    "end": None,
                    "time_zone": None,
                },
            },
            "距离": {"type": "number", "number": km},
            "用时": {"type": "rich_text", "rich_text": text_items(duration)},
        }
        parent = {"type": "database_id", "database_id": s.RUNS_DATABASE_ID}
        b.add(f"run:{day}", parent, props, v.local(-36, "21:25"), v.local(-36, "21:40"), "", day)
    return runs


def newest_diary_day(data: dict[str, JSON]) -> date:
    """Return the newest 日期 day among the sample's diary entries (checks the anchor)."""
    days = [
        date.fromisoformat(p["properties"]["日期"]["date"]["start"][:10].replace("/", "-"))
        for p in data["pages"]
        if p["parent"].get("database_id") == s.DIARY_DATABASE_ID and p["properties"]["日期"]["date"]
    ]
    return max(days)
