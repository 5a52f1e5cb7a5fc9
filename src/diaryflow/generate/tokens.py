"""Token estimates: a safe upper bound of what a prompt costs, without a tokenizer."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

MESSAGE_OVERHEAD = 8  # role markers and separators the chat format adds around each message
_CJK_RANGES = (
    (0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3040, 0x30FF), (0x3100, 0x31FF),
    (0x3200, 0x4DBF), (0x4E00, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF),
)  # fmt: skip
_CJK = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _CJK_RANGES) + "]")
_LETTERS = re.compile(r"[A-Za-z\s]")
_DIGITS = re.compile(r"[0-9]")
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
# Hundredths of a token per character. The notes' 0.75 (CJK) and 0.3 (the rest) undercount
# digits, punctuation and symbols; these rates, checked against the DeepSeek-V3 tokenizer on
# the sample diary and raw API JSON, stay above the real count (bench/generate.py prints it).
CJK_COST, LETTER_COST, DIGIT_COST, PUNCTUATION_COST, OTHER_COST = 75, 30, 100, 60, 100


def is_cjk(ch: str) -> bool:
    """Whether a character is CJK script or CJK/full-width punctuation."""
    return _CJK.fullmatch(ch) is not None


def char_cost(ch: str) -> int:
    """One character's estimated cost, in hundredths of a token."""
    if is_cjk(ch):
        return CJK_COST
    if _LETTERS.fullmatch(ch):
        return LETTER_COST
    if _DIGITS.fullmatch(ch):
        return DIGIT_COST
    return PUNCTUATION_COST if _PUNCTUATION.fullmatch(ch) else OTHER_COST


def estimate_tokens(text: str) -> int:
    """A safe upper estimate of the tokens of ``text``."""
    cjk = len(_CJK.findall(text))
    letters = len(_LETTERS.findall(text))
    digits = len(_DIGITS.findall(text))
    punctuation = len(_PUNCTUATION.findall(text))
    other = len(text) - cjk - letters - digits - punctuation
    hundredths = (CJK_COST * cjk + LETTER_COST * letters + DIGIT_COST * digits
                  + PUNCTUATION_COST * punctuation + OTHER_COST * other)
    return -(-hundredths // 100)


def messages_tokens(messages: Sequence[Mapping[str, str]]) -> int:
    """The estimate for a whole chat prompt."""
    return sum(estimate_tokens(m.get("content", "")) + MESSAGE_OVERHEAD for m in messages)


def input_budget(context_tokens: int, max_tokens: int, margin: float = 0.9) -> int:
    """Tokens the prompt may use so that the prompt plus the answer fit the context."""
    return math.floor(margin * context_tokens) - max_tokens


def fits_context(
    messages: Sequence[Mapping[str, str]], context_tokens: int, max_tokens: int, margin: float
) -> bool:
    """Whether a prompt plus the answer fit the context, by the estimate."""
    return messages_tokens(messages) <= input_budget(context_tokens, max_tokens, margin)


def split_to_tokens(text: str, limit: int) -> list[str]:
    """``text`` cut into consecutive pieces of at most ``limit`` tokens each, nothing dropped.

    A cut falls after a sentence's end or a space near the limit when there is one.
    """
    pieces: list[str] = []
    start, spent = 0, 0
    for index, ch in enumerate(text):
        cost = char_cost(ch)
        if spent + cost > limit * 100 and index > start:
            cut = _soft_cut(text, start, index)
            pieces.append(text[start:cut])
            start = cut
            spent = sum(char_cost(c) for c in text[start:index])
        spent += cost
    pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def _soft_cut(text: str, start: int, end: int) -> int:
    """The best cut in ``text[start:end]``: after 。！？.!? or a space in its last fifth."""
    floor = start + (end - start) * 4 // 5
    for index in range(end - 1, floor - 1, -1):
        if text[index] in "。！？；.!?; ":
            return index + 1
    return end
