"""One attempt at one cluster run, in a worker: claim it, run the tenant's report with the
shared budgets, record how it ended, and send it back to the queue when it should retry."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from diaryflow.clock import Clock, utc_now
from diaryflow.cluster.budget import ModelBudget, SharedLimits
from diaryflow.cluster.database import open_cluster, open_tenant
from diaryflow.cluster.keys import model_key
from diaryflow.cluster.runs import (
    ClaimedRun,
    claim_run,
    finish_done,
    finish_failed,
    mark_enqueued,
)
from diaryflow.cluster.secrets import TokenCipher
from diaryflow.cluster.settings import ClusterSettings
from diaryflow.cluster.tenants import tenant_config
from diaryflow.config.job_schedule import job_scheduler, job_webhook, setting_of
from diaryflow.config.jobs import find_job
from diaryflow.config.load import Config, require_flowus_token, secrets
from diaryflow.errors import DatabaseUnreachable, is_permanent
from diaryflow.flowus.client import FlowUsClient
from diaryflow.generate.tokens import estimate_tokens
from diaryflow.llm.types import Message
from diaryflow.logs import RedactSecrets
from diaryflow.pipeline import RunResult, run_report
from diaryflow.schedule.due import retry_wait
from diaryflow.schedule.notify import Failure, notify_failure
from diaryflow.state.store import Store

log = logging.getLogger("diaryflow.cluster.attempt")


class AttemptTimedOut(BaseException):
    """The attempt reached its job's timeout (the worker's soft time limit).

    A BaseException, so that no library's ``except Exception`` (the model SDK turns any
    exception into a connection error, and retries) can take it for a failure to retry."""


@dataclass
class WorkerContext:
    """What every attempt of one worker process shares: settings, keys, budgets, the clock."""

    settings: ClusterSettings
    cipher: TokenCipher
    limits: SharedLimits
    env: Mapping[str, str]
    worker: str
    redact: RedactSecrets = field(default_factory=lambda: RedactSecrets(()))
    clock: Clock = utc_now
    # Sends the run's task message again, from the given time on (the retry).
    requeue: Callable[[int, float, datetime], None] = lambda run_id, timeout, at: None


class ModelPace:
    """The model key's shared budget, as the LLM client's ``pace``: each call takes its
    estimated prompt tokens plus its ``max_tokens``, so a burst can never pass the limit."""

    def __init__(self, budget: ModelBudget) -> None:
        self.budget = budget

    def before_call(self, messages: Sequence[Message], max_tokens: int) -> float:
        """Wait for one request and the call's tokens."""
        prompt = sum(estimate_tokens(message.get("content", "")) for message in messages)
        return self.budget.acquire(prompt + max_tokens)

    def slow_down(self, seconds: float) -> None:
        """Hold every worker using the key back."""
        self.budget.pause(seconds)


def period_lock_key(tenant_id: int, job: str, period: str) -> int:
    """The PostgreSQL advisory lock key of a (tenant, job, period): a signed 64-bit hash."""
    digest = hashlib.blake2b(f"{tenant_id}\0{job}\0{period}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def period_lock(cluster: Store, key: int) -> Iterator[bool]:
    """Hold the advisory lock ``key`` for the block if no other attempt holds it (yields
    whether it was taken). A worker that dies drops its connection, and so the lock."""
    taken = bool(cluster.query("SELECT pg_try_advisory_lock(?)", (key,))[0][0])
    try:
        yield taken
    finally:
        if taken:
            # When the connection is gone, the lock went with it.
            with suppress(DatabaseUnreachable):
                cluster.query("SELECT pg_advisory_unlock(?)", (key,))


def execute(ctx: WorkerContext, run_id: int, claim: str) -> str:
    """Run one attempt of cluster run ``run_id`` under the task id ``claim``; returns how it
    ended (``done``, ``retry``, ``failed``, or ``skipped`` when another attempt has it).

    DatabaseUnreachable propagates: the task is then retried with the same id, which may
    claim the run again."""
    with open_cluster(ctx.settings, ctx.clock) as cluster:
        rows = cluster.query("SELECT tenant_id, job, period FROM cluster_runs WHERE id = ?",
                             (run_id,))
        if not rows:
            log.info("run %d: no such run (its tenant was removed); dropped", run_id)
            return "skipped"
        tenant_id, job, period = int(rows[0][0]), str(rows[0][1]), str(rows[0][2])
        with period_lock(cluster, period_lock_key(tenant_id, job, period)) as taken:
            if not taken:
                log.info("run %d: another attempt holds %s %s; dropped", run_id, job, period)
                return "skipped"
            held = claim_run(cluster, run_id, claim, ctx.worker, ctx.clock())
            if held is None:
                log.info("run %d: already done, failed or held; dropped", run_id)
                return "skipped"
            return _attempt(ctx, cluster, held, claim)


def _attempt(ctx: WorkerContext, cluster: Store, held: ClaimedRun, claim: str) -> str:
    enabled = cluster.query("SELECT enabled FROM tenants WHERE id = ?", (held.tenant_id,))
    if not enabled or not enabled[0][0]:
        finish_failed(cluster, held.id, claim, ctx.clock(), run=None, retry_at=None,
                      error="the tenant is disabled")
        return "failed"
    log.info("run %d: tenant %d, job %s, period %s, attempt %d of %d", held.id, held.tenant_id,
             held.job, held.period, held.attempt, held.max_attempts)
    run: str | None = None
    config: Config | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="diaryflow-run-") as workdir:
            opened = tenant_config(cluster, ctx.cipher, held.tenant_id, Path(workdir))
            config = _with_model_key(opened, ctx.env)
            ctx.redact.secrets = sorted(set(secrets(config)), key=len, reverse=True)
            result = _run(ctx, config, held)
            run = result.run_id
        page = result.published.page_id if result.published else None
        finish_done(cluster, held.id, claim, ctx.clock(), run=run, page_id=page)
        log.info("run %d: done: page %s", held.id, page)
        return "done"
    except DatabaseUnreachable:
        raise
    except (Exception, AttemptTimedOut) as error:  # recorded: the run must not stay "running"
        return _failed(ctx, cluster, held, claim, config, error)


def _run(ctx: WorkerContext, config: Config, held: ClaimedRun) -> RunResult:
    token = require_flowus_token(config)
    reads, writes = ctx.limits.flowus(token)
    key = model_key(config, {})
    pace = ModelPace(ctx.limits.model(key)) if key else None
    fl = config.flowus
    client = FlowUsClient.connect(token, fl.base_url, read_limiter=reads, write_limiter=writes,
                                  concurrency=fl.concurrency, timeout=fl.request_timeout)
    with open_tenant(ctx.settings, held.tenant_id, ctx.clock) as store, client:
        # As ``serve`` runs it: a job and its period key, or the day of the one rolling report.
        jobs = bool(config.jobs)
        return run_report(config, None if jobs else date.fromisoformat(held.period),
                          job=held.job if jobs else None, period=held.period if jobs else None,
                          scheduled_at=held.due_at.isoformat(), clock=ctx.clock,
                          client=client, store=store, pace=pace)


def _failed(ctx: WorkerContext, cluster: Store, held: ClaimedRun, claim: str,
            config: Config | None, error: Exception | AttemptTimedOut) -> str:
    if isinstance(error, AttemptTimedOut) and config is not None:
        setting = setting_of(config, held.job, "timeout")
        message = f"timed out after {held.timeout:g} s ({setting})"
    else:
        message = str(error) or type(error).__name__
    retry_at = None
    permanent = isinstance(error, Exception) and is_permanent(error)
    if held.attempt < held.max_attempts and not permanent and config is not None:
        sched = job_scheduler(config.scheduler, find_job(config, held.job if config.jobs
                                                         else None))
        wait = retry_wait(sched.retry_interval, sched.retry_backoff, held.attempt)
        retry_at = ctx.clock() + timedelta(seconds=wait)
    finish_failed(cluster, held.id, claim, ctx.clock(), run=None, error=message,
                  retry_at=retry_at)
    if retry_at is None:
        log.error("run %d: failed for good after attempt %d: %s", held.id, held.attempt,
                  message)
        url = job_webhook(config, held.job) if config is not None else None
        if url is not None:
            notify_failure(url.get_secret_value(),
                           Failure(held.job, held.period, held.attempt, message, "failed"))
        return "failed"
    log.warning("run %d: attempt %d failed, retrying at %s: %s", held.id, held.attempt,
                retry_at.isoformat(timespec="seconds"), message)
    try:
        ctx.requeue(held.id, held.timeout, retry_at)
        mark_enqueued(cluster, held.id, ctx.clock())
    except Exception as sending:  # the broker is down: the planner sends it once it is due
        log.warning("run %d: cannot send the retry now: %s", held.id, sending)
    return "retry"


def _with_model_key(config: Config, env: Mapping[str, str]) -> Config:
    """The tenant's configuration with its model key: its own, else the cluster's."""
    key = model_key(config, env)
    if key is None or config.siliconflow.token is not None:
        return config
    return config.model_copy(update={
        "siliconflow": config.siliconflow.model_copy(update={"token": SecretStr(key)})})
