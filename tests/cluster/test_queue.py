"""An attempt's time limits: the hard one is the job's timeout, the soft one comes first."""

from __future__ import annotations

import pytest

from diaryflow.cluster.queue import time_limits


@pytest.mark.parametrize(("timeout", "limits"), [
    (1, (1, 1)), (3, (1, 3)), (6, (4, 6)), (30, (27, 30)), (600, (595, 600)),
    (3600, (3595, 3600)), (2.5, (1, 3)),
])
def test_the_hard_limit_is_the_timeout_and_the_soft_one_comes_first(
        timeout: float, limits: tuple[int, int]) -> None:
    assert time_limits(timeout) == limits
