"""The report dicts that both the API (``/api/v1/reports``) and the pages (``/reports``) serve."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy.orm import Session

from empreinte.observatory.storage import exports, store
from empreinte.observatory.storage.db import WITHDRAWN
from empreinte.observatory.storage.errors import NotFound
from empreinte.observatory.storage.query import get_report
from empreinte.report.published import reconcile
from empreinte.report.validate import validate_report
from empreinte.report.verification import split_flags

__all__ = ["Sessions", "detail", "report_detail", "summary"]

Sessions = Callable[[], AbstractContextManager[Session]]
"""What opens a session (the app's ``ctx.sessions``)."""


def summary(row: Any) -> dict[str, Any]:
    """One report as a list shows it: its indexed columns, flags and page URL."""
    d = exports.row_summary(row)
    d["flags"] = split_flags(row.flags)
    d["url"] = f"/reports/{row.report_id}"
    return d


def detail(sessions: Sessions, report_id: str) -> tuple[dict[str, Any], str]:
    """The observatory's metadata of a report and its stored JSON body (404 when unknown)."""
    with sessions() as s:
        row = get_report(s, report_id)
        w = store.withdrawal(s, report_id) if row and row.superseded_by == WITHDRAWN else None
    if row is None:
        raise NotFound(f"no report with id {report_id!r}")
    comparison = None
    if '"published":{"' in row.body:  # a publisher's figures: reconciled (else no parse at all)
        comparison = reconcile(validate_report(json.loads(row.body)))
    meta = {
        "id": row.report_id,
        "received_at": row.received_at.isoformat() + "Z",
        "superseded_by": None if w else row.superseded_by,
        "withdrawn": (
            {"reason": w.reason, "withdrawn_at": w.withdrawn_at.isoformat() + "Z"} if w else None
        ),
        "published": comparison.to_dict() if comparison else None,
    }
    return meta, row.body


def report_detail(sessions: Sessions, report_id: str) -> dict[str, Any]:
    """:func:`detail` with the report parsed, as the report page and ``/compare`` use it."""
    meta, body = detail(sessions, report_id)
    return {**meta, "report": json.loads(body)}
