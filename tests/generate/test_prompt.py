"""The prompt: template precedence, the messages filled once, what the model is told to draw."""

from __future__ import annotations

from pathlib import Path

import pytest

from diaryflow.errors import ConfigError
from diaryflow.generate.prompt import DEFAULT_TEMPLATE, build_messages, load_template
from diaryflow.generate.report import report_title
from tests.generate.helpers import RUN


def test_template_precedence_and_input(tmp_path: Path) -> None:
    file = tmp_path / "prompt.md"
    file.write_text("文件模板 {period}\n{input}", encoding="utf-8")
    assert load_template(None, None) == DEFAULT_TEMPLATE
    assert load_template(file, None) == "文件模板 {period}\n{input}"
    assert load_template(file, "页面模板 {input}") == "页面模板 {input}"
    assert load_template(file, "  \n") == "文件模板 {period}\n{input}"  # a blank block: ignored
    no_input = load_template(None, "请写周报。")
    assert no_input.startswith("请写周报。") and no_input.rstrip().endswith("{input}")
    user = build_messages(no_input, "P", "日记正文", "S")[1]["content"]
    assert user.startswith("请写周报。") and user.rstrip().endswith("日记正文")
    for name in ("{period}", "{input}", "{stats}"):
        assert name in DEFAULT_TEMPLATE
    with pytest.raises(ConfigError, match=r"report\.prompt_file"):
        load_template(tmp_path / "missing.md", None)
    (tmp_path / "blank.md").write_text(" \n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_template(tmp_path / "blank.md", None)


def test_build_messages_fills_once() -> None:
    system, user = build_messages("{period}|{stats}|{input}|{other}", "P", "写了 {stats}", "S")
    assert system["role"] == "system" and user["role"] == "user"
    assert user["content"] == "P|S|写了 {stats}|{other}"  # diary text is never substituted


def test_the_model_is_told_which_diagrams_it_may_draw() -> None:
    system = build_messages(DEFAULT_TEMPLATE, "P", "日记", "S")[0]["content"]
    for kind in ("gantt", "timeline", "flowchart", "mindmap", "pie", "xychart-beta"):
        assert kind in system
    assert "不要画表示数字的图表" in system
    assert report_title("  ", RUN) == "2026-11-27"
