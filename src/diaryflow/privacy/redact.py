"""Replace phone, ID card, e-mail and bank card numbers in text with placeholders."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

KINDS = ("phone", "id_card", "email", "bank_card")
PLACEHOLDERS = {
    "phone": "[手机号]",
    "id_card": "[身份证号]",
    "email": "[邮箱]",
    "bank_card": "[银行卡号]",
}
CUSTOM_PLACEHOLDER = "[已隐藏]"
CUSTOM_KIND = "pattern"

# ASCII classes throughout: in Python ``\d`` and ``\w`` also match Chinese text and
# full-width digits, which would glue an identifier to the sentence around it.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])"
)
_ID_CARD = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_BANK_CARD = re.compile(
    r"(?<![0-9])(?:[0-9]{16,19}"
    r"|[0-9]{4}(?P<sep>[ -])[0-9]{4}(?P=sep)[0-9]{4}(?P=sep)[0-9]{4}(?:(?P=sep)[0-9]{1,3})?)"
    r"(?![0-9])"
)
_PHONE = re.compile(
    r"(?<![0-9])(?:(?:\+|00)?86[ -]?)?"
    r"1[3-9][0-9](?:[0-9]{8}|(?P<sep>[ -])[0-9]{4}(?P=sep)[0-9]{4})(?![0-9])"
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECKS = "10X98765432"


def valid_id_card(number: str) -> bool:
    """Whether an 18-character ID number has a real birth date and a right check character."""
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return number[17].upper() == _ID_CHECKS[total % 11]


def luhn_valid(number: str) -> bool:
    """Whether a digit string passes the Luhn check (separators are ignored)."""
    digits = [int(c) for c in number if c in "0123456789"]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return bool(digits) and total % 10 == 0


def _always(_: str) -> bool:
    return True


# Applied in this order: e-mail first (an address may hold a phone number), then ID
# numbers before card and phone numbers, which an ID number could otherwise pass for.
_RULES: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    ("email", _EMAIL, _always),
    ("id_card", _ID_CARD, valid_id_card),
    ("bank_card", _BANK_CARD, luhn_valid),
    ("phone", _PHONE, _always),
)

_Span = tuple[int, int, str]


def _overlaps(start: int, end: int, spans: Sequence[_Span]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end, _ in spans)


def _find(
    text: str, pattern: re.Pattern[str], accept: Callable[[str], bool], kind: str,
    spans: list[_Span],
) -> None:
    """Add to ``spans`` the matches of ``pattern`` that pass ``accept`` and overlap none."""
    for match in pattern.finditer(text):
        start, end = match.span()
        if start < end and accept(match.group()) and not _overlaps(start, end, spans):
            spans.append((start, end, kind))


@dataclass(frozen=True)
class Redactor:
    """Which identifier kinds to hide, plus extra patterns hidden as ``CUSTOM_PLACEHOLDER``."""

    kinds: tuple[str, ...] = KINDS
    patterns: tuple[re.Pattern[str], ...] = ()

    def __post_init__(self) -> None:
        unknown = [kind for kind in self.kinds if kind not in KINDS]
        if unknown:
            raise ValueError(f"unknown identifier kind {unknown[0]!r}; known: {', '.join(KINDS)}")

    @classmethod
    def from_settings(cls, kinds: Sequence[str], patterns: Sequence[str]) -> Redactor:
        """A redactor from setting values; an unknown kind or a bad regex raises ValueError."""
        compiled = []
        for source in patterns:
            try:
                compiled.append(re.compile(source))
            except re.error as error:
                raise ValueError(f"bad redaction pattern {source!r}: {error}") from None
        return cls(kinds=tuple(kinds), patterns=tuple(compiled))

    def redact(self, text: str) -> tuple[str, Counter[str]]:
        """The text with identifiers replaced, and a count per kind (never the values)."""
        hidden, found = self.hide(text)
        return hidden, Counter(kind for kind, _ in found)

    def hide(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The text with identifiers replaced, and each one replaced as (kind, value)."""
        spans: list[_Span] = []
        for kind, pattern, accept in _RULES:
            if kind in self.kinds:
                _find(text, pattern, accept, kind, spans)
        for pattern in self.patterns:
            _find(text, pattern, _always, CUSTOM_KIND, spans)
        pieces: list[str] = []
        found: list[tuple[str, str]] = []
        position = 0
        for start, end, kind in sorted(spans):
            pieces += [text[position:start], PLACEHOLDERS.get(kind, CUSTOM_PLACEHOLDER)]
            found.append((kind, text[start:end]))
            position = end
        pieces.append(text[position:])
        return "".join(pieces), found
