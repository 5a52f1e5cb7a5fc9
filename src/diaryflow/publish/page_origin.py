"""Whether a page found under the report parent is ours: made by this integration, for this run.

A create whose answer was lost (a 5xx, a timeout, a dropped connection) may have made the
page. Before creating, the time is noted; a page is adopted only when FlowUs says this
integration made it, or — before the integration's id is known — when it was made after
that note. A person's page that happens to carry the same title is never taken over.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from diaryflow.state.store import Store
from diaryflow.window import parse_timestamp

CREATOR_KEY = "flowus_integration_user"
CLOCK_SKEW = timedelta(minutes=10)  # between this machine's clock and FlowUs's


def _intent_key(job: str, period: str) -> str:
    return f"create_intent:{job}:{period}"


def note_create(store: Store, job: str, period: str, now: datetime) -> datetime:
    """Record that a page for (job, period) is about to be created; the first such time."""
    kept = create_noted(store, job, period)
    if kept is not None:
        return kept
    store.set_meta(_intent_key(job, period), now.astimezone(timezone.utc).isoformat())
    return now


def create_noted(store: Store, job: str, period: str) -> datetime | None:
    """When a create for (job, period) was first attempted and not yet settled, or None."""
    value = store.get_meta(_intent_key(job, period))
    return parse_timestamp(value) if value else None


def settle_create(store: Store, job: str, period: str) -> None:
    """Forget the noted create: the page of (job, period) is recorded."""
    store.delete_meta(_intent_key(job, period))


def creator_of(page: Mapping[str, Any]) -> str | None:
    """The user id that made a page (``created_by``, or ``createdBy`` in a create's answer)."""
    who = page.get("created_by") or page.get("createdBy")
    user = who.get("id") if isinstance(who, Mapping) else None
    return user if isinstance(user, str) and user else None


def remember_creator(store: Store, page: Mapping[str, Any]) -> None:
    """Learn this integration's user id from a page it made."""
    creator = creator_of(page)
    if creator and store.get_meta(CREATOR_KEY) != creator:
        store.set_meta(CREATOR_KEY, creator)


def is_ours(page: Mapping[str, Any], creator: str | None, since: datetime | None) -> bool:
    """Whether a live page with the report's title may be adopted (see the module's rule)."""
    if page.get("archived"):
        return False
    if creator is not None:
        return creator_of(page) == creator
    made = parse_timestamp(page.get("created_time") or page.get("createdAt"))
    return since is not None and made is not None and made >= since - CLOCK_SKEW

