"""The FlowUs sandbox's tenants: per token, a workspace, its own rate limits and 429 count."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

from diaryflow.sandbox.flowus.api import Context
from diaryflow.sandbox.flowus.limits import SlidingWindow
from diaryflow.sandbox.flowus.workspace import Workspace


@dataclass
class Tenant:
    """One token's view of the sandbox: its workspace, read and write windows, 429s answered."""

    name: str
    workspace: Workspace
    context: Context
    read: SlidingWindow
    write: SlidingWindow
    rate_limited: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def limit(self, kind: str) -> int | None:
        """Take a slot of the ``read`` or ``write`` window; the seconds to wait if none is free."""
        wait = (self.read if kind == "read" else self.write).acquire()
        if wait is not None:
            with self._lock:
                self.rate_limited += 1
        return wait


def token_label(token: str) -> str:
    """A name for a token that does not reveal it: ``token-`` and 12 hex digits of its SHA-256."""
    return "token-" + hashlib.sha256(token.encode()).hexdigest()[:12]


class Tenants:
    """The tenants of one sandbox, found by the bearer token of a request."""

    def __init__(self) -> None:
        self._by_token: dict[str, Tenant] = {}
        self._by_name: dict[str, Tenant] = {}
        self._lock = threading.Lock()

    def add(self, token: str, tenant: Tenant) -> Tenant:
        """Register a tenant; a token or name already taken is a ValueError."""
        with self._lock:
            if token in self._by_token:
                owner = self._by_token[token].name
                raise ValueError(f"that token already belongs to tenant {owner!r}")
            if tenant.name in self._by_name:
                raise ValueError(f"tenant name {tenant.name!r} is taken")
            self._by_token[token] = tenant
            self._by_name[tenant.name] = tenant
            return tenant

    def revoke(self, token: str) -> None:
        """Make ``token`` invalid (401 from now on); its tenant's workspace stays readable."""
        with self._lock:
            self._by_token.pop(token, None)

    def for_header(self, authorization: str | None) -> Tenant | None:
        """The tenant whose token an ``Authorization: Bearer …`` header carries, if any."""
        if authorization is None:
            return None
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self._lock:
            return self._by_token.get(value)

    def named(self, name: str) -> Tenant:
        """The tenant called ``name`` (KeyError if none)."""
        with self._lock:
            return self._by_name[name]

    def all(self) -> list[Tenant]:
        """Every tenant, in the order they were added."""
        with self._lock:
            return list(self._by_name.values())
