"""The cluster's tenants: each a diary's sealed configuration, its schedule in the clear,
and an enabled flag; added, listed, enabled, disabled, removed and re-keyed here."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from diaryflow.cluster.bundle import Bundle, bundle_json, open_bundle, schedule_of
from diaryflow.cluster.database import drop_tenant_schema, open_tenant
from diaryflow.cluster.secrets import ENV_SECRET_KEY, TokenCipher
from diaryflow.cluster.settings import ClusterSettings
from diaryflow.config.load import Config
from diaryflow.config.schema import ReportSettings, SchedulerSettings
from diaryflow.errors import ConfigError
from diaryflow.state.store import Store

NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
NAME_RULE = "1 to 64 characters: letters, digits, '_', '.' and '-'"
# Each tenant with its latest cluster run (by due time), in one query.
_SELECT = (
    "SELECT t.id, t.name, t.enabled, t.schedule_json, t.created_at, t.updated_at, "
    "r.job, r.period, r.state, r.finished_at FROM tenants t LEFT JOIN LATERAL ("
    "SELECT job, period, state, finished_at FROM cluster_runs WHERE tenant_id = t.id "
    "ORDER BY due_at DESC, id DESC LIMIT 1) r ON TRUE"
)


@dataclass(frozen=True)
class LastRun:
    """A tenant's latest cluster run: which job and period, its state and when it ended."""

    job: str
    period: str
    state: str
    finished_at: datetime | None


@dataclass(frozen=True)
class Tenant:
    """One tenant as the cluster lists it (its sealed configuration stays in the table)."""

    id: int
    name: str
    enabled: bool
    schedule: dict[str, Any]
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_run: LastRun | None = None

    @property
    def jobs(self) -> tuple[str, ...]:
        """The names of the tenant's jobs (the ``[report] job`` when it has no ``[[jobs]]``)."""
        jobs = self.schedule.get("jobs") or []
        if jobs:
            return tuple(str(job.get("name", "?")) for job in jobs)
        default = ReportSettings.model_fields["job"].default
        return (str(self.schedule.get("report", {}).get("job", default)),)

    @property
    def timezone(self) -> str:
        """The tenant's ``[scheduler] timezone``."""
        default = SchedulerSettings.model_fields["timezone"].default
        return str(self.schedule.get("scheduler", {}).get("timezone", default))


def check_name(name: str) -> str:
    """``name`` when it is a valid tenant name, else a ConfigError saying what one is."""
    if not NAME.fullmatch(name):
        raise ConfigError("tenant name", name, f"expected {NAME_RULE}")
    return name


def add_tenant(cluster: Store, settings: ClusterSettings, cipher: TokenCipher, name: str,
               bundle: Bundle) -> Tenant:
    """Store a new tenant (its bundle sealed with ``cipher``) and create its state schema;
    a taken name is a ConfigError."""
    check_name(name)
    sealed = cipher.encrypt(bundle_json(bundle))
    schedule = json.dumps(schedule_of(bundle), ensure_ascii=False, sort_keys=True)
    # The secret-free name of its FlowUs budget, so that `cluster status` can show its use.
    budget = bundle.flowus_budget or None
    rows = cluster.query(
        "INSERT INTO tenants (name, sealed, schedule_json, budget_key) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name) DO NOTHING RETURNING id", (name, sealed, schedule, budget))
    if not rows:
        raise ConfigError("tenant name", name, "taken by another tenant: choose another name, "
                          "or remove that tenant first")
    tenant_id = int(rows[0][0])
    try:
        open_tenant(settings, tenant_id).close()
    except BaseException:
        cluster.execute("DELETE FROM tenants WHERE id = ?", (tenant_id,))
        raise
    return get_tenant(cluster, name)


def list_tenants(cluster: Store) -> list[Tenant]:
    """Every tenant by name, each with its latest run (one query)."""
    rows = cluster.query(f"{_SELECT} ORDER BY t.name")
    return [_tenant(row) for row in rows]


def find_tenant(cluster: Store, name_or_id: str | int) -> Tenant | None:
    """The tenant of that name (or id, given as an int), with its latest run; None if none."""
    where = "t.id = ?" if isinstance(name_or_id, int) else "t.name = ?"
    rows = cluster.query(f"{_SELECT} WHERE {where}", (name_or_id,))
    return _tenant(rows[0]) if rows else None


def get_tenant(cluster: Store, name_or_id: str | int) -> Tenant:
    """The tenant of that name or id, or a ConfigError saying there is none."""
    found = find_tenant(cluster, name_or_id)
    if found is None:
        raise ConfigError("tenant", name_or_id, "no such tenant (see `diaryflow tenants list`)")
    return found


def set_enabled(cluster: Store, name: str, enabled: bool) -> Tenant:
    """Enable or disable tenant ``name`` (a disabled tenant gets no new runs)."""
    changed = cluster.execute("UPDATE tenants SET enabled = ?, updated_at = now() WHERE name = ?",
                              (enabled, name))
    if not changed:
        get_tenant(cluster, name)  # raises: there is no such tenant
    return get_tenant(cluster, name)


def remove_tenant(cluster: Store, name: str) -> Tenant:
    """Delete tenant ``name``: its row, its cluster runs and its whole state schema."""
    tenant = get_tenant(cluster, name)
    cluster.execute("DELETE FROM tenants WHERE id = ?", (tenant.id,))
    drop_tenant_schema(cluster, tenant.id)
    return tenant


def tenant_config(cluster: Store, cipher: TokenCipher, tenant_id: int, workdir: Path) -> Config:
    """Tenant ``tenant_id``'s full configuration for a worker, its files inside ``workdir``."""
    rows = cluster.query("SELECT name, sealed FROM tenants WHERE id = ?", (tenant_id,))
    if not rows:
        raise ConfigError("tenant", tenant_id, "no such tenant (it may have been removed)")
    name, sealed = rows[0]
    return open_bundle(_unseal(str(name), str(sealed), cipher.decrypt), workdir)


def rotate_keys(cluster: Store, cipher: TokenCipher) -> int:
    """Encrypt every tenant's bundle again under the first key; how many were re-encrypted.
    Nothing is written unless every bundle could be decrypted."""
    rows = cluster.query("SELECT id, name, sealed FROM tenants ORDER BY id")
    rotated = [(tid, str(sealed), _unseal(str(name), str(sealed), cipher.rotate))
               for tid, name, sealed in rows]
    done = 0
    for tenant_id, old, new in rotated:
        done += cluster.execute("UPDATE tenants SET sealed = ?, updated_at = now() "
                                "WHERE id = ? AND sealed = ?", (new, tenant_id, old))
    return done


def _unseal(name: str, sealed: str, how: Callable[[str], str]) -> str:
    """``how(sealed)`` (decrypt or rotate), its error naming the tenant and the key variable."""
    try:
        return how(sealed)
    except ConfigError as exc:
        raise ConfigError(ENV_SECRET_KEY, None, f"tenant {name}: {exc.expected}") from None


def _tenant(row: tuple[Any, ...]) -> Tenant:
    tenant_id, name, enabled, schedule, created, updated, job, period, state, finished = row
    last = LastRun(job, period, state, finished) if job is not None else None
    return Tenant(id=int(tenant_id), name=str(name), enabled=bool(enabled),
                  schedule=json.loads(schedule), created_at=created, updated_at=updated,
                  last_run=last)
