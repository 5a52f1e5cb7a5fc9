"""Who may use the dashboard, from where, and the headers and CSRF checks every answer gets."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

SESSION_COOKIE = "diaryflow_session"
CSRF_COOKIE = "diaryflow_csrf"
CSRF_FIELD = "csrf"
# No inline script anywhere; mermaid styles its SVG with <style> elements, hence inline styles.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
OPEN_PATHS = ("/login", "/static/")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps the dashboard on this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def session_value(token: str) -> str:
    """The login cookie's value: derived from the token, so the cookie never holds it."""
    return hmac.new(token.encode(), b"diaryflow web session", hashlib.sha256).hexdigest()


def token_matches(given: str | None, token: str) -> bool:
    """A constant-time comparison of a presented token with the configured one."""
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def authorised(request: Request, token: str | None) -> bool:
    """Whether the request carries the token (``Authorization: Bearer``) or the login cookie."""
    if token is None:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token_matches(given.strip(), token):
        return True
    return token_matches(request.cookies.get(SESSION_COOKIE), session_value(token))


def csrf_ok(request: Request, submitted: str | None) -> bool:
    """Whether a form's CSRF token matches its cookie (double submit; the cookie is Strict)."""
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie and submitted and hmac.compare_digest(cookie.encode(), submitted.encode()))


def host_allowed(request: Request) -> bool:
    """A loopback-only dashboard answers only to loopback names (no DNS rebinding)."""
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in LOOPBACK_NAMES


class Guard(BaseHTTPMiddleware):
    """Checks the host and the token, hands out the CSRF cookie, adds the security headers."""

    def __init__(self, app: ASGIApp, token: str | None, loopback: bool,
                 login: Callable[[Request], Response]) -> None:
        super().__init__(app)
        self.token = token
        self.loopback = loopback
        self.login = login

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Refuse, or pass the request on and dress the answer."""
        if self.loopback and self.token is None and not host_allowed(request):
            response: Response = JSONResponse({"error": "unknown host"}, status_code=421)
        elif not request.url.path.startswith(OPEN_PATHS) and not authorised(request, self.token):
            response = self._unauthorised(request)
        else:
            fresh = request.cookies.get(CSRF_COOKIE) is None
            request.state.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
            response = await call_next(request)
            if fresh:
                response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True,
                                    samesite="strict", path="/")
        for name, value in HEADERS.items():
            response.headers[name] = value
        return response


    def _unauthorised(self, request: Request) -> Response:
        """401: the sign-in form for a browser, a JSON line for a script."""
        if "text/html" in request.headers.get("accept", ""):
            return self.login(request)
        return JSONResponse({"error": "a token is required (Authorization: Bearer or /login)"},
                            status_code=401, headers={"WWW-Authenticate": "Bearer"})
