"""Fixed ids, users and database schemas of the bundled sample workspace."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

JSON = Any
ANCHOR_DATE = date(2025, 4, 30)  # the newest diary day in data/sample_workspace.json
URL_BASE = "https://flowus.cn/linxiao-notes"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "diaryflow-sandbox-sample")
COLORS = ("blue", "green", "orange", "purple", "pink", "brown", "yellow", "red", "gray", "default")


def sid(key: str) -> str:
    """Return the sample's stable UUID for a key."""
    return str(uuid.uuid5(_NAMESPACE, key))


SPACE_ID = sid("space")
ROOT_PAGE_ID = sid("page:root")
WORKBENCH_PAGE_ID = sid("page:workbench")
PRIVATE_PAGE_ID = sid("page:private")
DIARY_DATABASE_ID = sid("db:diary")
PROBLEM_DATABASE_ID = sid("db:problems")
PROJECT_DATABASE_ID = sid("db:projects")
RUNS_DATABASE_ID = sid("db:runs")
OWNER_USER_ID = sid("user:linxiao")
BOT_USER_ID = sid("user:bot")

USERS = {
    "linxiao": ("林晓", "linxiao@example.com"),
    "chenmo": ("陈默", "chenmo@example.com"),
    "wangke": ("王珂", "wangke@example.com"),
    "zhaoyifan": ("赵一帆", "zhaoyifan@example.com"),
    "bot": ("日记助手", None),
}

CATEGORIES = ("工作", "学习", "生活", "健康", "阅读")
MOODS = ("开心", "平静", "一般", "焦虑", "疲惫")
PROBLEM_STATES = ("待处理", "处理中", "已解决", "搁置")
SEVERITIES = ("P0", "P1", "P2", "P3")
PROJECT_STATES = ("规划中", "进行中", "已完成", "暂停")
DB_TITLES = {"diary": "日记", "problems": "问题记录", "projects": "项目", "runs": "跑步记录"}


def user_records() -> list[dict[str, JSON]]:
    """Return the sample's users."""
    return [
        {"id": sid(f"user:{key}"), "name": name, "email": email, "avatar_url": None}
        for key, (name, email) in USERS.items()
    ]


def prop(db: str, name: str, kind: str, config: JSON = None) -> dict[str, JSON]:
    """Return one PropertySchema entry with a stable short id."""
    prop_id = "title" if kind == "title" else sid(f"prop:{db}:{name}")[:8]
    return {"id": prop_id, "name": name, "type": kind, kind: config if config is not None else {}}


def options(db: str, name: str, labels: tuple[str, ...]) -> dict[str, JSON]:
    """Return a select/multi_select config with stable option ids and colours."""
    return {
        "options": [
            {"id": sid(f"opt:{db}:{name}:{label}")[:8], "name": label, "color": COLORS[i % 10]}
            for i, label in enumerate(labels)
        ]
    }


def diary_schema(tags: tuple[str, ...]) -> dict[str, JSON]:
    """Return the diary database's properties."""
    d = "diary"
    relation = prop(d, "关联项目", "relation", {"database_id": PROJECT_DATABASE_ID})
    rollup = {
        "relation_property_name": "关联项目",
        "relation_property_id": relation["id"],
        "rollup_property_name": "进度",
        "rollup_property_id": sid("prop:projects:进度")[:8],
        "function": "show_original",
    }
    items = [
        prop(d, "标题", "title"),
        prop(d, "日期", "date"),
        prop(d, "分类", "select", options(d, "分类", CATEGORIES)),
        prop(d, "心情", "select", options(d, "心情", MOODS)),
        prop(d, "完成", "checkbox"),
        prop(d, "标签", "multi_select", options(d, "标签", tags)),
        prop(d, "关联问题", "relation", {"database_id": PROBLEM_DATABASE_ID}),
        relation,
        prop(d, "字数", "formula", {"expression": 'length(replaceAll(thisPage.text, " ", ""))'}),
        prop(d, "项目进度", "rollup", rollup),
        prop(d, "参与人", "people"),
        prop(d, "附件", "files"),
        prop(d, "参考链接", "url"),
    ]
    return {p["name"]: p for p in items}


def problem_schema() -> dict[str, JSON]:
    """Return the problem-log database's properties (relation synced with the projects')."""
    d = "problems"
    link = {
        "database_id": PROJECT_DATABASE_ID,
        "synced_property_id": sid("prop:projects:关联问题")[:8],
    }
    items = [
        prop(d, "标题", "title"),
        prop(d, "状态", "select", options(d, "状态", PROBLEM_STATES)),
        prop(d, "严重程度", "select", options(d, "严重程度", SEVERITIES)),
        prop(d, "关联项目", "relation", link),
    ]
    return {p["name"]: p for p in items}


def project_schema() -> dict[str, JSON]:
    """Return the project database's properties."""
    d = "projects"
    link = {
        "database_id": PROBLEM_DATABASE_ID,
        "synced_property_id": sid("prop:problems:关联项目")[:8],
    }
    items = [
        prop(d, "标题", "title"),
        prop(d, "状态", "select", options(d, "状态", PROJECT_STATES)),
        prop(d, "进度", "number", {"format": "percent"}),
        prop(d, "关联问题", "relation", link),
    ]
    return {p["name"]: p for p in items}


def runs_schema() -> dict[str, JSON]:
    """Return the inline running-log database's properties."""
    d = "runs"
    items = [
        prop(d, "标题", "title"),
        prop(d, "日期", "date"),
        prop(d, "距离", "number", {"format": "number"}),
        prop(d, "用时", "rich_text"),
    ]
    return {p["name"]: p for p in items}
