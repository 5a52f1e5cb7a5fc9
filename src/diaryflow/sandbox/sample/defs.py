"""The shapes the sample's hand-written texts are declared in (diary entries, linked pages)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Diary:
    """One diary entry: its day (offset from the anchor), metadata and markup body.

    ``at`` is the local (Asia/Shanghai) time it was created, ``"+1 08:10"`` for the next
    morning. ``date_style`` is how 日期 is filled: ``plain`` (YYYY-MM-DD), ``slash``
    (YYYY/MM/DD), ``empty`` (no date) or ``datetime`` (start with a time). ``edited`` is
    how long after creation it was last edited: ``"+40m"``, ``"+2d"`` or ``"+2d 21:05"``.
    ``rel`` names linked problems (``q-…``) and projects (``p-…``).
    """

    day: int
    at: str
    category: str
    mood: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    rel: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    link: str | None = None
    date_style: str = "plain"
    done: bool = True
    icon: str | None = None
    edited: str | None = None
    archived: bool = False


@dataclass(frozen=True)
class Linked:
    """A problem-log or project page, created well before the diary window."""

    key: str
    title: str
    status: str
    created: int
    edited: int
    body: str
    links: tuple[str, ...] = ()
    severity: str | None = None
    progress: float | None = None


@dataclass(frozen=True)
class SubPage:
    """A page nested in another page's body (a ``::page KEY`` line places it)."""

    key: str
    title: str
    body: str
    icon: str | None = None
