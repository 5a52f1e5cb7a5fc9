"""The built-in templates: one per period kind, each with the placeholders and its sections."""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

import pytest

from diaryflow.generate.prompt import DEFAULT_TEMPLATE, load_template
from diaryflow.generate.templates import BUILT_IN, COPY_NAMES, builtin_template

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = {
    "day": ["## 今日概览", "## 做了什么", "## 收获与问题", "## 心情与精力", "## 明天可以做的"],
    "week": ["## 本周亮点", "## 问题与解决", "## 情绪与精力", "## 下周延续"],
    "month": ["## 目标与进展", "## 趋势", "## 变化"],
    "year": ["## 年度主题", "## 转折点", "## 数字里的一年", "## 保留与放下"],
}


def test_rolling_is_the_original_prompt_unchanged() -> None:
    original = (ROOT / "src" / "diaryflow" / "data" / "prompt.zh.md").read_text(encoding="utf-8")
    assert builtin_template("rolling") == DEFAULT_TEMPLATE == original
    assert load_template(None, None) == load_template(None, None, "rolling") == original


@pytest.mark.parametrize("kind", ["day", "week", "month", "year"])
def test_each_kind_has_its_sections_and_the_placeholders_once(kind: str) -> None:
    template = builtin_template(kind)
    assert load_template(None, None, kind) == template != DEFAULT_TEMPLATE
    for placeholder in ("{period}", "{input}", "{stats}"):
        assert template.count(placeholder) == 1, placeholder
    headings = [line for line in template.splitlines() if "`## " in line]
    for section in SECTIONS[kind]:
        assert any(f"`{section}`" in line for line in headings), section
    # Comparison with the last period and links to entries are added by code, not here.
    for word in ("上期", "上周", "上个月", "去年", "链接", "引用条目"):
        assert word not in template


def test_a_file_or_a_page_block_still_wins_over_the_kind(tmp_path: Path) -> None:
    file = tmp_path / "mine.md"
    file.write_text("我的模板 {input}", encoding="utf-8")
    assert load_template(file, None, "week") == "我的模板 {input}"
    assert load_template(file, "页面 {input}", "week") == "页面 {input}"


def test_every_template_ships_in_the_wheel() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["diaryflow"]
    for name in BUILT_IN.values():
        assert any(fnmatch.fnmatch(f"data/{name}", glob) for glob in globs), name
        assert (ROOT / "src" / "diaryflow" / "data" / name).is_file()
    assert sorted(COPY_NAMES) == sorted(BUILT_IN)
