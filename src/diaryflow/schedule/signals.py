"""Sleeping that signals cut short: SIGTERM/SIGINT ask to stop, SIGHUP to reload, SIGCHLD wakes.

Signal handlers only note the signal; ``signal.set_wakeup_fd`` writes each one to a pipe,
and ``wait`` sleeps in ``select`` on that pipe — so the daemon sleeps until it is due (or
told something) without polling.
"""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Callable
from types import FrameType

STOP = "stop"
RELOAD = "reload"
CHILD = "child"
_EVENTS = {
    signal.SIGTERM: STOP,
    signal.SIGINT: STOP,
    signal.SIGHUP: RELOAD,
    signal.SIGCHLD: CHILD,
}


class Waker:
    """Waits for a deadline or a signal, whichever comes first."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._pending: list[str] = []
        self._deferred: list[str] = []
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._previous_fd = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self._previous = {sig: signal.signal(sig, self._note) for sig in _EVENTS}

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self._pending.append(_EVENTS[signal.Signals(signum)])

    def close(self) -> None:
        """Put the previous handlers back."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._previous_fd)
        os.close(self._read)
        os.close(self._write)

    def __enter__(self) -> Waker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait(self, seconds: float) -> str | None:
        """Sleep up to ``seconds``; return the first signal event noted, or None at the deadline."""
        deadline = self.clock() + max(0.0, seconds)
        while not self._pending:
            left = deadline - self.clock()
            if left <= 0:
                return None
            select.select([self._read], [], [], left)  # a signal makes the pipe readable
            self._drain()
        return self._pending.pop(0)

    def note_later(self, event: str) -> None:
        """Keep an event for after the current wait (a reload asked for mid-attempt)."""
        self._deferred.append(event)

    def take_deferred(self) -> str | None:
        """The oldest event kept by :meth:`note_later`."""
        return self._deferred.pop(0) if self._deferred else None

    def poll(self) -> str | None:
        """The first event noted so far, without waiting."""
        self._drain()
        return self._pending.pop(0) if self._pending else None

    def _drain(self) -> None:
        try:
            while os.read(self._read, 512):
                pass
        except BlockingIOError:
            pass
