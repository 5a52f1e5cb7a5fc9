"""Processes starting together on one state database: the schema is made once, and a
(job, period) keeps exactly one report page row — on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import time

from diaryflow.state.runs import report_page
from diaryflow.state.store import MIGRATIONS
from tests.helpers import StoreFactory

WORKERS = 6

RACE = """
import sys, time
from diaryflow.state.runs import save_report_page, start_run
from diaryflow.state.store import Store
url, start, me = sys.argv[1], float(sys.argv[2]), sys.argv[3]
time.sleep(max(0.0, start - time.time()))
with Store.connect(url) as store:
    for n in range(10):
        save_report_page(store, "daily", "2026-11-27", f"page-{me}", None, n % 2 == 1)
        start_run(store, f"{me}-{n}", "daily", "2026-11-27")
"""


def test_processes_starting_together_make_the_schema_once_and_one_page_row(
        database_url: str, store_factory: StoreFactory) -> None:
    start = time.time() + 1.0  # every process imports first, then opens at the same moment
    children = [subprocess.Popen([sys.executable, "-c", RACE, database_url, str(start), str(n)],
                                 stderr=subprocess.PIPE, text=True)
                for n in range(WORKERS)]
    errors = [child.communicate(timeout=60)[1] for child in children]
    assert [child.returncode for child in children] == [0] * WORKERS, errors
    with store_factory() as store:
        rows = store.query("SELECT job, period, page_id, complete FROM report_pages")
        assert len(rows) == 1 and rows[0][:2] == ("daily", "2026-11-27")
        assert rows[0][2] in {f"page-{n}" for n in range(WORKERS)}
        page = report_page(store, "daily", "2026-11-27")
        assert page is not None and page.complete
        assert store.query("SELECT COUNT(*) FROM runs") == [(10 * WORKERS,)]
        if store.dialect.name == "postgresql":
            versions = store.query("SELECT version FROM diaryflow_schema ORDER BY version")
            assert versions == [(n,) for n in range(1, len(MIGRATIONS) + 1)]  # each once
        else:
            assert store.query("PRAGMA user_version") == [(len(MIGRATIONS),)]
