"""Every message redacted on its way to a model, and what was hidden counted (never kept)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from diaryflow.privacy.redact import CUSTOM_KIND, KINDS, Redactor

Answer = TypeVar("Answer")
Messages = Sequence[Mapping[str, str]]
EXCLUDED = "excluded"
_ORDER = (*KINDS, CUSTOM_KIND)


class RedactingGuard:
    """Wraps model callables so that each message's ``content`` is redacted before it is sent.

    The same identifier sent twice (a retry, a re-planned chunk) counts once: the counts say
    how many distinct identifiers of each kind the model was kept from seeing.
    """

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._seen: dict[str, set[str]] = {}

    def wrap(self, complete: Callable[[Messages], Answer]) -> Callable[[Messages], Answer]:
        """``complete`` behind redaction: it only ever receives redacted messages."""

        def redacted(messages: Messages) -> Answer:
            return complete([self.redact(message) for message in messages])

        return redacted

    def redact(self, message: Mapping[str, str]) -> dict[str, str]:
        """One message with its content redacted; what was hidden is noted for the counts."""
        content, found = self.redactor.hide(message.get("content", ""))
        for kind, value in found:
            self._seen.setdefault(kind, set()).add(value)
        return {**message, "content": content}

    def counts(self, excluded: int = 0) -> dict[str, int]:
        """Private entries left out and distinct identifiers hidden, by kind; zeros omitted."""
        found = {kind: len(values) for kind, values in sorted(self._seen.items())}
        return {EXCLUDED: excluded, **found} if excluded else found


def privacy_summary(counts: Mapping[str, int]) -> str:
    """``2 excluded, 3 redacted (phone 1, email 2)``, or ``""`` when nothing was hidden."""
    parts = [f"{counts[EXCLUDED]} excluded"] if counts.get(EXCLUDED) else []
    kinds = sorted(((kind, n) for kind, n in counts.items() if kind != EXCLUDED and n),
                   key=lambda item: (_ORDER.index(item[0]) if item[0] in _ORDER else len(_ORDER),
                                     item[0]))
    if kinds:
        each = ", ".join(f"{kind} {n}" for kind, n in kinds)
        parts.append(f"{sum(n for _, n in kinds)} redacted ({each})")
    return ", ".join(parts)
