"""Which jobs are paused: set from the web dashboard, honoured by ``serve`` at each tick."""

from __future__ import annotations

from diaryflow.state.store import Store


def set_paused(store: Store, job: str, paused: bool) -> None:
    """Pause or resume ``job``; ``serve`` sees it at its next tick, without a restart."""
    store.execute(
        "INSERT INTO job_state (job, paused, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(job) DO UPDATE SET paused = excluded.paused, "
        "updated_at = excluded.updated_at",
        (job, int(paused), store.now_iso()),
    )


def is_paused(store: Store, job: str) -> bool:
    """Whether ``job`` is paused."""
    rows = store.query("SELECT paused FROM job_state WHERE job = ?", (job,))
    return bool(rows and rows[0][0])


def paused_jobs(store: Store) -> frozenset[str]:
    """Every paused job's name."""
    return frozenset(str(row[0]) for row in store.query(
        "SELECT job FROM job_state WHERE paused = 1"))
