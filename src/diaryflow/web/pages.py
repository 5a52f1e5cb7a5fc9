"""The HTML pages: overview (and its live fragment), history, a run, a report, the config."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from diaryflow.config.job_settings import JobSettings
from diaryflow.config.view import settings_lines
from diaryflow.logs import RedactSecrets
from diaryflow.state.history import job_names, model_calls, runs_page
from diaryflow.state.runs import get_run, report_page
from diaryflow.web.context import context
from diaryflow.web.overview import overview, page_url
from diaryflow.web.views import message_page, render

PAGE_SIZE = 50
STATUSES = ("ok", "failed", "timeout", "skipped", "cancelled", "interrupted", "running")
NOTICES = frozenset({"started", "busy", "paused", "resumed"})


async def overview_page(request: Request) -> Response:
    """Every job with its last and next run; the daemon and the locks."""
    web = context(request)
    notice = request.query_params.get("notice")
    return render(request, "overview.html", view=overview(web.config, web.store, web.clock()),
                  notice=notice if notice in NOTICES else None)


async def overview_fragment(request: Request) -> Response:
    """The overview's live part, which the page asks for again every few seconds."""
    web = context(request)
    return render(request, "_overview.html", view=overview(web.config, web.store, web.clock()))


def history_filters(request: Request) -> tuple[dict[str, str | None], int]:
    """The job, status and period filters of a request, and its page number."""
    params = request.query_params
    filters = {key: (params.get(key) or "").strip()[:64] or None
               for key in ("job", "status", "period")}
    page = params.get("page", "1")
    return filters, int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1


async def history(request: Request) -> Response:
    """Every attempt, newest first, paginated, filtered by job, status and period."""
    web = context(request)
    filters, number = history_filters(request)
    page = runs_page(web.store, page=number, size=PAGE_SIZE, **filters)

    def query(to: int) -> str:
        return urlencode({**{k: v for k, v in filters.items() if v}, "page": to})

    names = sorted({job.name for job in _jobs(request)} | set(job_names(web.store)))
    return render(request, "history.html", page=page, filters=filters, jobs=names,
                  statuses=STATUSES, query=query)


async def run_detail(request: Request) -> Response:
    """One attempt: stages, model calls (never bodies), error, its log lines, its pages."""
    from diaryflow.config.load import secrets
    from diaryflow.web.runlogs import run_log_lines

    web = context(request)
    row = get_run(web.store, request.path_params["run_id"])
    if row is None:
        return message_page(request, "not_found", 404)
    page = report_page(web.store, row.job, row.period)
    logs = run_log_lines(web.config.logging.dir, row.run_id, RedactSecrets(secrets(web.config)))
    return render(request, "run.html", row=row, calls=model_calls(web.store, row.run_id),
                  logs=logs, page_url=page_url(page.page_id, page.url) if page else None)


async def report(request: Request) -> Response:
    """The report of (job, period) from the local copy, as sanitised HTML."""
    from diaryflow.web.report_html import find_report, render_report

    web = context(request)
    job, period = request.path_params["job"], request.path_params["period"]
    try:
        text = web.config.output.report_path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    markdown = find_report(text, job, period)
    if markdown is None:
        return message_page(request, "no_report", 404)
    page = report_page(web.store, job, period)
    return render(request, "report.html", job=job, period=period, html=render_report(markdown),
                  page_url=page_url(page.page_id, page.url) if page else None)


async def config_page(request: Request) -> HTMLResponse:
    """The effective configuration, secrets masked (as ``diaryflow check`` shows it)."""
    return render(request, "config.html", lines=settings_lines(context(request).config))


def _jobs(request: Request) -> list[JobSettings]:
    from diaryflow.config.load import report_jobs

    return list(report_jobs(context(request).config))
