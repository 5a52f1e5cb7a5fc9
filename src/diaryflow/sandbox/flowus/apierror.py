"""The sandbox's error answer: an exception carrying the spec's Error body."""

from __future__ import annotations

from typing import Any

CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    429: "rate_limit",
}


def code_for(status: int) -> str:
    """Return the spec's error code for an HTTP status (5xx and unknown → internal_error)."""
    return CODES.get(status, "internal_error")


def error_body(status: int, code: str | None, message: str, request_id: str) -> dict[str, Any]:
    """Build the spec's Error object, plus the request id clients may log."""
    return {
        "object": "error",
        "status": status,
        "code": code or code_for(status),
        "message": message,
        "request_id": request_id,
    }


class ApiError(Exception):
    """An error answer: HTTP status, spec error code, message and extra headers."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or code_for(status)
        self.message = message
        self.headers = headers or {}


def bad_request(message: str) -> ApiError:
    """Shorthand for a 400 validation_error."""
    return ApiError(400, message, "validation_error")


def not_found(kind: str, object_id: str) -> ApiError:
    """Shorthand for a 404 not_found naming the object."""
    return ApiError(404, f"Could not find {kind} with ID: {object_id}", "not_found")
