from __future__ import annotations

from pathlib import Path

from diaryflow.state.pauses import is_paused, paused_jobs, set_paused
from diaryflow.state.store import Store
from tests.helpers import StoreFactory


def test_pause_state_is_kept_per_job_and_survives_reopening(
        store_factory: StoreFactory) -> None:
    with store_factory() as store:
        assert not is_paused(store, "weekly") and paused_jobs(store) == frozenset()
        set_paused(store, "weekly", True)
        set_paused(store, "daily", True)
        set_paused(store, "daily", False)
    with store_factory() as store:
        assert is_paused(store, "weekly") and not is_paused(store, "daily")
        assert paused_jobs(store) == frozenset({"weekly"})


def test_history_queries_use_the_runs_indexes(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db") as store:
        for where in ("job = 'a'", "status = 'ok'", "period = 'p'", "job = 'a' AND status = 'ok'",
                      "1 = 1"):
            plan = " ".join(str(row[-1]) for row in store.query(
                f"EXPLAIN QUERY PLAN SELECT run_id FROM runs WHERE {where} "
                "ORDER BY started_at DESC, rowid DESC LIMIT 50"))
            assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, (where, plan)


def test_a_periods_success_is_found_on_one_index(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db") as store:
        plan = " ".join(str(row[-1]) for row in store.query(
            "EXPLAIN QUERY PLAN SELECT 1 FROM runs WHERE job = 'a' AND period = 'p' "
            "AND status = 'ok' LIMIT 1"))
    assert "runs_by_job_period_status" in plan, plan
