"""What the daemon tests share: a clock whose waiting moves it, with scripted signals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class FakeTime:
    """Wall clock and sleep in one: waiting moves the clock; scripted signals cut waits short."""

    now_at: datetime
    events: list[tuple[datetime, str]] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)

    def now(self) -> datetime:
        return self.now_at

    def wait(self, seconds: float) -> str | None:
        until = self.now_at + timedelta(seconds=seconds)
        self.events.sort()
        if self.events and self.events[0][0] <= until:
            at, event = self.events.pop(0)
            self.now_at = max(self.now_at, at)
            return event
        self.now_at = until
        return None

    def take_deferred(self) -> str | None:
        return self.deferred.pop(0) if self.deferred else None
