"""Machine endpoints: ``/healthz``, ``/metrics``, ``/api/jobs`` and ``/api/runs``."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from diaryflow.state.history import runs_page
from diaryflow.web.context import context, duration
from diaryflow.web.overview import JobView, overview
from diaryflow.web.pages import history_filters

API_PAGE_SIZE = 100


async def healthz(request: Request) -> Response:
    """200 when ``serve`` runs and no job is late, else 503; the same JSON either way."""
    web = context(request)
    view = overview(web.config, web.store, web.clock())
    body = {
        "serve": "running" if view.serve_pid else "stopped",
        "jobs": [{"name": job.name, "last_ok_period": job.last_ok_period, "late": job.late,
                  "status": job.status} for job in view.jobs],
    }
    return JSONResponse(body, status_code=200 if view.healthy else 503)


async def metrics(request: Request) -> Response:
    """The Prometheus text format, read from the state database now."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return Response(generate_latest(request.app.state.registry),
                    media_type=CONTENT_TYPE_LATEST.split(";")[0],
                    headers={"Content-Type": CONTENT_TYPE_LATEST})


def job_json(job: JobView) -> dict[str, Any]:
    """One job as ``/api/jobs`` gives it."""
    return {
        "name": job.name, "period": job.period_kind, "enabled": job.enabled,
        "paused": job.paused, "status": job.status, "late": job.late,
        "due_period": job.due.period, "last_ok_period": job.last_ok_period,
        "next_fire": job.next_fire.isoformat() if job.next_fire else None,
        "page_url": job.page_url,
        "last": dataclasses.asdict(job.last) if job.last else None,
    }


async def api_jobs(request: Request) -> Response:
    """Every job, the daemon's pid and the run in progress."""
    web = context(request)
    view = overview(web.config, web.store, web.clock())
    return JSONResponse({"serve_pid": view.serve_pid, "run_pid": view.run_pid,
                         "jobs": [job_json(job) for job in view.jobs]})


async def api_runs(request: Request) -> Response:
    """A page of attempts, newest first, with the history page's filters."""
    web = context(request)
    filters, number = history_filters(request)
    page = runs_page(web.store, page=number, size=API_PAGE_SIZE, **filters)
    runs = [{**dataclasses.asdict(row), "seconds": duration(row)} for row in page.rows]
    return JSONResponse({"page": page.page, "has_more": page.has_more, "runs": runs})
