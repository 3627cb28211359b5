"""Security middleware: headers (CSP...), request size limit, per-token rate limit.

It also keeps hostile input away from the application: a NUL character in the path or the
query string is refused with 400 (PostgreSQL cannot compare text holding one), ``HEAD`` is
answered as ``GET`` without the body, and an unhandled error becomes a 500 answer *without*
closing the keep-alive connection (uvicorn closes it when an exception reaches it).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("empreinte.observatory")

__all__ = ["CSP", "RateLimiter", "SecurityMiddleware"]

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class RateLimiter:
    """A token bucket per key: ``per_minute`` requests, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self._buckets: dict[Any, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: Any) -> float:
        """0 if allowed (and counted), else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


def _error(status: int, code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "fields": []}}).encode()


class SecurityMiddleware:
    """Adds security headers to every response and refuses bodies over ``max_body`` bytes.

    A body is read only when the application asks for it (after the token is checked), and
    counted as it arrives: over ``max_body`` bytes the request gets 413.
    """

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        head = scope["method"] == "HEAD"

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0] not in dict(HEADERS)]
                message["headers"] = headers + HEADERS
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body
            except ValueError:
                too_big = True
            if too_big:
                await self._reject(send_with_headers)
                return
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            await _send_error(
                send_with_headers, 400, "bad_request", "NUL characters are not allowed in URLs"
            )
            return
        if head:
            scope = {**scope, "method": "GET"}
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise HTTPException(413, f"request body over {self.max_body} bytes")
            return message

        try:
            await self.app(scope, counted, send_with_headers)
        except Exception as exc:
            if started:  # too late to answer: let the server close the connection
                raise
            log.exception("unhandled error", exc_info=exc)
            await _send_error(send_with_headers, 500, "internal", "internal error (logged)")

    async def _reject(self, send: Send) -> None:
        await _send_error(
            send, 413, "payload_too_large", f"request body over {self.max_body} bytes", close=True
        )


async def _send_error(
    send: Send, status: int, code: str, message: str, *, close: bool = False
) -> None:
    body = _error(status, code, message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
