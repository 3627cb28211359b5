"""Server-rendered pages; each has a ``.json`` twin returning the same data."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates

from empreinte.observatory import charts, verify
from empreinte.observatory.api import report_detail, summary
from empreinte.observatory.context import Ctx, get_ctx, get_filters
from empreinte.observatory.errors import ApiError
from empreinte.observatory.query import SORTS, Filters, list_reports
from empreinte.report.validate import validate_report

__all__ = ["configure_templates", "router"]

router = APIRouter(include_in_schema=False)

CRITERIA = (
    ("gwp_kgco2e", "GWP", "kgCO2e"),
    ("water_l", "Water", "L"),
    ("adpe_kgsbe", "ADPe", "kgSbeq"),
    ("pe_mj", "Primary energy", "MJ"),
)
TIER_TEXT = {
    "M1": "external meter",
    "M2": "hardware counter",
    "M3": "software model",
    "M4": "proxy estimate",
    "M5": "declared, no method",
    "A0": "self-reported",
    "A1": "evidence bundle passed automatic checks",
    "A2": "reproduced by the observatory",
    "A3": "audited or independently reproduced",
}

DOWNLOAD_TEXT = {
    "json": "the report itself, schema empreinte.report/1",
    "boamps": "BoAmps (Boavizta AI measurement) JSON",
    "csv": "one CSV row",
    "hf": "Hugging Face model-card metadata",
    "html": "a standalone HTML page",
    "md": "Markdown",
    "sci": "Software Carbon Intensity (ISO/IEC 21031) breakdown",
    "spdx": "SPDX 3 AI profile",
}


def _pairs(rows: list[dict[str, Any]], key: str, value: str) -> list[tuple[str, Any]]:
    return [(str(r[key] if r[key] is not None else "unknown"), r[value]) for r in rows]


def _scatter_points(entries: list[dict[str, Any]]) -> list[tuple[str, float, float]]:
    return [
        (f"{e.get('model') or e['id']} [{e['id'][:8]}]", e["energy_per_unit_kwh"], e["quality"])
        for e in entries
        if e.get("quality") is not None and e.get("energy_per_unit_kwh") is not None
    ]


def _compare_energy(rows: list[dict[str, Any]]) -> list[tuple[str, float]]:
    labels = [r["label"] for r in rows]
    return [
        (
            f"{r['label']} [{r['id'][-6:]}]" if labels.count(r["label"]) > 1 else r["label"],
            r["report"]["energy"]["total_kwh"]["value"],
        )
        for r in rows
    ]


def _trend_notes(rows: list[dict[str, Any]]) -> list[str]:
    return [f"{r['reports']:,} report{'s' if r['reports'] != 1 else ''}" for r in rows]


def configure_templates(t: Jinja2Templates) -> None:
    t.env.autoescape = True
    t.env.globals.update(
        fmt=charts.fmt,
        human=charts.human,
        count=charts.count,
        duration=charts.duration,
        qty=charts.quantity,
        exact=charts.exact,
        charts=charts,
        criteria=CRITERIA,
        phases=charts.PHASES,
        trend_notes=_trend_notes,
        tier_text=TIER_TEXT,
        dl_text=DOWNLOAD_TEXT,
        flag_text=verify.FLAGS,
        pairs=_pairs,
        scatter_points=_scatter_points,
        compare_energy=_compare_energy,
    )


def _render(request: Request, template: str, data: dict[str, Any], as_json: bool) -> Response:
    if as_json:
        return JSONResponse(json.loads(json.dumps(data, default=str)))
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, {"data": data, "path": request.url.path})


def _twin(path: str, template: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` at ``path`` (HTML) and ``path.json`` (JSON)."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        json_path = "/index.json" if path == "/" else path + ".json"

        # rendered in a worker thread: a large report must not stall the event loop
        async def html(request: Request, data: dict[str, Any] = Depends(fn)) -> Response:
            return await run_in_threadpool(_render, request, template, data, False)

        async def js(request: Request, data: dict[str, Any] = Depends(fn)) -> Response:
            return await run_in_threadpool(_render, request, template, data, True)

        router.add_api_route(json_path, js, methods=["GET"])
        router.add_api_route(path, html, methods=["GET"])
        return fn

    return deco


@_twin("/", "home.html")
def home(ctx: Ctx = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.sessions() as s:
        stats = ctx.aggregates.stats(s, Filters())
        rows, _ = list_reports(s, Filters(), limit=8)
    return {"stats": stats, "recent": [summary(r) for r in rows]}


@_twin("/reports", "reports.html")
def reports_page(
    request: Request,
    ctx: Ctx = Depends(get_ctx),
    filters: Filters = Depends(get_filters),
    sort: str = Query("-created_at", max_length=30),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    with ctx.sessions() as s:
        rows, nxt = list_reports(s, filters, sort=sort, cursor=cursor, limit=limit)
        facets = ctx.aggregates.facets(s)
    params = {**filters.query_string(), "sort": sort}
    return {
        "filters": filters.query_string(),
        "sort": sort,
        "sorts": [*SORTS, *("-" + k for k in SORTS)],
        "reports": [summary(r) for r in rows],
        "next_cursor": nxt,
        "next_params": {**params, "cursor": nxt} if nxt else None,
        "export_params": filters.query_string(),
        "facets": facets,
    }


def _criteria_rows(impacts: dict[str, Any]) -> list[tuple[str, str, dict[str, float | None]]]:
    rows = []
    for key, label, unit in CRITERIA:
        c = impacts.get(key)
        if c:
            phases = {p: (c.get(p) or {}).get("value") for p in charts.PHASES}
            rows.append((label, unit, phases))
    return rows


@_twin("/reports/{report_id}", "report.html")
def report_page(report_id: str, ctx: Ctx = Depends(get_ctx)) -> dict[str, Any]:
    d = report_detail(ctx, report_id)
    rep = d["report"]
    energy = rep.get("energy", {})
    components = [
        (c, (energy.get(f"{c}_kwh") or {}).get("value")) for c in ("gpu", "cpu", "ram", "other")
    ]
    d["downloads"] = ["json", *sorted(ctx.exporters)]
    d["energy_components"] = [(c, v) for c, v in components if v is not None]
    d["criteria"] = _criteria_rows(rep.get("impacts", {}))
    return d


@router.get("/reports/{report_id}/download/{fmt}")
async def download(report_id: str, fmt: str, ctx: Ctx = Depends(get_ctx)) -> Response:
    d = await run_in_threadpool(report_detail, ctx, report_id)
    if fmt == "json":
        return Response(
            json.dumps(d["report"], indent=2, ensure_ascii=False),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{report_id}.json"'},
        )
    fn = ctx.exporters.get(fmt)
    if fn is None:
        raise ApiError(404, f"no exporter {fmt!r} (available: json, {', '.join(ctx.exporters)})")
    exported = await run_in_threadpool(fn, validate_report(d["report"]), fmt)
    if isinstance(exported, tuple):
        content, media_type, ext = exported
    else:
        content, media_type, ext = exported.content, exported.media_type, exported.extension
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{report_id}.{ext.lstrip(".")}"'},
    )


@_twin("/compare", "compare.html")
def compare_page(
    ctx: Ctx = Depends(get_ctx), ids: list[str] = Query([], max_length=5)
) -> dict[str, Any]:
    wanted = [i for raw in ids for i in raw.split(",") if i.strip()]
    wanted = list(dict.fromkeys(x.strip() for x in wanted))
    if len(wanted) > 5:
        raise ApiError(400, "compare at most 5 reports", fields=[("ids", "at most 5")])
    reports = [report_detail(ctx, i) for i in wanted]
    rows = []
    for d in reports:
        r = d["report"]
        rows.append(
            {
                "id": d["id"],
                "label": (r.get("system") or {}).get("model_id") or r.get("name") or d["id"],
                "report": r,
                "criteria": _criteria_rows(r.get("impacts", {})),
            }
        )
    return {"ids": wanted, "reports": rows, "enough": 2 <= len(rows) <= 5}


@_twin("/leaderboard", "leaderboard.html")
def leaderboard_page(
    ctx: Ctx = Depends(get_ctx),
    task: str | None = Query(None, max_length=100),
    unit: str | None = Query(None, max_length=60),
    min_quality: float | None = Query(None, allow_inf_nan=False),
    gate: float = Query(0.9, gt=0, le=1),
) -> dict[str, Any]:
    with ctx.sessions() as s:
        return ctx.aggregates.leaderboard(s, task, unit, min_quality=min_quality, gate=gate)


@_twin("/methodology", "methodology.html")
def methodology_page() -> dict[str, Any]:
    """What the verification badges and flags mean (from ``docs/methodology.md``)."""
    return {
        "m_tiers": [(t, TIER_TEXT[t]) for t in ("M1", "M2", "M3", "M4", "M5")],
        "a_tiers": [(t, TIER_TEXT[t]) for t in ("A0", "A1", "A2", "A3")],
        "flags": sorted(verify.FLAGS.items()),
        "blocking": sorted(verify.BLOCKING),
    }


@_twin("/contribute", "contribute.html")
def contribute_page(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {
        "server": base,
        "steps": [
            ("Install", "pip install 'empreinte[all]'"),
            ("Check which meters work on this machine", "empreinte doctor"),
            (
                "Measure a job (any command)",
                "empreinte run --stage inference --name my-run --out report.json"
                " -- python infer.py",
            ),
            ("Check the report", "empreinte report validate report.json"),
            (
                "Get a token from the observatory's operator",
                "empreinte server token create --name you",
            ),
            ("Submit it", f"empreinte submit report.json --server {base} --token $EMPREINTE_TOKEN"),
        ],
        "api": f"{base}/api/v1/openapi.json",
    }
