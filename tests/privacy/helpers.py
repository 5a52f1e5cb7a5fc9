"""Valid and invalid ID and card numbers, computed from their published check rules."""

from __future__ import annotations

# The published GB 11643 weights and check characters, restated here on purpose.
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECKS = "10X98765432"


def id_number(body: str) -> str:
    """``body`` (17 digits) with its ISO 7064 MOD 11-2 check character."""
    return body + CHECKS[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def luhn_sum(digits: str) -> int:
    total = 0
    for i, c in enumerate(reversed(digits)):
        doubled = int(c) * 2 if i % 2 else int(c)
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10


def card_number(body: str) -> str:
    """``body`` with the Luhn check digit appended."""
    return body + str((10 - luhn_sum(body + "0")) % 10)


def bad_id_number(body: str) -> str:
    """``body`` with a wrong check character that also fails Luhn (so no card either)."""
    good = id_number(body)
    return next(body + c for c in "0123456789" if body + c != good and luhn_sum(body + c))
