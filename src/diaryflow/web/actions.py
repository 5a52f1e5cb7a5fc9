"""POST actions: run now, rerun a period, pause and resume; sign in. Each checks CSRF."""

from __future__ import annotations

import subprocess
import threading
import uuid
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from diaryflow.config.job_settings import JobSettings
from diaryflow.config.jobs import find_job, job_period
from diaryflow.errors import ConfigError
from diaryflow.schedule.child import run_command
from diaryflow.state.lock import Lock, run_lock_path
from diaryflow.state.pauses import set_paused
from diaryflow.web.context import WebContext, context
from diaryflow.web.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    csrf_ok,
    session_value,
    token_matches,
)
from diaryflow.web.views import login_page, message_page

MAX_FORM = 4096


async def form(request: Request) -> dict[str, str]:
    """A small urlencoded form's fields (the last of each name)."""
    body = await request.body()
    return dict(parse_qsl(body[:MAX_FORM].decode("utf-8", "replace")))


def start_run(web: WebContext, job: JobSettings, period: str) -> str | None:
    """Start ``diaryflow run`` for (job, period) as the daemon would, detached; its run id,
    or None when a run holds the lock (nothing is started then)."""
    if Lock(run_lock_path(web.config.state.path)).holder() is not None:
        return None
    run_id = uuid.uuid4().hex[:12]
    command = run_command(web.config_path, period, run_id, web.clock().isoformat(), job.name)
    # Its own session: the run outlives a restart of the dashboard and never shares its lock.
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True,
                             cwd=web.config_path.parent)
    threading.Thread(target=child.wait, daemon=True).start()  # reaps it when it ends
    return run_id


async def _checked(request: Request) -> tuple[dict[str, str], JobSettings | None, Response | None]:
    fields = await form(request)
    if not csrf_ok(request, fields.get(CSRF_FIELD)):
        return fields, None, message_page(request, "forbidden", 403)
    try:
        job = find_job(context(request).config, request.path_params["job"])
    except ConfigError:
        return fields, None, message_page(request, "not_found", 404)
    return fields, job, None


def _done(notice: str, run_id: str | None = None) -> RedirectResponse:
    # Back to the overview, whose live part shows the run appear and end without a reload.
    return RedirectResponse(f"/?notice={notice}" + (f"&run={run_id}" if run_id else ""), 303)


async def run_now(request: Request) -> Response:
    """Report the job's current period now (the one ``diaryflow run --job`` reports)."""
    _, job, refused = await _checked(request)
    if refused or job is None:
        return refused or message_page(request, "not_found", 404)
    return _run_period(request, job, None)


async def rerun(request: Request) -> Response:
    """Report a chosen period of the job again."""
    fields, job, refused = await _checked(request)
    if refused or job is None:
        return refused or message_page(request, "not_found", 404)
    return _run_period(request, job, fields.get("period", "").strip()[:32])


def _run_period(request: Request, job: JobSettings, key: str | None) -> Response:
    """Start the run of ``job``'s period ``key`` (None: its current one) unless one is running."""
    web = context(request)
    today = web.clock().astimezone(web.config.scheduler.tz).date()
    try:
        period = job_period(web.config, job, today, key=key)
    except ConfigError as error:
        return message_page(request, "bad_request", 400, str(error))
    run_id = start_run(web, job, period.key)
    return _done("started" if run_id else "busy", run_id)


async def pause(request: Request) -> Response:
    """Pause the job: ``serve`` skips its ticks until it is resumed."""
    return await _set_paused(request, True)


async def resume(request: Request) -> Response:
    """Resume a paused job."""
    return await _set_paused(request, False)


async def _set_paused(request: Request, paused: bool) -> Response:
    _, job, refused = await _checked(request)
    if refused or job is None:
        return refused or message_page(request, "not_found", 404)
    set_paused(context(request).store, job.name, paused)
    return _done("paused" if paused else "resumed")


async def login_form(request: Request) -> Response:
    """The sign-in page."""
    return login_page(request)


async def login(request: Request) -> Response:
    """Check the token; on success set the HttpOnly, SameSite=Strict session cookie."""
    token = context(request).config.web.token
    if token is None:
        return RedirectResponse("/", 303)
    if not token_matches((await form(request)).get("token"), token.get_secret_value()):
        return login_page(request, status=401, wrong=True)
    response = RedirectResponse("/", 303)
    response.set_cookie(SESSION_COOKIE, session_value(token.get_secret_value()), httponly=True,
                        samesite="strict", path="/")
    return response
