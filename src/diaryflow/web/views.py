"""Server-rendered pages: one Jinja2 environment, the words of the request's language."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from diaryflow.web.context import context, duration
from diaryflow.web.i18n import language, translator
from diaryflow.web.security import CSRF_FIELD

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> Environment:
    """The templates, HTML-escaped by default."""
    return Environment(loader=FileSystemLoader(TEMPLATES),
                       autoescape=select_autoescape(default=True, default_for_string=True))


def render(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """Template ``name`` filled for ``request``: its language, CSRF token and helpers."""
    lang = language(request.headers.get("accept-language"))
    web = getattr(request.app.state, "web", None)
    html = environment().get_template(name).render(
        t=translator(lang), lang=lang, csrf=getattr(request.state, "csrf", ""),
        csrf_field=CSRF_FIELD, local=web.local if web else str, duration=duration,
        tz=web.config.scheduler.timezone if web else "", path=request.url.path,
        cluster=web is not None and web.cluster is not None, **values,
    )
    return HTMLResponse(html, status_code=status)


def login_page(request: Request, status: int = 200, wrong: bool = False) -> HTMLResponse:
    """The sign-in form."""
    return render(request, "login.html", status=status, wrong=wrong)


def message_page(request: Request, key: str, status: int, detail: str = "") -> HTMLResponse:
    """A short page saying what went wrong (``key`` is a word of i18n)."""
    return render(request, "message.html", status=status, key=key, detail=detail)


__all__ = ["context", "login_page", "message_page", "render"]
