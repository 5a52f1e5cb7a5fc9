"""Plain data about language-model calls, shared by the client and the generate stage."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

Message = Mapping[str, str]


class Pace(Protocol):
    """A budget shared with other processes that every model call waits for (the cluster's)."""

    def before_call(self, messages: Sequence[Message], max_tokens: int) -> float:
        """Wait until the call fits the budget and take its share; the seconds waited."""

    def slow_down(self, seconds: float) -> None:
        """Hold every sharer back for ``seconds``: the service answered 429."""


@dataclass(frozen=True)
class Usage:
    """Token counts of one call (or a sum of calls), as the service reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.total_tokens + other.total_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )


@dataclass(frozen=True)
class Completion:
    """One finished answer: its text, the reasoning kept apart, and what it cost."""

    content: str
    model: str
    finish_reason: str = "stop"
    reasoning: str = ""
    usage: Usage = Usage()
    seconds: float = 0.0


@dataclass(frozen=True)
class CallRecord:
    """One HTTP call to the model, for the state database and the request log."""

    model: str
    status: str  # "ok" or "error"
    seconds: float
    http_status: int | None = None
    error: str | None = None
    usage: Usage = Usage()
    finish_reason: str | None = None
    request_body: str | None = None  # only when siliconflow.log_bodies is true
    response_body: str | None = None  # only when siliconflow.log_bodies is true


# What the generate stage needs from a model: messages in, one complete answer out.
Complete = Callable[[Sequence[Message]], Completion]
