"""Token estimates for CJK and Latin text."""

from __future__ import annotations

from diaryflow.generate.tokens import estimate_tokens


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("你好") == 2  # ceil(1.5)
    assert estimate_tokens("abcdefghij") == 3
    assert estimate_tokens("你好ab") == 3  # ceil(1.5 + 0.6)
    assert estimate_tokens("，。「」") == 3  # CJK punctuation counts as CJK
    assert estimate_tokens("日" * 1000 + "a" * 1000) == 1050
