"""Private entries left out of a snapshot, with the linked pages only they lead to."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from diaryflow.diary import Entry, PageDoc, Snapshot

# The pages a page leads to (relations, mentions), as the collect stage follows them.
References = Callable[[PageDoc], Iterable[str]]
_CHOICES = ("select", "multi_select", "status")


@dataclass(frozen=True)
class ExcludeRule:
    """What marks a page private: a choice option among ``values``, or ``checkbox`` checked."""

    values: tuple[str, ...] = ()
    checkbox: str | None = None

    def matches(self, properties: Mapping[str, Any]) -> bool:
        """Whether a page with these properties is private (option names compared caseless)."""
        wanted = {value.strip().casefold() for value in self.values}
        if wanted and any(name.casefold() in wanted for name in option_names(properties)):
            return True
        if self.checkbox is None:
            return False
        value = properties.get(self.checkbox)
        return isinstance(value, Mapping) and value.get("checkbox") is True


def option_names(properties: Mapping[str, Any]) -> list[str]:
    """The option names chosen in every select, multi-select and status property."""
    found: list[str] = []
    for value in properties.values():
        if not isinstance(value, Mapping):
            continue
        for kind in _CHOICES:
            chosen = value.get(kind)
            options = chosen if isinstance(chosen, list) else [chosen]
            found += [o["name"].strip() for o in options
                      if isinstance(o, Mapping) and isinstance(o.get("name"), str)]
    return found


def exclude_private(
    snapshot: Snapshot, rule: ExcludeRule, references: References, depth: int
) -> Snapshot:
    """The snapshot without private entries and pages, nor the linked pages reached only
    through them (followed as collect follows links: ``references``, to ``depth``)."""
    private = {e.page.id for e in snapshot.entries if rule.matches(e.page.properties)}
    private |= {p.id for p in snapshot.linked if rule.matches(p.properties)}
    if not private:
        return snapshot
    entries = tuple(e for e in snapshot.entries if e.page.id not in private)
    reached = _reached(entries, snapshot.linked, private, references, depth)
    kept_pages = [e.page for e in entries] + [p for p in snapshot.linked if p.id in reached]
    cited = {ref for page in kept_pages for ref in references(page)}
    every = {ref for page in _pages(snapshot) for ref in references(page)}
    return dataclasses.replace(
        snapshot,
        entries=entries,
        linked=tuple(p for p in snapshot.linked if p.id in reached),
        # An unreadable page stays noted unless only left-out pages led to it.
        missing=tuple(m for m in snapshot.missing if m.id in cited or m.id not in every),
        excluded=snapshot.excluded + len(snapshot.entries) - len(entries),
        hidden=tuple(sorted({*snapshot.hidden, *private})),
    )


def _reached(
    entries: Iterable[Entry], linked: Iterable[PageDoc], private: set[str],
    references: References, depth: int,
) -> set[str]:
    """Ids of the linked pages the kept entries lead to within ``depth`` steps."""
    pages = {page.id: page for page in linked if page.id not in private}
    level = [entry.page for entry in entries]
    known = {page.id for page in level}
    reached: set[str] = set()
    for _ in range(depth):
        ids = [ref for page in level for ref in references(page)]
        fresh = [pid for pid in dict.fromkeys(ids) if pid not in known]
        known.update(fresh)
        level = [pages[pid] for pid in fresh if pid in pages]
        reached.update(page.id for page in level)
        if not level:
            break
    return reached


def _pages(snapshot: Snapshot) -> list[PageDoc]:
    return [e.page for e in snapshot.entries] + list(snapshot.linked)
