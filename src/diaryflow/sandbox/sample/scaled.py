"""A large, deterministic diary workspace for benchmarks, built on the sample's structure."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from diaryflow.sandbox.flowus.timestamps import SHANGHAI, iso, today_shanghai
from diaryflow.sandbox.flowus.workspace import Workspace
from diaryflow.sandbox.sample import ids as s
from diaryflow.sandbox.sample.load import sample_json
from diaryflow.sandbox.sample.markup import plain_text, text_items

JSON = Any
TEXT_TYPES = ("paragraph", "bulleted_list_item", "numbered_list_item", "to_do", "quote")
TAGS = ("订单系统", "Rust", "跑步", "DDIA", "搜索", "复盘", "家人", "睡眠")


def _pool(data: dict[str, JSON]) -> list[str]:
    """Collect the sample diary's sentences, in order, as a text pool."""
    sentences: list[str] = []
    for page in data["pages"]:
        if page["parent"].get("database_id") != s.DIARY_DATABASE_ID:
            continue
        for block in page["children"]:
            if block["type"] in TEXT_TYPES:
                text = plain_text([block])
                sentences += [p + "。" for p in re.split(r"[。！？]", text) if len(p) >= 6]
    return list(dict.fromkeys(sentences))


def _strip_diary(data: dict[str, JSON]) -> None:
    """Drop the sample's diary rows and everything that hangs below them."""
    rows = {p["id"] for p in data["pages"] if p["parent"].get("database_id") == s.DIARY_DATABASE_ID}
    inline_dbs = {db["id"] for db in data["databases"] if db["parent"].get("page_id") in rows}
    data["databases"] = [db for db in data["databases"] if db["id"] not in inline_dbs]
    data["pages"] = [
        p
        for p in data["pages"]
        if p["id"] not in rows
        and p["parent"].get("page_id") not in rows
        and p["parent"].get("database_id") not in inline_dbs
    ]


class _Blocks:
    """Makes one entry's blocks: ~``total`` counting nested ones, ~10 with children."""

    def __init__(self, key: str, rng: random.Random, pool: list[str]) -> None:
        self.key, self.rng, self.pool, self.count = key, rng, pool, 0

    def make(self, kind: str, children: list[JSON] | None = None, **data: JSON) -> JSON:
        self.count += 1
        block: dict[str, JSON] = {"id": s.sid(f"{self.key}:{self.count}"), "type": kind}
        if kind in (*TEXT_TYPES, "toggle", "heading_2", "heading_3"):
            data = {"rich_text": text_items(self.rng.choice(self.pool)), **data}
        block["data"] = data
        if children:
            block["children"] = children
        return block

    def group(self, index: int) -> JSON:
        make = self.make
        kind = index % 4
        if kind == 0:  # a bulleted list nested three levels
            deep = make("bulleted_list_item", [make("bulleted_list_item")])
            return make("bulleted_list_item", [deep, make("bulleted_list_item")])
        if kind == 1:  # numbered list, two levels
            return make("numbered_list_item", [make("numbered_list_item") for _ in range(2)])
        if kind == 2:
            return make("toggle", [make("paragraph") for _ in range(2)])
        rows = [make("table_row", cells=[text_items(h) for h in ("项目", "进度", "备注")])]
        for _ in range(2):
            cells = [text_items(str(self.rng.randint(1, 99))) for _ in range(3)]
            rows.append(make("table_row", cells=cells))
        return make("table", rows, table_width=3, has_column_header=True, has_row_header=False)

    def filler(self) -> JSON:
        roll = self.rng.random()
        if roll < 0.08:
            return self.make("heading_3")
        if roll < 0.16:
            return self.make("to_do", checked=self.rng.random() < 0.5)
        if roll < 0.2:
            code = "def handler(event):\n    return event.get('order_no')\n"
            return self.make("code", rich_text=text_items(code), language="Python")
        return self.make("paragraph")

    def build(self, total: int) -> list[JSON]:
        head = self.make("heading_2")
        groups = [self.group(i) for i in range(max(1, min(10, total // 6)))]
        fillers = []
        while self.count < total:
            fillers.append(self.filler())
        body = groups + fillers
        self.rng.shuffle(body)
        return [head, *body]


def _relation(keys: list[str]) -> dict[str, JSON]:
    ids = [{"id": s.sid(f"page:{key}")} for key in keys]
    return {"type": "relation", "relation": ids, "has_more": False}


def _entry(
    index: int, day: date, blocks: list[JSON], rng: random.Random, schema: dict[str, JSON]
) -> dict[str, JSON]:
    created = datetime.combine(day, time(20, 0), SHANGHAI) + timedelta(minutes=(index * 37) % 230)
    page_id = s.sid(f"scaled:{index}")
    category = s.CATEGORIES[index % 5]
    options = {o["name"]: o for p in ("分类", "心情") for o in schema[p]["select"]["options"]}
    tags = [o for o in schema["标签"]["multi_select"]["options"] if rng.random() < 0.25]
    title = f"{category}日记 #{index + 1}：{plain_text(blocks[:1])[:14]}"
    return {
        "id": page_id,
        "parent": {"type": "database_id", "database_id": s.DIARY_DATABASE_ID},
        "created_time": iso(created),
        "last_edited_time": iso(created + timedelta(minutes=5 + index % 40)),
        "created_by": s.OWNER_USER_ID,
        "archived": False,
        "url": f"{s.URL_BASE}/{page_id}",
        "properties": _entry_properties(index, day, blocks, title, category, options, tags),
        "children": blocks,
    }


def _entry_properties(
    index: int, day: date, blocks: list[JSON], title: str, category: str,
    options: dict[str, JSON], tags: list[JSON],
) -> dict[str, JSON]:
    """A scaled entry's property values, varied by its index like a real diary's."""
    return {
        "标题": {"type": "title", "title": text_items(title)},
        "日期": {
            "type": "date",
            "date": {"start": day.isoformat(), "end": None, "time_zone": None},
        },
        "分类": {"type": "select", "select": dict(options[category])},
        "心情": {"type": "select", "select": dict(options[s.MOODS[(index * 7) % 5]])},
        "完成": {"type": "checkbox", "checkbox": index % 6 != 0},
        "标签": {"type": "multi_select", "multi_select": [dict(t) for t in tags]},
        "关联问题": _relation(["q-callback"] if index % 5 == 0 else []),
        "关联项目": _relation(["p-order"] if category == "工作" else []),
        "字数": {
            "type": "formula",
            "formula": {"type": "number", "number": len(plain_text(blocks))},
        },
        "项目进度": {
            "type": "rollup",
            "rollup": {"type": "array", "function": "show_original", "array": []},
        },
        "参与人": {"type": "people", "people": []},
        "附件": {"type": "files", "files": []},
        "参考链接": {"type": "url", "url": None},
    }


def scaled_workspace(
    entries: int = 300, blocks_per_entry: int = 60, end_date: date | None = None
) -> Workspace:
    """Build a big diary: ``entries`` pages of ~``blocks_per_entry`` blocks, newest on end_date.

    Deterministic for the same arguments; about three entries every two days.
    """
    end = end_date or today_shanghai()
    data = sample_json()
    data = (
        Workspace(data).shift_days((end - date.fromisoformat(data["anchor_date"])).days).to_json()
    )
    pool = _pool(data)
    _strip_diary(data)
    schema = next(db for db in data["databases"] if db["id"] == s.DIARY_DATABASE_ID)["properties"]
    rng = random.Random(entries * 100_003 + blocks_per_entry)
    span = max(1, (entries * 2 + 2) // 3)
    for index in range(entries):
        day = end - timedelta(days=index * span // max(1, entries))
        blocks = _Blocks(f"scaled:{index}", rng, pool).build(blocks_per_entry)
        data["pages"].append(_entry(index, day, blocks, rng, schema))
    return Workspace(data)
