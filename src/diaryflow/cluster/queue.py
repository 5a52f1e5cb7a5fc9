"""The Celery application on the Redis broker, and how a run's task message is sent.

A message carries the run's id and nothing else: the worker reads the rest from PostgreSQL,
so neither a token nor a word of a diary ever passes through the broker.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime

from celery import Celery

# The one task; its message holds a cluster_runs id.
RUN_TASK = "diaryflow.cluster.run"
QUEUE = "diaryflow"
# Seconds Redis waits before handing an unacknowledged message to another worker. Longer than
# any job's timeout, so a slow attempt is never run twice; a worker that died is noticed
# sooner by the planner's sweep of runs past their deadline.
VISIBILITY_TIMEOUT = 6 * 3600
# Seconds at most (2 at least) before the hard limit at which the attempt is asked to stop
# (SoftTimeLimitExceeded), so that it records its own timeout; at the hard limit (the job's
# timeout) its process is killed.
SOFT_MARGIN = 5


def make_app(broker_url: str) -> Celery:
    """The Celery app: late acknowledgement, a message back in the queue when its worker
    process dies, one message at a time per process, JSON only, no result backend."""
    app = Celery("diaryflow", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_default_queue=QUEUE,
        task_routes={RUN_TASK: {"queue": QUEUE}},
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        enable_utc=True,
    )
    return app


def time_limits(timeout: float) -> tuple[int, int]:
    """(soft, hard) limits in whole seconds for an attempt of a job whose timeout is
    ``timeout`` seconds: the hard one is the timeout, the soft one a little before."""
    hard = max(1, math.ceil(timeout))
    # At least 2 s apart: the pool checks its limits about once a second.
    return max(1, hard - max(2, min(SOFT_MARGIN, hard // 10))), hard


def send_run(app: Celery, run_id: int, timeout: float, now: datetime,
             not_before: datetime | None = None) -> str:
    """Send the task message for run ``run_id`` (from ``not_before`` on); its task id, which
    the attempt claims the run with."""
    soft, hard = time_limits(timeout)
    task_id = f"run-{run_id}-{uuid.uuid4().hex[:12]}"
    countdown = (not_before - now).total_seconds() if not_before is not None else 0.0
    app.send_task(RUN_TASK, args=[run_id], task_id=task_id, queue=QUEUE,
                  soft_time_limit=soft, time_limit=hard,
                  countdown=countdown if countdown > 0 else None)
    return task_id
