"""The state database opened by several processes at once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from diaryflow.state.store import MIGRATIONS, Store

OPEN_AT = """
import sys, time
from pathlib import Path
from diaryflow.state.store import Store
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
Store(Path(sys.argv[1])).close()
"""


def test_processes_opening_a_new_database_together_all_succeed(tmp_path: Path) -> None:
    for round_ in range(4):
        path = tmp_path / str(round_) / "state.db"
        start = time.time() + 0.8  # every process imports first, then opens at the same moment
        children = [
            subprocess.Popen([sys.executable, "-c", OPEN_AT, str(path), str(start)],
                             stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        errors = [child.communicate(timeout=60)[1] for child in children]
        assert [child.returncode for child in children] == [0] * 4, errors
        with Store(path) as store:
            assert store.query("PRAGMA user_version") == [(len(MIGRATIONS),)]
            assert store.query("PRAGMA journal_mode") == [("wal",)]
