"""The model's answer cleaned: fences unwrapped, diagrams kept, charts of numbers dropped."""

from __future__ import annotations

import pytest

from diaryflow.generate.answer import clean_answer


def test_clean_answer() -> None:
    assert clean_answer("```markdown\n## 概览\n\n好\n```") == "## 概览\n\n好"
    kept = "````text\n```mermaid\nx\n```\n````"
    assert clean_answer(f"前\n\n{kept}\n\n后") == f"前\n\n{kept}\n\n后"
    assert clean_answer("前\n~~~Mermaid\npie\n~~~\n\n\n\n后") == "前\n\n后"
    assert clean_answer("前\n```mermaid\npie title 未闭合") == "前"
    assert clean_answer("前\n```mermaid\n\n```\n后") == "前\n后"  # no diagram at all


DIAGRAMS = {
    "gantt": "gantt\n    title 项目\n    section A\n    写作 :a1, 2026-11-01, 3d",
    "flowchart": "flowchart LR\n    熬夜 --> 疲惫",
    "mindmap": "mindmap\n  root((本周))\n    工作",
    "timeline": "timeline\n    title 本周\n    11-24 : 出差",
    "graph": "%% a comment\ngraph TD\n    A --> B",
    "front matter": "---\ntitle: 进度\n---\ngantt\n    写作 :a1, 2026-11-01, 3d",
}
NUMBER_CHARTS = {
    "pie": 'pie title 心情\n    "好" : 3',
    "xychart-beta": "xychart-beta\n    bar [1, 2]",
    "sankey-beta": "sankey-beta\n    A,B,3",
    "quadrantChart": "quadrantChart\n    title 优先级",
    "radar-beta": "radar-beta\n    axis a, b",
    "init directive": "%%{init: {'theme': 'dark'}}%%\npie\n    \"a\" : 1",
}


@pytest.mark.parametrize("source", DIAGRAMS.values(), ids=DIAGRAMS.keys())
def test_diagrams_drawn_from_the_diary_are_kept(source: str) -> None:
    text = f"## 项目进展\n\n进度如下。\n\n```mermaid\n{source}\n```\n\n后文"
    assert clean_answer(text) == text


@pytest.mark.parametrize("source", NUMBER_CHARTS.values(), ids=NUMBER_CHARTS.keys())
def test_charts_of_numbers_the_model_drew_are_dropped(source: str) -> None:
    assert clean_answer(f"前文\n\n```mermaid\n{source}\n```\n\n后文") == "前文\n\n后文"
