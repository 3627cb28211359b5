"""Send a benchmark's reports to an observatory, through the shared client :mod:`empreinte.submit`.

Used by ``empreinte bench run --submit``: the report is queued in the outbox
(``<data dir>/outbox``) and sent with retries and backoff, exactly like ``empreinte submit``;
it leaves the outbox only once the server has accepted it. The server and token come from the
arguments or ``EMPREINTE_SERVER`` / ``EMPREINTE_TOKEN``. The server recognises a report it
already has, so submitting twice stores it once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from empreinte.errors import ConfigError

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
    outbox: Path | None = None,
    retries: int = 4,
) -> dict[str, Any]:
    """Queue and send ``report``; returns the server's answer (``id``, ``created``, ``url``)."""
    try:
        import httpx  # noqa: F401
    except ImportError as exc:  # pragma: no cover - httpx ships with the server extra
        raise ConfigError("submitting needs httpx: pip install 'empreinte[server]'") from exc
    from empreinte.submit import Outbox, default_outbox, server_and_token, submit_pending

    base, key = server_and_token(server, token)
    box = Outbox(outbox or default_outbox())
    box.add(base, json.loads(report.to_json(indent=None)))
    results = submit_pending(
        box, base, key, transport=transport, timeout_s=timeout_s, retries=retries
    )
    mine = next(r for r in results if r.report_id == report.report_id)
    if mine.error is not None:
        from empreinte.errors import ServerError

        raise ServerError(f"{mine.error} (set aside in {mine.path})")
    return {"id": mine.report_id, "created": mine.created, "url": mine.url}
