"""The FlowUs-compatible HTTP server: a real socket on 127.0.0.1, run in a background thread."""

from __future__ import annotations

import argparse
import time
from typing import Any

from diaryflow.sandbox.flowus import api_blocks, api_pages  # noqa: F401  (registers the routes)
from diaryflow.sandbox.flowus.api import Context, Result, dispatch, find_route, is_read
from diaryflow.sandbox.flowus.apierror import ApiError, error_body
from diaryflow.sandbox.flowus.faults import REPLACING, Fault, FaultMix, truncate
from diaryflow.sandbox.flowus.handler import (
    JSON_TYPE,
    Answer,
    RecordedRequest,
    SandboxHTTPServer,
    json_answer,
)
from diaryflow.sandbox.flowus.limits import SlidingWindow
from diaryflow.sandbox.flowus.tenancy import Tenant, Tenants, token_label
from diaryflow.sandbox.flowus.workspace import Workspace
from diaryflow.sandbox.serving import BackgroundServer, FaultQueue

JSON = Any
__all__ = ["FlowUsSandbox", "RecordedRequest", "Tenant", "main"]
DEFAULT_TENANT = "default"


class FlowUsSandbox(BackgroundServer[RecordedRequest]):
    """A FlowUs API look-alike serving a :class:`Workspace` on a real local port."""

    server_class = SandboxHTTPServer
    thread_name = "flowus-sandbox"

    def __init__(
        self,
        workspace: Workspace,
        token: str = "sandbox-token",
        latency: float = 0.0,
        read_limit: int | None = None,
        write_limit: int | None = None,
        rate_window: float = 60.0,
        validate: bool = True,
        honour_created_hint: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.workspace = workspace
        self.token = token
        self.latency = latency
        self.read_limit, self.write_limit, self.rate_window = read_limit, write_limit, rate_window
        self.validate, self.honour_created_hint = validate, honour_created_hint
        self.rate_limited = 0  # every tenant's 429s; Tenant.rate_limited counts one token's
        self.tenants = Tenants()
        self.context = self.add_tenant(token, workspace, DEFAULT_TENANT).context
        self._faults: FaultQueue[Fault] = FaultQueue()
        self.mix: FaultMix | None = None

    # ----- tenants
    def add_tenant(self, token: str, workspace: Workspace, name: str | None = None) -> Tenant:
        """Serve ``workspace`` to ``token`` alone, with its own read and write limits.

        The limits are the server's (``read_limit``, ``write_limit``, ``rate_window``), counted
        per token as FlowUs does. ``name`` (default :func:`token_label`) tags its requests.
        """
        context = Context(workspace, self.validate, self.honour_created_hint)
        read = SlidingWindow(self.read_limit, self.rate_window)
        write = SlidingWindow(self.write_limit, self.rate_window)
        tenant = Tenant(name or token_label(token), workspace, context, read, write)
        return self.tenants.add(token, tenant)

    def revoke(self, token: str) -> None:
        """Revoke a token: every request with it is refused (401) from now on."""
        self.tenants.revoke(token)

    def tenant(self, name: str) -> Tenant:
        """The tenant called ``name`` (the constructor's token is ``"default"``)."""
        return self.tenants.named(name)

    def requests_of(self, name: str) -> list[RecordedRequest]:
        """The recorded requests that carried tenant ``name``'s token."""
        return [r for r in self.requests if r.tenant == name]

    def rate_limited_by_tenant(self) -> dict[str, int]:
        """How many 429s each tenant got, by tenant name."""
        return {tenant.name: tenant.rate_limited for tenant in self.tenants.all()}

    # ----- knobs
    def inject(self, fault: Fault) -> None:
        """Queue a fault for matching requests."""
        self._faults.add(fault)

    def clear_faults(self) -> None:
        """Drop every pending fault and stop any fault mix."""
        self._faults.clear()
        self.mix = None

    def fail_randomly(self, rate: float, seed: int = 0) -> FaultMix:
        """Make a share ``rate`` of all later requests fail, as :class:`FaultMix` draws them."""
        self.mix = FaultMix(rate, seed)
        return self.mix

    def set_latency(self, seconds: float) -> None:
        """Make every answer wait ``seconds`` first."""
        self.latency = seconds

    def set_limits(
        self,
        read_limit: int | None = None,
        write_limit: int | None = None,
        rate_window: float | None = None,
    ) -> None:
        """Replace both rate limits of every tenant (None = unlimited) and start fresh windows."""
        if rate_window is not None:
            self.rate_window = rate_window
        self.read_limit, self.write_limit = read_limit, write_limit
        for tenant in self.tenants.all():
            tenant.read = SlidingWindow(read_limit, self.rate_window)
            tenant.write = SlidingWindow(write_limit, self.rate_window)

    # ----- answering
    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: JSON,
        body_error: str | None,
        authorization: str | None,
        request_id: str,
    ) -> Answer:
        """Decide the answer to one request: latency, faults, auth, limits, endpoint."""
        tenant = self.tenants.for_header(authorization)
        answer = self._answer(method, path, query, body, body_error, tenant, request_id)
        answer.tenant = tenant.name if tenant is not None else None
        return answer

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: JSON,
        body_error: str | None,
        tenant: Tenant | None,
        request_id: str,
    ) -> Answer:
        if self.latency > 0:
            time.sleep(self.latency)
        found = find_route(method, path)
        is_list = bool(found and found[0].is_list)
        fault = self._faults.take(lambda f: f.matches(method, path, is_list))
        if fault is None and self.mix is not None:
            fault = self.mix.draw()
        if fault is not None and fault.kind in REPLACING:
            status, content_type, raw = fault.answer(request_id)
            return Answer(status, raw, content_type, fault.headers(), closes=fault.closes)
        try:
            result = self._checked(method, path, query, body, body_error, tenant)
        except ApiError as err:
            payload = error_body(err.status, err.code, err.message, request_id)
            return json_answer(err.status, payload, err.headers)
        except Exception as exc:  # an endpoint bug must still answer, as a 500
            payload = error_body(500, "internal_error", f"sandbox bug: {exc!r}", request_id)
            return json_answer(500, payload)
        return self._wrap(result, fault, request_id)

    def _checked(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: JSON,
        body_error: str | None,
        tenant: Tenant | None,
    ) -> Result:
        if tenant is None:
            raise ApiError(401, "API token is invalid.", "unauthorized")
        wait = tenant.limit("read" if is_read(method, path) else "write")
        if wait is not None:
            with self._lock:
                self.rate_limited += 1
            raise ApiError(429, "rate limited", "rate_limit", {"Retry-After": str(wait)})
        if body_error is not None:
            raise ApiError(400, body_error, "validation_error")
        return dispatch(tenant.context, method, path, query, body)

    def _wrap(self, result: Result, fault: Fault | None, request_id: str) -> Answer:
        if fault is not None and fault.kind == "empty_first_page" and result.status == 200:
            empty = {"object": "list", "results": [], "has_more": True}
            if result.first_cursor is not None:
                return json_answer(
                    200, {**empty, "next_cursor": result.first_cursor}, fault.headers()
                )
        answer = json_answer(result.status, result.body)
        if fault is not None and fault.kind == "malformed":
            return Answer(200, truncate(answer.body), JSON_TYPE, fault.headers())
        if fault is not None and fault.kind == "late_status":
            status, content_type, raw = fault.answer(request_id)
            return Answer(status, raw, content_type, fault.headers())
        if fault is not None and fault.kind == "drop":
            return Answer(0, b"", closes=True)
        if fault is not None and fault.kind == "timeout":
            # The work is done first, like a real server whose answer arrives too late.
            time.sleep(fault.delay)
            answer.headers = fault.headers()
        return answer


TENANTS_LISTED = 10  # tenants whose ids `--tenants` prints


def main(argv: list[str] | None = None) -> None:
    """Serve the bundled sample workspace until interrupted."""
    from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID, ROOT_PAGE_ID, sample_workspace

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--read-limit", type=int, default=None)
    parser.add_argument("--write-limit", type=int, default=None)
    parser.add_argument("--token", default="sandbox-token")
    parser.add_argument("--tenants", type=int, default=0, help="also serve N tenant copies")
    args = parser.parse_args(argv)
    sandbox = FlowUsSandbox(
        sample_workspace(),
        token=args.token,
        latency=args.latency,
        read_limit=args.read_limit,
        write_limit=args.write_limit,
        port=args.port,
    )
    lines = [f"token    = {sandbox.token}"]
    lines.append(f"diary database = {DIARY_DATABASE_ID}   root page = {ROOT_PAGE_ID}")
    if args.tenants > 0:
        from diaryflow.sandbox.sample.tenants import tenant_token, tenant_workspaces

        copies = tenant_workspaces(args.tenants)
        for copy in copies:
            sandbox.add_tenant(tenant_token(copy.number), copy.workspace, f"tenant-{copy.number}")
        # Each tenant's ids, as its config.toml needs them (a long list is cut short).
        for copy in copies[:TENANTS_LISTED]:
            lines.append(f"tenant {copy.number}: token = {tenant_token(copy.number)}   "
                         f"diary database = {copy.diary_database_id}   "
                         f"root page = {copy.root_page_id}")
        if len(copies) > TENANTS_LISTED:
            lines.append(f"tenants {TENANTS_LISTED + 1}..{args.tenants}: token = "
                         f"{tenant_token(0)[:-1]}<n>, ids from tenant_workspace(n) of "
                         "sandbox/sample/tenants.py")
    sandbox.run_until_interrupted(*lines)


if __name__ == "__main__":
    main()
