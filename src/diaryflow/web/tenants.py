"""The read-only /tenants page of a dashboard started with a cluster: each tenant enabled or
disabled and its last run (the cluster extra is imported only when the page is asked for)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from diaryflow.errors import DatabaseUnreachable
from diaryflow.web.context import context
from diaryflow.web.views import message_page, render


async def tenants_page(request: Request) -> Response:
    """Every tenant: name, enabled or disabled, jobs, timezone, last run."""
    from diaryflow.cluster.database import open_cluster
    from diaryflow.cluster.tenants import list_tenants

    web = context(request)
    if web.cluster is None:
        return message_page(request, "not_found", 404)
    try:
        with open_cluster(web.cluster) as cluster:
            found = list_tenants(cluster)
    except DatabaseUnreachable:
        return message_page(request, "cluster_unreachable", 503)
    return render(request, "tenants.html", tenants=found)
