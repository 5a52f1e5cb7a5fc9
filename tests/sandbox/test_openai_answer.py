"""The OpenAI sandbox's answers as pure functions: token estimates, cuts, continuations."""

from __future__ import annotations

from diaryflow.sandbox.openai.answer import cut_to_tokens, estimate_tokens, split_continuation


def test_token_estimates() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("日记") == 2  # 1.5 rounded up
    assert estimate_tokens("abcdefghij") == 3
    assert estimate_tokens("日记abc") == 3  # 1.5 + 0.9
    assert cut_to_tokens("一二三四五", 3) == "一二三四"
    messages = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "A"},
        {"role": "user", "content": "more"},
        {"role": "assistant", "content": "B"},
        {"role": "user", "content": "more"},
    ]
    assert split_continuation(messages) == ([messages[0]], "AB")
