"""``diaryflow cluster migrate|plan|worker|status``: the cluster mode's processes and views."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from diaryflow.cli.cluster_common import (
    CONNECTIONS,
    cipher,
    cluster_command,
    cluster_options,
    cluster_settings,
    open_cluster_db,
)
from diaryflow.clock import utc_now

DESCRIPTION = f"""\
Run reports for many diaries on several machines: PostgreSQL holds the state, Redis the
queue and the shared rate limits, Celery workers run the attempts.

{CONNECTIONS}"""


def add_cluster_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """The ``cluster`` command and its subcommands."""
    parent = [common, cluster_options()]
    p = sub.add_parser("cluster", parents=parent, help="run the cluster mode (many diaries)",
                       description=DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("migrate", parents=parent,
                       help="create or upgrade the cluster's tables, then exit")
    plan = actions.add_parser(
        "plan", parents=parent, help="plan due runs and send them to the workers",
        description="Find every tenant's due runs (by its own schedule and timezone, with "
        "serve's catch-up rules), add each once and send it to the workers; send again what "
        "the broker lost or a dead worker left. Runs until SIGTERM (exit 0). Several "
        "planners may run at once: none adds a run twice.")
    plan.add_argument("--once", action="store_true",
                      help="plan what is due now, then exit")
    plan.add_argument("--interval", type=float, default=None, metavar="SECONDS",
                      help="seconds between passes (default 15)")
    worker = actions.add_parser(
        "worker", parents=parent, help="run attempts (a Celery worker)",
        description="Run the attempts the planner sends: each with its job's timeout as a "
        "hard time limit, retried after its retry_interval, resumed from its checkpoints; "
        "every worker draws from the same FlowUs and model budgets. SIGTERM lets the current "
        "attempts finish, then exits 0.")
    worker.add_argument("--concurrency", type=int, default=None, metavar="N",
                        help="attempts at once (processes; default 4)")
    worker.add_argument("--name", default=None,
                        help="the worker's node name (default diaryflow-PID@HOST)")
    status = actions.add_parser(
        "status", parents=parent, help="queue depth, runs by state, late tenants, budget use")
    status.add_argument("--json", action="store_true", help="print JSON")


@cluster_command
def cmd_cluster(args: argparse.Namespace) -> int:
    """Run one ``cluster`` action."""
    settings = cluster_settings(args)
    if args.action == "migrate":
        with open_cluster_db(settings) as cluster:
            print(f"the cluster's tables at {cluster.location} are up to date")
        return 0
    if args.action == "plan":
        return _plan(args, settings)
    if args.action == "worker":
        return _worker(args, settings)
    return _status(args, settings)


def _plan(args: argparse.Namespace, settings: Any) -> int:
    from diaryflow.cluster.broker import BrokerWatch, broker_client, queue_depth
    from diaryflow.cluster.planner import PASS_INTERVAL, Planner, serve_planner
    from diaryflow.cluster.queue import make_app, send_run
    from diaryflow.schedule.signals import STOP, Waker

    interval = args.interval if args.interval is not None else PASS_INTERVAL
    if interval <= 0:
        from diaryflow.errors import ConfigError

        raise ConfigError("--interval", interval, "expected a number of seconds above 0")
    app = make_app(settings.broker_url)
    client = broker_client(settings.broker_url)
    watch = BrokerWatch(client)
    from diaryflow.logs import RedactSecrets, log_to_stderr

    log_to_stderr(RedactSecrets(()))
    with open_cluster_db(settings) as cluster:
        planner = Planner(cluster, lambda run, timeout, at: _sent(app, send_run, run, timeout,
                                                                   at),
                          broker_lost=watch.lost, queue_depth=lambda: queue_depth(client))
        if args.once:
            result = planner.run_pass()
            print(f"{result.planned} planned, {result.swept + result.resent} sent again, "
                  f"{result.failed} failed at their last attempt")
            return 0
        with Waker() as waker:
            return serve_planner(planner, lambda seconds: STOP if waker.wait(seconds) == STOP
                                 else None, interval)


def _sent(app: Any, send: Any, run_id: int, timeout: float, at: Any) -> None:
    send(app, run_id, timeout, utc_now(), at)


def _worker(args: argparse.Namespace, settings: Any) -> int:
    from diaryflow.cluster.worker import DEFAULT_CONCURRENCY, run_worker

    concurrency = args.concurrency if args.concurrency is not None else DEFAULT_CONCURRENCY
    if concurrency < 1:
        from diaryflow.errors import ConfigError

        raise ConfigError("--concurrency", concurrency, "expected a whole number of at least 1")
    cipher()  # a missing or malformed DIARYFLOW_SECRET_KEY stops here, not in every attempt
    with open_cluster_db(settings):
        pass  # the tables exist, and the database is reachable, before any attempt
    return run_worker(settings, dict(os.environ), concurrency, args.name)


def _status(args: argparse.Namespace, settings: Any) -> int:
    from diaryflow.cluster.broker import broker_client, queue_depth
    from diaryflow.cluster.status import gather_status, status_lines

    with open_cluster_db(settings) as cluster:
        client = broker_client(settings.broker_url)
        try:
            depth = queue_depth(client)
            budgets = _budgets(cluster, settings, client) if depth is not None else []
        finally:
            client.close()
        status = gather_status(cluster, utc_now(), depth, budgets)
    if args.json:
        print(json.dumps(status.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(status_lines(status)))
    return 0


def _budgets(cluster: Any, settings: Any, client: Any) -> list[Any]:
    """The FlowUs budget use of each enabled tenant's token, and the cluster model key's:
    read from Redis by each budget's secret-free name (no token is decrypted)."""
    from diaryflow.cluster.budget import BudgetStore, SharedLimits
    from diaryflow.cluster.keys import ENV_MODEL_KEY
    from diaryflow.cluster.status import BudgetUse

    store = BudgetStore(settings.broker_url)
    limits = SharedLimits(store, settings.limits)
    found: list[BudgetUse] = []
    try:
        rows = cluster.query("SELECT name, budget_key FROM tenants WHERE enabled ORDER BY name")
        for name, key in rows:
            if not key:
                continue
            reads, writes = limits.flowus_named(key)
            found += [BudgetUse(f"{name} FlowUs reads", reads.used(), reads.limit),
                      BudgetUse(f"{name} FlowUs writes", writes.used(), writes.limit)]
        model = os.environ.get(ENV_MODEL_KEY, "").strip()
        if model:
            budget = limits.model(model)
            found += [
                BudgetUse("cluster model key requests", budget.requests.used(),
                          budget.requests.limit),
                BudgetUse("cluster model key tokens", budget.tokens.used(), budget.tokens.limit)]
    finally:
        store.close()
    return found
