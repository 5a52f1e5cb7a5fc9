"""Property values and timestamps of the sample's pages, derived from their declarations."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from diaryflow.sandbox.flowus.timestamps import SHANGHAI
from diaryflow.sandbox.sample import ids as s
from diaryflow.sandbox.sample import pages as texts
from diaryflow.sandbox.sample.defs import Diary
from diaryflow.sandbox.sample.markup import plain_text, text_items

JSON = Any


def local(day: int, clock: str) -> datetime:
    """Return the Shanghai time ``clock`` on the day ``day`` days from the anchor."""
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime.combine(s.ANCHOR_DATE + timedelta(days=day), time(hour, minute), SHANGHAI)


def created_at(entry: Diary) -> datetime:
    """Return when a diary entry was written (``+1 08:10`` = the next morning)."""
    shift, _, clock = entry.at.rpartition(" ")
    return local(entry.day + int(shift or 0), clock)


def edited_at(entry: Diary, created: datetime, index: int) -> datetime:
    """Return when an entry was last edited (a few minutes after writing by default)."""
    if entry.edited is None:
        return created + timedelta(minutes=6 + (index * 13) % 45)
    match = re.fullmatch(r"\+(\d+)([md])(?: (\d\d:\d\d))?", entry.edited)
    if not match:
        raise ValueError(f"bad edited spec {entry.edited!r}")
    amount, unit, clock = int(match[1]), match[2], match[3]
    if unit == "m":
        return created + timedelta(minutes=amount)
    if clock is None:
        return created + timedelta(days=amount)
    day = (created.astimezone(SHANGHAI).date() - s.ANCHOR_DATE).days + amount
    return local(day, clock)


def title_value(title: str) -> dict[str, JSON]:
    """Return a title property value."""
    return {"type": "title", "title": text_items(title)}


def select_value(schema: dict[str, JSON], name: str) -> dict[str, JSON]:
    """Return a select value using the option's id and colour from the schema."""
    option = next(o for o in schema["select"]["options"] if o["name"] == name)
    return {"type": "select", "select": dict(option)}


def relation_value(keys: list[str]) -> dict[str, JSON]:
    """Return a relation value pointing at sample pages by key."""
    return {
        "type": "relation",
        "relation": [{"id": s.sid(f"page:{k}")} for k in keys],
        "has_more": False,
    }


def icon(emoji: str | None) -> dict[str, JSON] | None:
    """Return an emoji icon, or None."""
    return {"type": "emoji", "emoji": emoji} if emoji else None


def date_value(entry: Diary) -> dict[str, JSON]:
    """Return an entry's 日期 value in the style it declares."""
    day = s.ANCHOR_DATE + timedelta(days=entry.day)
    starts = {
        "plain": day.isoformat(),
        "slash": day.strftime("%Y/%m/%d"),
        "datetime": f"{day.isoformat()}T19:30:00.000+08:00",
    }
    if entry.date_style == "empty":
        return {"type": "date", "date": None}
    zone = "Asia/Shanghai" if entry.date_style == "datetime" else None
    return {
        "type": "date",
        "date": {"start": starts[entry.date_style], "end": None, "time_zone": zone},
    }


def diary_props(
    entry: Diary, schema: dict[str, JSON], body: list[dict[str, JSON]]
) -> dict[str, JSON]:
    """Return all property values of a diary entry."""
    tag_options = schema["标签"]["multi_select"]["options"]
    progress = {p.key: p.progress for p in texts.PROJECTS}
    projects = [k for k in entry.rel if k.startswith("p-")]
    rollup = [{"type": "number", "number": progress[k]} for k in projects]
    files = [{"name": n, "type": "external", "external": {"url": u}} for n, u in entry.files]
    return {
        "标题": title_value(entry.title),
        "日期": date_value(entry),
        "分类": select_value(schema["分类"], entry.category),
        "心情": select_value(schema["心情"], entry.mood),
        "完成": {"type": "checkbox", "checkbox": entry.done},
        "标签": {
            "type": "multi_select",
            "multi_select": [dict(o) for o in tag_options if o["name"] in entry.tags],
        },
        "关联问题": relation_value([k for k in entry.rel if k.startswith("q-")]),
        "关联项目": relation_value(projects),
        "字数": {
            "type": "formula",
            "formula": {"type": "number", "number": len(re.sub(r"\s", "", plain_text(body)))},
        },
        "项目进度": {
            "type": "rollup",
            "rollup": {"type": "array", "function": "show_original", "array": rollup},
        },
        "参与人": {
            "type": "people",
            "people": [{"object": "user", "id": s.sid(f"user:{u}")} for u in entry.people],
        },
        "附件": {"type": "files", "files": files},
        "参考链接": {"type": "url", "url": entry.link},
    }
