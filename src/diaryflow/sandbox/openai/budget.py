"""Per-API-key RPM and TPM limits over a sliding window, as SiliconFlow enforces them.

A request's tokens are counted when it is admitted: the estimated prompt tokens
(:func:`prompt_tokens`) plus its ``max_tokens`` (nothing when absent), the most it may cost.
A refused request is not counted against either limit.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

from diaryflow.sandbox.openai.answer import prompt_tokens

JSON = Any
WINDOW = 60.0  # SiliconFlow's limits are per minute


class KeyBudget:
    """At most ``rpm`` requests and ``tpm`` tokens in any ``window`` seconds (None: no limit)."""

    def __init__(self, rpm: int | None, tpm: int | None, window: float = WINDOW) -> None:
        self.rpm, self.tpm, self.window = rpm, tpm, window
        self._admitted: collections.deque[tuple[float, int]] = collections.deque()
        self._tokens = 0
        self._lock = threading.Lock()

    def admit(self, tokens: int, now: float | None = None) -> str | None:
        """Count a request costing ``tokens`` and return None, or name the limit it hits."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            while self._admitted and self._admitted[0][0] <= moment - self.window:
                self._tokens -= self._admitted.popleft()[1]
            if self.rpm is not None and len(self._admitted) >= self.rpm:
                return "RPM"
            if self.tpm is not None and self._tokens + tokens > self.tpm:
                return "TPM"
            self._admitted.append((moment, tokens))
            self._tokens += tokens
            return None


def request_tokens(body: JSON) -> int:
    """What a chat request counts against TPM: estimated prompt tokens plus its max_tokens."""
    if not isinstance(body, dict):
        return 0
    messages = body.get("messages")
    prompt = 0
    if isinstance(messages, list) and all(isinstance(m, dict) for m in messages):
        prompt = prompt_tokens(messages)
    limit = body.get("max_tokens")
    return prompt + (limit if type(limit) is int and limit > 0 else 0)
