"""Send a benchmark's reports to an observatory: ``POST /api/v1/reports`` with a bearer token.

A minimal client (httpx, from the ``server`` extra) used by ``empreinte bench run --submit``.
The server and token come from the arguments or ``EMPREINTE_SERVER`` / ``EMPREINTE_TOKEN``.
The report id doubles as the idempotency key, so submitting twice stores it once.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from empreinte.errors import ConfigError, ServerError

if TYPE_CHECKING:
    from empreinte.report.models import Report

__all__ = ["submit_report"]


def submit_report(
    report: Report,
    server: str | None = None,
    token: str | None = None,
    *,
    transport: Any = None,
    timeout_s: float = 30.0,
) -> dict[str, Any]:
    """POST ``report``; returns the server's JSON answer (``id``, ``url``, ``verification``)."""
    try:
        import httpx
    except ImportError as exc:  # pragma: no cover - httpx ships with the server extra
        raise ConfigError("submitting needs httpx: pip install 'empreinte[server]'") from exc
    base = server or os.environ.get("EMPREINTE_SERVER")
    key = token or os.environ.get("EMPREINTE_TOKEN")
    if not base:
        raise ConfigError("no observatory: pass --server URL or set EMPREINTE_SERVER")
    if not key:
        raise ConfigError("no token: pass --token TOKEN or set EMPREINTE_TOKEN")
    url = base.rstrip("/") + "/api/v1/reports"
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Idempotency-Key": report.report_id,
    }
    try:
        with httpx.Client(transport=transport, timeout=timeout_s) as client:
            resp = client.post(url, content=report.to_json(indent=None), headers=headers)
    except httpx.HTTPError as exc:
        raise ServerError(f"cannot reach {url}: {exc}") from exc
    if resp.status_code not in (200, 201):
        try:
            detail = resp.json().get("error", {}).get("message") or resp.text
        except ValueError:
            detail = resp.text
        raise ServerError(
            f"{url} answered {resp.status_code}: {str(detail)[:300]}", status=resp.status_code
        )
    answer: dict[str, Any] = resp.json()
    return answer
