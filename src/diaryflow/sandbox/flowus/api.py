"""Routing for the sandbox's /v1 endpoints, and the helpers the endpoint modules share."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from diaryflow.sandbox.flowus.apierror import ApiError, bad_request, not_found
from diaryflow.sandbox.flowus.validation import validate_request
from diaryflow.sandbox.flowus.workspace import Workspace

JSON = Any
T = TypeVar("T")


@dataclass
class Context:
    """What an endpoint may use: the workspace and the sandbox's switches."""

    ws: Workspace
    validate: bool = True
    honour_created_hint: bool = False


@dataclass
class Request:
    """One parsed request: path parameters, query string and JSON body."""

    params: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)
    body: JSON = None


@dataclass
class Result:
    """An endpoint's answer; list answers also say which cursor fetches this same page."""

    body: JSON
    status: int = 200
    first_cursor: str | None = None


Handler = Callable[[Context, Request], Result]


@dataclass(frozen=True)
class Route:
    """One endpoint: method, path pattern, handler and how its body is checked."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    schema: str | None = None
    body_required: bool = False
    is_list: bool = False
    read: bool = False


ROUTES: list[Route] = []


def route(
    method: str,
    path: str,
    *,
    schema: str | None = None,
    body_required: bool = False,
    is_list: bool = False,
    read: bool | None = None,
) -> Callable[[Handler], Handler]:
    """Register an endpoint; ``{name}`` in the path captures one segment."""
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "/?$")

    def register(handler: Handler) -> Handler:
        is_read = method == "GET" if read is None else read
        ROUTES.append(Route(method, regex, handler, schema, body_required, is_list, is_read))
        return handler

    return register


def find_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """Return the endpoint for a request and its path parameters."""
    for candidate in ROUTES:
        match = candidate.pattern.match(path)
        if match and candidate.method == method:
            return candidate, match.groupdict()
    return None


def is_read(method: str, path: str) -> bool:
    """Tell whether a request counts against the read limit (GET, query and search)."""
    found = find_route(method, path)
    return found[0].read if found else method == "GET"


def dispatch(ctx: Context, method: str, path: str, query: dict[str, str], body: JSON) -> Result:
    """Run the endpoint for a request; raises :class:`ApiError` for error answers."""
    found = find_route(method, path)
    if found is None:
        known = any(r.pattern.match(path) for r in ROUTES)
        detail = f"{method} is not supported here" if known else "no such endpoint"
        raise ApiError(404, f"{method} {path}: {detail}", "not_found")
    endpoint, params = found
    if body is None and endpoint.body_required:
        raise bad_request("a JSON request body is required")
    if body is not None and not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    if body is not None and endpoint.schema and ctx.validate:
        validate_request(endpoint.schema, body)
    with ctx.ws.lock:
        return endpoint.handler(ctx, Request(params, query, body))


# ----- shared helpers for the endpoint modules
def page_size(raw: object, default: int) -> int:
    """Parse a page_size (body or query string): an integer from 1 to 100."""
    if raw is None:
        return default
    if isinstance(raw, bool):
        raise bad_request("page_size must be an integer from 1 to 100")
    try:
        size = int(raw) if isinstance(raw, (int, str)) else -1
    except ValueError:
        size = -1
    if not 1 <= size <= 100:
        raise bad_request(f"page_size must be an integer from 1 to 100, got {raw!r}")
    return size


def paginate(
    items: list[T], ids: list[str], cursor: object, size: int
) -> tuple[list[T], str | None, str | None]:
    """Slice a list by an id cursor; returns (page, next_cursor, this page's cursor)."""
    start = 0
    if cursor not in (None, ""):
        if not isinstance(cursor, str) or cursor not in ids:
            raise bad_request(f"start_cursor {cursor!r} is not a cursor this list gave out")
        start = ids.index(cursor)
    end = start + size
    first = ids[start] if start < len(ids) else None
    return items[start:end], ids[end] if end < len(ids) else None, first


def check_access(ws: Workspace, object_id: str, kind: str) -> None:
    """Raise the error the API gives for an object the bot cannot read."""
    status = ws.access(object_id)
    if status == 403:
        raise ApiError(403, f"The bot has no access to {kind} {object_id}", "forbidden")
    if status is not None:
        raise not_found(kind, object_id)
