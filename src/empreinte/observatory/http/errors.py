"""One JSON error body for every error of the API.

``{"error": {"code": "...", "message": "...", "fields": [{"field": "...", "message": "..."}]}}``
Pages (not ``/api`` and not ``.json``) asked for by a browser get the same content as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from empreinte.errors import ConfigError, ReportError
from empreinte.observatory.storage.errors import Conflict

__all__ = ["ApiError", "error_body", "install_handlers", "is_transient"]

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}

RETRY_AFTER_S = 5
"""``Retry-After`` of a 503 (database locked, busy or unreachable)."""

_TRANSIENT = (
    "database is locked",
    "database is busy",
    "database table is locked",
    "could not connect",
    "connection refused",
    "connection to server",
    "server closed the connection",
    "terminating connection",
    "timeout expired",
    "the database system is starting up",
    "the database system is shutting down",
    "too many clients",
)


def is_transient(exc: BaseException) -> bool:
    """A database error that retrying later can cure (locked SQLite, unreachable server)."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, OperationalError):
        if exc.connection_invalidated:
            return True
        msg = str(exc.orig if exc.orig is not None else exc).lower()
        return any(t in msg for t in _TRANSIENT)
    return False


class ApiError(Exception):
    """An error with its HTTP status, stable code, message and the fields at fault."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: Sequence[tuple[str, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.fields = list(fields)
        self.headers = headers or {}
        super().__init__(message)


def error_body(code: str, message: str, fields: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "fields": [{"field": f, "message": m} for f, m in fields],
        }
    }


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path.endswith(".json"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _respond(request: Request, err: ApiError) -> Response:
    if _wants_html(request):
        templates = getattr(request.app.state, "templates", None)
        if templates is not None:
            return templates.TemplateResponse(  # type: ignore[no-any-return]
                request,
                "error.html",
                {
                    "status": err.status,
                    "code": err.code,
                    "message": err.message,
                    "fields": err.fields,
                    "path": request.url.path,
                },
                status_code=err.status,
                headers=err.headers,
            )
        return HTMLResponse(err.message, status_code=err.status)
    return JSONResponse(
        error_body(err.code, err.message, err.fields), status_code=err.status, headers=err.headers
    )


def _loc(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("query", "path", "body", "header"):
        parts = parts[1:]
    return ".".join(parts) or "(root)"


def install_handlers(app: FastAPI) -> None:
    """Route every error through :func:`error_body`."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        return _respond(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        msg = str(exc.detail) if exc.detail else "error"
        return _respond(request, ApiError(exc.status_code, msg, headers=dict(exc.headers or {})))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        fields = [(_loc(e.get("loc", ())), str(e.get("msg", "invalid"))) for e in exc.errors()]
        first = "; ".join(f"{f}: {m}" for f, m in fields[:3])
        return _respond(request, ApiError(422, f"invalid request: {first}", fields=fields))

    @app.exception_handler(ReportError)
    async def _report(request: Request, exc: ReportError) -> Response:
        return _respond(request, ApiError(422, str(exc), fields=exc.errors))

    @app.exception_handler(ConfigError)
    async def _config(request: Request, exc: ConfigError) -> Response:
        msg = str(exc)
        field = msg.split(":", 1)[0] if ":" in msg and " " not in msg.split(":", 1)[0] else None
        return _respond(request, ApiError(400, msg, fields=[(field, msg)] if field else []))

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> Response:
        status = exc.status or 409
        return _respond(request, ApiError(status, str(exc), fields=exc.fields))

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database(request: Request, exc: Exception) -> Response:
        if not is_transient(exc):
            raise exc
        return _respond(
            request,
            ApiError(
                503,
                "the database is busy or unreachable; retry later",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            ),
        )

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:  # pragma: no cover
        import logging

        logging.getLogger("empreinte.observatory").exception("unhandled error", exc_info=exc)
        return _respond(request, ApiError(500, "internal error (logged on the server)"))
