"""``diaryflow cluster worker``: a Celery worker running the cluster's attempts.

Each worker process builds its own connections after the fork (PostgreSQL, Redis), and logs
through one filter that hides the secrets of the tenant whose attempt it is running.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Mapping
from datetime import datetime
from types import FrameType

from celery import Celery, Task

from diaryflow.clock import utc_now
from diaryflow.cluster.attempt import AttemptTimedOut, WorkerContext, execute
from diaryflow.cluster.budget import BudgetStore, SharedLimits
from diaryflow.cluster.queue import QUEUE, RUN_TASK, make_app, send_run
from diaryflow.cluster.secrets import cipher_from_env
from diaryflow.cluster.settings import ClusterSettings
from diaryflow.errors import DatabaseUnreachable
from diaryflow.logs import RedactSecrets, log_to_stderr

log = logging.getLogger("diaryflow.cluster.worker")

# Seconds before an attempt that could not reach PostgreSQL is tried again.
DATABASE_RETRY = 5
# Attempts at once per worker (processes): attempts mostly wait on FlowUs and the model.
DEFAULT_CONCURRENCY = 4


class _Process:
    """This process's context, made on first use (after the fork) and kept."""

    def __init__(self, settings: ClusterSettings, env: Mapping[str, str], app: Celery,
                 redact: RedactSecrets) -> None:
        self.settings, self.env, self.app, self.redact = settings, env, app, redact
        self.pid: int | None = None
        self.context: WorkerContext | None = None

    def get(self) -> WorkerContext:
        if self.context is None or self.pid != os.getpid():
            limits = SharedLimits(BudgetStore(self.settings.broker_url), self.settings.limits)
            self.context = WorkerContext(
                self.settings, cipher_from_env(self.env), limits, self.env,
                worker=f"{socket.gethostname()}:{os.getpid()}", redact=self.redact,
                requeue=self._requeue)
            self.pid = os.getpid()
        return self.context

    def _requeue(self, run_id: int, timeout: float, at: datetime) -> None:
        send_run(self.app, run_id, timeout, utc_now(), at)


def build_app(settings: ClusterSettings, env: Mapping[str, str],
              redact: RedactSecrets | None = None) -> Celery:
    """The Celery app with the run task registered; its processes use ``settings``/``env``."""
    app = make_app(settings.broker_url)
    process = _Process(settings, env, app, redact or RedactSecrets(()))

    # max_retries=None: a database outage is retried for as long as it lasts (older stubs
    # type it as an int only).
    @app.task(name=RUN_TASK, bind=True, acks_late=True, reject_on_worker_lost=True,
              max_retries=None)  # type: ignore[untyped-decorator, call-overload, unused-ignore]
    def run(task: Task[..., str], run_id: int) -> str:
        # The pool's soft time limit arrives as SIGUSR1; raise what no library catches.
        signal.signal(signal.SIGUSR1, _timed_out)
        try:
            return execute(process.get(), int(run_id), str(task.request.id))
        except DatabaseUnreachable as error:
            log.warning("run %s: the database is unreachable; trying again in %d s: %s",
                        run_id, DATABASE_RETRY, error)
            raise task.retry(exc=error, countdown=DATABASE_RETRY) from None

    return app


def _timed_out(signum: int, frame: FrameType | None) -> None:
    raise AttemptTimedOut


def run_worker(settings: ClusterSettings, env: Mapping[str, str], concurrency: int,
               name: str | None = None) -> int:
    """Run the worker until SIGTERM (a warm shutdown: current attempts finish first)."""
    redact = RedactSecrets(())
    log_to_stderr(redact)
    app = build_app(settings, env, redact)
    node = name or f"diaryflow-{os.getpid()}@{socket.gethostname()}"
    log.info("worker %s: %d processes, queue %s", node, concurrency, QUEUE)
    app.worker_main([
        "worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--pool=prefork",
        f"--queues={QUEUE}", f"--hostname={node}", "--without-gossip", "--without-mingle",
        "--optimization=fair",
    ])
    return 0
