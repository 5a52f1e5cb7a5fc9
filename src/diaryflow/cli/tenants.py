"""``diaryflow tenants ...``: add, list, enable, disable, remove tenants and re-key their
sealed configurations (the cluster extra is imported only when a command runs)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from diaryflow.cli.cluster_common import (
    CONNECTIONS,
    cipher,
    cluster_command,
    cluster_options,
    cluster_settings,
    open_cluster_db,
)
from diaryflow.cli.views import display_width, fit
from diaryflow.errors import EXIT_CONFIG, EXIT_OK, ConfigError

if TYPE_CHECKING:
    from diaryflow.cluster.tenants import Tenant

DESCRIPTION = f"""\
Manage the tenants of a cluster: each is one diary's configuration (its FlowUs token,
diary, parent page, jobs, timezone, privacy and prompt files), imported from its config.toml
and kept encrypted in PostgreSQL; only its schedule ([scheduler], [[jobs]] without their
webhooks) is stored in the clear for the planner.

{CONNECTIONS}"""


def add_tenants_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                       common: argparse.ArgumentParser) -> None:
    """The ``tenants`` command and its subcommands."""
    parents = [common, cluster_options()]
    top = sub.add_parser("tenants", parents=parents, help="the tenants of a cluster (diaries)",
                         description=DESCRIPTION,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = top.add_subparsers(dest="tenants_command", metavar="ACTION")
    p = verbs.add_parser(
        "add", parents=parents, help="import a diary's config.toml as a new tenant",
        description="Read the tenant's config.toml (given with --config) and the prompt files "
                    "it names, without the cluster's environment, validate it, encrypt it with "
                    "DIARYFLOW_SECRET_KEY and store it under NAME; make the tenant's state "
                    "schema. The file may be deleted afterwards.")
    p.add_argument("name", metavar="NAME", help="the tenant's name: 1 to 64 letters, digits, "
                   "'_', '.' or '-'; unique")
    p = verbs.add_parser("list", parents=parents, help="every tenant, enabled or not, and its "
                         "last run", description="List the tenants: name, enabled or disabled, "
                         "jobs, timezone and the last run (job, period, state, when it ended).")
    p.add_argument("--json", action="store_true", help="a JSON list of objects instead")
    for verb, text in (("enable", "plan runs for tenant NAME again"),
                       ("disable", "plan no new runs for tenant NAME (its data is kept)")):
        p = verbs.add_parser(verb, parents=parents, help=text, description=text[0].upper()
                             + text[1:] + ".")
        p.add_argument("name", metavar="NAME")
    p = verbs.add_parser(
        "remove", parents=parents, help="delete a tenant and all its state",
        description="Delete tenant NAME: its sealed configuration, its cluster runs and its "
                    "whole state schema (runs, reports, checkpoints). Pages already published "
                    "in FlowUs are left alone. Asks first on a terminal; elsewhere needs --yes.")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--yes", action="store_true", help="do not ask")
    verbs.add_parser(
        "rotate-key", parents=parents, help="re-encrypt every tenant under the newest key",
        description="Re-encrypt every tenant's sealed configuration under the first key of "
                    "DIARYFLOW_SECRET_KEY. To rotate: set DIARYFLOW_SECRET_KEY=NEW,OLD, run "
                    "this, then drop OLD.")


@cluster_command
def cmd_tenants(args: argparse.Namespace) -> int:
    """Run one ``tenants`` subcommand."""
    verb = getattr(args, "tenants_command", None)
    if verb is None:
        raise ConfigError("tenants", None, "which action? add, list, enable, disable, remove "
                          "or rotate-key (see `diaryflow tenants --help`)")
    settings = cluster_settings(args)
    if verb == "remove" and not args.yes and not _confirmed(args.name):
        return EXIT_CONFIG
    keys = cipher() if verb in ("add", "rotate-key") else None
    bundle = None
    if verb == "add":
        from diaryflow.cluster.bundle import read_bundle
        from diaryflow.cluster.tenants import check_name

        check_name(args.name)
        if getattr(args, "config", None) is None:
            raise ConfigError("--config", None, "tenants add needs the tenant's config file: "
                              "diaryflow tenants add NAME --config user.toml")
        bundle = read_bundle(args.config)
    from diaryflow.cluster import tenants

    with open_cluster_db(settings) as cluster:
        if verb == "add":
            assert keys is not None and bundle is not None
            added = tenants.add_tenant(cluster, settings, keys, args.name, bundle)
            print(f"Added tenant {added.name} (id {added.id}): jobs {', '.join(added.jobs)}, "
                  f"timezone {added.timezone}; its configuration is encrypted")
        elif verb == "list":
            found = tenants.list_tenants(cluster)
            print(tenants_json(found) if args.json else "\n".join(tenants_table(found)))
        elif verb in ("enable", "disable"):
            changed = tenants.set_enabled(cluster, args.name, verb == "enable")
            print(f"Tenant {changed.name} is {verb}d")
        elif verb == "remove":
            gone = tenants.remove_tenant(cluster, args.name)
            print(f"Removed tenant {gone.name} and its state")
        else:
            assert keys is not None
            count = tenants.rotate_keys(cluster, keys)
            print(f"Re-encrypted {count} tenant(s) under the first key of DIARYFLOW_SECRET_KEY")
    return EXIT_OK


def _confirmed(name: str) -> bool:
    """Ask on a terminal whether to remove ``name``; refuse (ConfigError) elsewhere."""
    if not sys.stdin.isatty():
        raise ConfigError("--yes", None, f"tenants remove {name} deletes the tenant and all its "
                          "state; not on a terminal, so confirm with --yes")
    answer = input(f"Remove tenant {name} and all its state (runs, reports, checkpoints)? "
                   "[y/N] ")
    if answer.strip().lower() in ("y", "yes"):
        return True
    print("Nothing removed", file=sys.stderr)
    return False


HEADERS = ("NAME", "STATE", "JOBS", "TIMEZONE", "LAST RUN")
WIDTHS = (24, 8, 30, 20, 0)  # at most; 0: no limit


def tenants_table(found: list[Tenant]) -> list[str]:
    """The human table of ``tenants list``: one line per tenant under a header."""
    if not found:
        return ["No tenants yet: add one with `diaryflow tenants add NAME --config user.toml`"]
    rows = [HEADERS, *(_cells(t) for t in found)]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = []
    for row in rows:
        cells = [cell + " " * (width - display_width(cell)) for cell, width in zip(
            row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return lines


def tenants_json(found: list[Tenant]) -> str:
    """``tenants list --json``: a list of objects, one per tenant."""
    return json.dumps([_object(t) for t in found], ensure_ascii=False, indent=2)


def _cells(tenant: Tenant) -> tuple[str, ...]:
    last = tenant.last_run
    shown = "-" if last is None else " ".join(
        (last.job, last.period, last.state, _when(last.finished_at) or "")).rstrip()
    cells = (tenant.name, "enabled" if tenant.enabled else "disabled", ", ".join(tenant.jobs),
             tenant.timezone, shown)
    return tuple(fit(c, w) if w else c for c, w in zip(cells, WIDTHS, strict=True))


def _object(tenant: Tenant) -> dict[str, Any]:
    last = tenant.last_run
    return {
        "id": tenant.id, "name": tenant.name, "enabled": tenant.enabled,
        "jobs": list(tenant.jobs), "timezone": tenant.timezone,
        "created_at": _iso(tenant.created_at),
        "last_run": None if last is None else {
            "job": last.job, "period": last.period, "state": last.state,
            "finished_at": _iso(last.finished_at)},
    }


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _when(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%MZ")
