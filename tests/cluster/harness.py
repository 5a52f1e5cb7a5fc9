"""A whole cluster for the end-to-end tests: PostgreSQL, redis-server, one FlowUs sandbox
serving every tenant's own workspace copy, one model sandbox, and tenants imported from
config files as a user would write them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diaryflow.cluster.bundle import read_bundle
from diaryflow.cluster.database import open_cluster
from diaryflow.cluster.secrets import new_key
from diaryflow.cluster.settings import ClusterSettings
from diaryflow.cluster.tenants import add_tenant
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.openai.server import OpenAISandbox
from diaryflow.sandbox.sample.tenants import TenantCopy, tenant_token, tenant_workspaces
from tests.postgres import PostgresServer

MODEL = "deepseek-ai/DeepSeek-V3"
MODEL_KEY = "fake-cluster-model-key-for-tests-0123456789"
WEBHOOK = "https://hooks.example.invalid/cluster-secret-webhook-abcdef012345"


@dataclass
class TestCluster:
    __test__ = False  # not a test class, despite its name
    """The services and tenants of one end-to-end test."""

    folder: Path
    settings: ClusterSettings
    flowus: FlowUsSandbox
    model: OpenAISandbox
    copies: list[TenantCopy] = field(default_factory=list)
    secret_key: str = field(default_factory=new_key)
    # Each tenant's child pages before the cluster ran: what it makes is everything else.
    before: dict[int, set[str]] = field(default_factory=dict)
    postgres: PostgresServer | None = None  # the server, for the tests that stop it

    @property
    def env(self) -> dict[str, str]:
        """The environment of every cluster process."""
        return {
            "DIARYFLOW_DATABASE_URL": self.settings.database_url,
            "DIARYFLOW_BROKER_URL": self.settings.broker_url,
            "DIARYFLOW_SECRET_KEY": self.secret_key,
            "SILICONFLOW_API_KEY": MODEL_KEY,
        }

    def write_cluster_toml(self, **limits: int) -> None:
        """The processes' ./cluster.toml: the shared budgets (the connections come from
        the environment)."""
        values = {"model_tokens_per_minute": 2_000_000, **limits}
        lines = ["[limits]", *(f"{key} = {value}" for key, value in values.items())]
        (self.folder / "cluster.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def write_config(self, copy: TenantCopy, **scheduler: Any) -> Path:
        """A tenant's config.toml: its token, its workspace, a schedule due since midnight."""
        settings = {"time": "00:00", "timezone": "Asia/Shanghai", "timeout": 120,
                    "retry_interval": 1, **scheduler}
        lines = [
            "[flowus]",
            f'token = "{tenant_token(copy.number)}"',
            f'base_url = "{self.flowus.base_url}"',
            f'url = "https://flowus.cn/x/{copy.root_page_id}"',
            f'parent_page_id = "{copy.root_page_id}"',
            'date_property = "日期"',
            "[siliconflow]",
            f'base_url = "{self.model.base_url}"',
            f'model = "{MODEL}"',
            "[notify]",
            f'webhook_url = "{WEBHOOK}-{copy.number}"',
            "[scheduler]",
            *(f"{key} = {_toml(value)}" for key, value in settings.items()),
        ]
        path = self.folder / f"tenant-{copy.number}.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def add_tenants(self, count: int, **scheduler: Any) -> list[TenantCopy]:
        """``count`` tenants, each with its own token and workspace copy in the sandbox."""
        from diaryflow.cluster.secrets import TokenCipher

        start = len(self.copies)
        made = tenant_workspaces(start + count)[start:]
        cipher = TokenCipher([self.secret_key])
        with open_cluster(self.settings) as cluster:
            for copy in made:
                self.flowus.add_tenant(tenant_token(copy.number), copy.workspace,
                                       name=tenant_name(copy))
                self.before[copy.number] = self._child_pages(copy)
                add_tenant(cluster, self.settings, cipher, tenant_name(copy),
                           read_bundle(self.write_config(copy, **scheduler)))
        self.copies += made
        return made

    def report_pages(self, copy: TenantCopy) -> list[dict[str, Any]]:
        """Every page the cluster made under a tenant's root page (archived ones too)."""
        workspace = self.flowus.tenant(tenant_name(copy)).workspace
        made = self._child_pages(copy) - self.before[copy.number]
        return [workspace.pages[page_id] for page_id in sorted(made)]

    def page_text(self, copy: TenantCopy, page_id: str) -> str:
        """Every block of a page, as JSON text."""
        workspace = self.flowus.tenant(tenant_name(copy)).workspace
        return json.dumps(list(workspace.iter_blocks(page_id)), ensure_ascii=False)

    def _child_pages(self, copy: TenantCopy) -> set[str]:
        workspace = self.flowus.tenant(tenant_name(copy)).workspace
        return {block["id"] for block in workspace.children_list(copy.root_page_id) or []
                if block["type"] == "child_page"}


def tenant_name(copy: TenantCopy) -> str:
    """The name a tenant copy goes by, in the sandbox and in the cluster."""
    return f"tenant-{copy.number}"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return f'"{value}"'


__all__ = ["MODEL_KEY", "WEBHOOK", "TestCluster", "tenant_name"]
