"""The HTTP API under ``/api/v1`` (JSON; reads public, writes need a bearer token)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic_core import from_json

from empreinte.errors import ReportError
from empreinte.observatory.http.context import (
    ITL_QUERY,
    VIEW_QUERY,
    Ctx,
    authenticate,
    get_ctx,
    get_filters,
)
from empreinte.observatory.http.errors import ApiError
from empreinte.observatory.storage import exports, store
from empreinte.observatory.storage.gcpause import gc_paused
from empreinte.observatory.storage.query import Filters, get_report, list_reports
from empreinte.observatory.views.reports import detail, summary
from empreinte.report.models import Report
from empreinte.report.validate import validate_report

__all__ = ["REPORT_BODY", "router"]

router = APIRouter(prefix="/api/v1", tags=["api"])

REPORT_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"$ref": "#/components/schemas/Report"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/Report"}},
                    {
                        "type": "object",
                        "required": ["reports"],
                        "properties": {
                            "reports": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Report"},
                            }
                        },
                    },
                ]
            }
        }
    },
}


def _parse(ctx: Ctx, raw: bytes) -> tuple[list[tuple[Report, dict[str, Any]]], bool]:
    try:
        # pydantic-core's parser (about 4x faster than json.loads); standard JSON only: no
        # Infinity or NaN (an overflow such as 1e999 is refused by the schema, naming the field)
        data = from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        raise ApiError(
            422, f"body is not valid JSON: {exc}", fields=[("(root)", str(exc))]
        ) from None
    batch = isinstance(data, list) or (
        isinstance(data, dict) and "reports" in data and "schema_version" not in data
    )
    if isinstance(data, dict) and batch:
        extra = set(data) - {"reports"}
        if extra:
            raise ApiError(
                422, "unknown field", fields=[(k, "unknown field") for k in sorted(extra)]
            )
        data = data["reports"]
    items = data if batch else [data]
    if not isinstance(items, list):
        raise ApiError(422, "reports must be a list", fields=[("reports", "expected a list")])
    if not items:
        raise ApiError(422, "no report given", fields=[("reports", "empty list")])
    if len(items) > ctx.settings.max_batch:
        raise ApiError(
            422,
            f"at most {ctx.settings.max_batch} reports per request",
            fields=[("reports", f"{len(items)} reports, at most {ctx.settings.max_batch}")],
        )
    out: list[tuple[Report, dict[str, Any]]] = []
    errors: list[tuple[str, str]] = []
    nul = b"\\u0000" in raw  # the only way to write a NUL character in valid JSON
    for i, item in enumerate(items):
        prefix = f"reports.{i}." if batch else ""
        try:
            rep = validate_report(item, check_nul=nul)
        except ReportError as exc:
            errors.extend(
                (prefix + f if f != "(root)" else prefix + "(root)", m) for f, m in exc.errors
            )
            continue
        out.append((rep, item))
    if errors:
        first = "; ".join(f"{f}: {m}" for f, m in errors[:3])
        raise ApiError(422, f"invalid report: {first}", fields=errors)
    return out, batch


@router.post(
    "/reports",
    summary="Submit one report or a batch",
    openapi_extra={"requestBody": REPORT_BODY},
    status_code=201,
    responses={200: {"description": "already stored (idempotent)"}, 201: {"description": "stored"}},
)
async def post_reports(
    request: Request,
    ctx: Ctx = Depends(get_ctx),
    authorization: str | None = Header(None),
    idempotency_key: str | None = Header(None, max_length=200),
) -> JSONResponse:
    token_id = await run_in_threadpool(authenticate, ctx, authorization)
    raw = await request.body()

    def work() -> tuple[list[store.Ingested], bool]:
        with gc_paused(), ctx.sessions() as s:
            items, batch = _parse(ctx, raw)
            res = store.ingest(
                s, items, token_id=token_id, idempotency_key=idempotency_key,
                field_prefix="reports." if batch else "",
            )  # fmt: skip
        return res, batch

    results, batch = await run_in_threadpool(work)
    created = sum(r.created for r in results)
    status = 201 if created else 200
    if not batch:
        r = results[0]
        with ctx.sessions() as s:
            row = get_report(s, r.report_id)
        body = json.loads(row.body) if row else {}
        return JSONResponse(
            {
                "id": r.report_id,
                "created": r.created,
                "url": f"/reports/{r.report_id}",
                "verification": body.get("verification"),
            },
            status_code=status,
            headers={"Location": f"/api/v1/reports/{r.report_id}"},
        )
    return JSONResponse(
        {
            "created": created,
            "existing": len(results) - created,
            "results": [
                {"index": r.index, "id": r.report_id, "created": r.created} for r in results
            ],
        },
        status_code=status,
    )


@router.get("/reports", summary="List reports (filters, sort, cursor pagination)")
def get_reports(
    request: Request,
    ctx: Ctx = Depends(get_ctx),
    filters: Filters = Depends(get_filters),
    sort: str = Query("-created_at", max_length=30, description="column, '-' for descending"),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    with ctx.sessions() as s:
        rows, nxt = list_reports(s, filters, sort=sort, cursor=cursor, limit=limit)
    next_url = None
    if nxt:
        params = {**filters.query_string(), "sort": sort, "limit": str(limit), "cursor": nxt}
        next_url = str(request.url.replace_query_params(**params))
    return {"reports": [summary(r) for r in rows], "next_cursor": nxt, "next": next_url}


@router.get("/reports/{report_id}", summary="One report, whole, with the observatory's metadata")
def get_one(report_id: str, ctx: Ctx = Depends(get_ctx)) -> Response:
    # the stored body is already JSON: spliced in as is, never parsed and re-encoded (a 15 MiB
    # report costs a copy, not a walk), in the worker thread that runs this endpoint
    meta, body = detail(ctx.sessions, report_id)
    head = json.dumps(meta, ensure_ascii=False)[:-1]
    return Response(f'{head}, "report": {body}}}'.encode(), media_type="application/json")


@router.get("/stats", summary="Totals and breakdowns by year, stage, hardware and M tier")
def get_stats(
    ctx: Ctx = Depends(get_ctx), filters: Filters = Depends(get_filters)
) -> dict[str, Any]:
    with ctx.sessions() as s:
        return ctx.aggregates.stats(s, filters)


@router.get("/leaderboard", summary="Quality-gated ranking and Pareto front per task and unit")
def get_leaderboard(
    ctx: Ctx = Depends(get_ctx),
    task: str | None = Query(None, max_length=100, description="default: the largest board"),
    unit: str | None = Query(None, max_length=60, description="functional unit type"),
    min_quality: float | None = Query(None, allow_inf_nan=False),
    gate: float = Query(0.9, gt=0, le=1, description="relative quality gate (x best)"),
    limit: int = Query(50, ge=1, le=500),
    view: str = VIEW_QUERY,
    itl_ms: float | None = ITL_QUERY,
) -> dict[str, Any]:
    with ctx.sessions() as s:
        return ctx.aggregates.leaderboard(
            s, task, unit, min_quality=min_quality, gate=gate, limit=limit, view=view,
            itl_ms=itl_ms,
        )  # fmt: skip


_DISPOSITION = "attachment; filename=empreinte-reports.{}"


@router.get("/export.csv", summary="All matching reports, one row each (streamed CSV)")
def export_csv(
    ctx: Ctx = Depends(get_ctx), filters: Filters = Depends(get_filters)
) -> StreamingResponse:
    filters.where()  # refuse bad filters before the response starts
    return StreamingResponse(
        exports.stream_csv(ctx.sessions, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": _DISPOSITION.format("csv")},
    )


@router.get("/export.jsonl", summary="All matching reports, whole, one JSON per line")
def export_jsonl(
    ctx: Ctx = Depends(get_ctx), filters: Filters = Depends(get_filters)
) -> StreamingResponse:
    filters.where()
    return StreamingResponse(
        exports.stream_jsonl(ctx.sessions, filters),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": _DISPOSITION.format("jsonl")},
    )


@router.get("/export.parquet", summary="All matching reports, one row each (Parquet)")
def export_parquet(
    ctx: Ctx = Depends(get_ctx), filters: Filters = Depends(get_filters)
) -> StreamingResponse:
    filters.where()
    return StreamingResponse(
        exports.stream_parquet(ctx.sessions, filters),
        media_type="application/vnd.apache.parquet",
        headers={"Content-Disposition": _DISPOSITION.format("parquet")},
    )
