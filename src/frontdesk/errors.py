"""Domain errors and the one place that renders them as the error envelope.

Every error a client sees is `{"error": message, "code": CODE, "details": {...}}` with a 4xx status
for anything the client can fix. Unexpected failures are logged with the request id and answered
with a 500 that carries no internals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)


class AppError(Exception):
    status = 400
    code = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details or {}
        self.headers = headers


class ValidationFailed(AppError):
    status = 400
    code = "VALIDATION_ERROR"


class Unauthenticated(AppError):
    status = 401
    code = "AUTH_INVALID_CREDENTIALS"


class PermissionDenied(AppError):
    status = 403
    code = "AUTH_PERMISSION_DENIED"


class NotFound(AppError):
    status = 404
    code = "NOT_FOUND"

    def __init__(self, resource: str, code: str | None = None) -> None:
        super().__init__(
            f"{resource} not found", code or f"{resource.upper().replace(' ', '_')}_NOT_FOUND"
        )


class Conflict(AppError):
    status = 409
    code = "CONFLICT"


class PayloadTooLarge(AppError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(AppError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class RateLimited(AppError):
    status = 429
    code = "RATE_LIMITED"


class ServiceUnavailable(AppError):
    status = 503
    code = "SERVICE_UNAVAILABLE"


def error_body(message: str, code: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": message, "code": code, "details": details or {}}


def error_response(
    status: int,
    message: str,
    code: str,
    details: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(message, code, details), status_code=status, headers=headers)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] if len(parts) > 1 else parts
    return ".".join(parts) or "body"


def validation_details(errors: list[Any]) -> dict[str, str]:
    details: dict[str, str] = {}
    for err in errors:
        path = _field_path(err.get("loc", ()))
        details.setdefault(path, err.get("msg", "invalid value"))
    return details


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return error_response(exc.status, exc.message, exc.code, exc.details, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        ctx = next(e for e in errors if e.get("type") == "json_invalid").get("ctx") or {}
        return error_response(
            400,
            "The request body is not valid JSON",
            "INVALID_JSON",
            {"body": str(ctx.get("error", "malformed JSON"))},
        )
    details = validation_details(errors)
    fields = ", ".join(sorted(details))
    return error_response(400, f"Invalid request: check {fields}", "VALIDATION_ERROR", details)


_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "AUTH_INVALID_CREDENTIALS",
    403: "AUTH_PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"No route for {request.method} {request.url.path}"
    return error_response(exc.status_code, message, code, headers=exc.headers)


async def _integrity_error(request: Request, exc: Exception) -> Response:
    log.warning("integrity_error", error=str(exc.__cause__ or exc)[:300])
    return error_response(
        409, "The request conflicts with the current state of the resource", "CONFLICT"
    )


# PostgreSQL's classes for "the server cannot take more work now": connection exceptions (08),
# insufficient resources (53: too many connections, out of memory) and operator intervention
# (57: shutting down, statement cancelled by an admin).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57")


async def _pool_timeout(request: Request, exc: Exception) -> Response:
    log.warning("database_pool_exhausted", path=request.url.path)
    return error_response(
        503,
        "The database has no free connection right now; retry in a moment",
        "DATABASE_BUSY",
        headers={"Retry-After": "1"},
    )


async def _database_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DBAPIError)
    state = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
    if exc.connection_invalidated or state.startswith(_UNAVAILABLE_SQLSTATES):
        log.warning("database_unavailable", path=request.url.path, sqlstate=state)
        return error_response(
            503,
            "The database cannot take the request right now; retry in a moment",
            "DATABASE_UNAVAILABLE",
            headers={"Retry-After": "2"},
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", path=request.url.path, method=request.method)
    return error_response(500, "Internal server error", "INTERNAL_ERROR")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
