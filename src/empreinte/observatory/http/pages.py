"""Server-rendered pages; each has a ``.json`` twin returning the same data."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from empreinte import units
from empreinte.observatory.http.context import VIEW_QUERY, Ctx, get_ctx, get_filters
from empreinte.observatory.http.errors import ApiError
from empreinte.observatory.storage.query import SORTS, Filters, list_reports
from empreinte.observatory.summaries.cohorts import VIEWS
from empreinte.observatory.views import analyses, analyses_view, board_view, charts
from empreinte.observatory.views.reports import report_detail, summary
from empreinte.report import verification as verify
from empreinte.report.validate import validate_report
from empreinte.vocabulary import PHASES, Criterion

__all__ = ["configure_templates", "router"]

router = APIRouter(include_in_schema=False)

CRITERIA_ROWS = tuple((c.value, c.label, c.unit) for c in Criterion)
"""(criterion key, label, unit) for the report page and the filters' criterion choice."""
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
    "ai-act": "AI Act documentation of general-purpose AI models: energy and compute",
    "l1801": "ITU-T L.1801 assessment: life-cycle stages and criteria",
}


SORT_LABELS = {
    "created_at": ("Oldest first", "Newest first"),
    "energy_kwh": ("Energy, smallest first", "Energy, largest first"),
    "gwp_kgco2e": ("Emissions, smallest first", "Emissions, largest first"),
    "energy_per_unit_kwh": ("Energy per unit, smallest first", "Energy per unit, largest first"),
}
"""Sort key -> (ascending label, descending label), as the /reports menu shows them."""


def _sort_label(sort: str) -> str:
    asc, desc = SORT_LABELS.get(sort.lstrip("-"), (sort, sort))
    return desc if sort.startswith("-") else asc


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
        energy=units.energy,
        count=charts.count,
        duration=charts.duration,
        qty=charts.quantity,
        per_qty=charts.per_unit,
        exact=charts.exact,
        charts=charts,
        criteria=CRITERIA_ROWS,
        phases=PHASES,
        trend_notes=_trend_notes,
        tier_text=TIER_TEXT,
        dl_text=DOWNLOAD_TEXT,
        flag_text=verify.FLAGS,
        pairs=_pairs,
        scatter_points=_scatter_points,
        compare_energy=_compare_energy,
        board=board_view,
        an=analyses_view,
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
        known = ctx.aggregates.knowledge(s)
        rows, _ = list_reports(s, Filters(), limit=5)
    return {"stats": stats, "knowledge": known, "recent": [summary(r) for r in rows]}


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
        matches = ctx.aggregates.stats(s, filters)["totals"]["reports"]
    params = {**filters.query_string(), "sort": sort}
    return {
        "filters": filters.query_string(),
        "matches": matches,
        "sort": sort,
        "sorts": [*("-" + k for k in SORTS), *SORTS],
        "sort_labels": {s: _sort_label(s) for s in (*SORTS, *("-" + k for k in SORTS))},
        "reports": [summary(r) for r in rows],
        "next_cursor": nxt,
        "next_params": {**params, "cursor": nxt} if nxt else None,
        "export_params": filters.query_string(),
        "facets": facets,
    }


def _criteria_rows(impacts: dict[str, Any]) -> list[tuple[str, str, dict[str, float | None]]]:
    rows = []
    for key, label, unit in CRITERIA_ROWS:
        c = impacts.get(key)
        if c:
            phases = {p: (c.get(p) or {}).get("value") for p in PHASES}
            rows.append((label, unit, phases))
    return rows


@_twin("/reports/{report_id}", "report.html")
def report_page(report_id: str, ctx: Ctx = Depends(get_ctx)) -> dict[str, Any]:
    d = report_detail(ctx.sessions, report_id)
    rep = d["report"]
    energy = rep.get("energy", {})
    components = [
        (c, (energy.get(f"{c}_kwh") or {}).get("value")) for c in ("gpu", "cpu", "ram", "other")
    ]
    d["downloads"] = ["json", *sorted(ctx.exporters)]
    d["energy_components"] = [(c, v) for c, v in components if v is not None]
    d["criteria"] = _criteria_rows(rep.get("impacts", {}))
    d["site"] = _site(ctx, rep.get("datacenter") or {})
    d["advice"] = _advice(ctx, rep)
    return d


ADVICE_PEERS = 200
"""At most this many reports of the same task are read as peers for the advisor."""


def _advice(ctx: Ctx, rep: dict[str, Any]) -> list[dict[str, Any]]:
    """The frugality advisor's changes for a report, with the same task's reports as peers."""
    from sqlalchemy import select

    from empreinte.advise import advise
    from empreinte.observatory.storage.db import ReportRow

    report = validate_report(rep)
    peers = []
    if report.task is not None and report.quality_metrics:
        stmt = (
            select(ReportRow.body)
            .where(ReportRow.task == report.task, ReportRow.superseded_by.is_(None))
            .order_by(ReportRow.energy_per_unit_kwh)
            .limit(ADVICE_PEERS)
        )
        with ctx.sessions() as s:
            peers = [validate_report(b) for b in s.scalars(stmt)]
    return [a.as_dict() for a in advise(report, peers)]


def _site(ctx: Ctx, dc: dict[str, Any]) -> dict[str, str] | None:
    """The registry entry a report ran at (by ``datacenter.id``, else its preset), if any."""
    from empreinte.observatory.storage.registry import get_site

    site_id = dc.get("id") or dc.get("preset")
    if not site_id:
        return None
    with ctx.sessions() as s:
        site = get_site(s, site_id)
    return None if site is None else {"name": site.name, "url": f"/datacenters/{site.id}"}


@router.get("/reports/{report_id}/download/{fmt}")
async def download(report_id: str, fmt: str, ctx: Ctx = Depends(get_ctx)) -> Response:
    d = await run_in_threadpool(report_detail, ctx.sessions, report_id)
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
    ext = exported.extension.lstrip(".")
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{report_id}.{ext}"'},
    )


@_twin("/compare", "compare.html")
def compare_page(
    ctx: Ctx = Depends(get_ctx), ids: list[str] = Query([], max_length=5)
) -> dict[str, Any]:
    wanted = [i for raw in ids for i in raw.split(",") if i.strip()]
    wanted = list(dict.fromkeys(x.strip() for x in wanted))
    if len(wanted) > 5:
        raise ApiError(400, "compare at most 5 reports", fields=[("ids", "at most 5")])
    reports = [report_detail(ctx.sessions, i) for i in wanted]
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
    return {
        "ids": wanted,
        "reports": rows,
        "enough": 2 <= len(rows) <= 5,
        "cautions": _compare_cautions(rows),
    }


def _compare_cautions(rows: list[dict[str, Any]]) -> list[str]:
    """Why a side-by-side of these totals may mislead (stages, units, tiers, scale)."""
    out: list[str] = []
    reps = [r["report"] for r in rows]
    if len(reps) < 2:
        return out
    stages = sorted({r["lifecycle_stage"] for r in reps})
    if len(stages) > 1:
        out.append(f"different life-cycle stages ({', '.join(stages)}): totals are not comparable")
    units_ = sorted({(r.get("functional_unit") or {}).get("type") or "none" for r in reps})
    if len(units_) > 1:
        out.append(f"different functional units ({', '.join(units_)}): compare per unit with care")
    tiers = sorted({(r.get("verification") or {}).get("m_tier") or "?" for r in reps})
    if len(tiers) > 1:
        out.append(f"different trust tiers ({', '.join(tiers)}): measured, estimated and declared")
    energies = [
        r["energy"]["total_kwh"]["value"] for r in reps if r["energy"]["total_kwh"]["value"]
    ]
    if len(energies) > 1 and max(energies) / min(energies) >= 1e3:
        orders = int(math.log10(max(energies) / min(energies)))
        out.append(
            f"energies differ by {orders} orders of magnitude "
            f"({units.human(min(energies), 'kWh')} to {units.human(max(energies), 'kWh')}): "
            "the chart uses a logarithmic scale"
        )
    return out


def _positive(raw: str | None, name: str) -> float | None:
    """A form's number: empty means none; anything else must be a positive finite number."""
    if raw is None or not raw.strip():
        return None
    try:
        v = float(raw)
    except ValueError:
        v = float("nan")
    if not (math.isfinite(v) and v > 0):
        raise ApiError(422, f"{name} must be a positive number", fields=[(name, raw[:20])])
    return v


@_twin("/leaderboard", "leaderboard.html")
def leaderboard_page(
    ctx: Ctx = Depends(get_ctx),
    task: str | None = Query(None, max_length=100),
    unit: str | None = Query(None, max_length=60),
    board: str | None = Query(None, max_length=170, description="TASK|UNIT (the menu)"),
    min_quality: float | None = Query(None, allow_inf_nan=False),
    gate: float = Query(0.9, gt=0, le=1),
    view: str = VIEW_QUERY,
    itl_ms: str | None = Query(None, max_length=20, description="ms; empty: no constraint"),
    energy: str = Query("j", pattern="^(j|wh)$", description="energy per token in J or Wh"),
) -> dict[str, Any]:
    if board and not task:
        task, _, u = board.partition("|")
        unit = u or None
    itl = _positive(itl_ms, "itl_ms")
    with ctx.sessions() as s:
        data = ctx.aggregates.leaderboard(
            s, task or None, unit, min_quality=min_quality, gate=gate, view=view, itl_ms=itl
        )
    latency = any(c.get("with_latency") for c in data["cohorts"]) or itl is not None
    return {
        **data,
        "energy": energy,
        "controls": {
            "itl_choices": list(board_view.ITL_CHOICES) if latency else [],
            "views": list(VIEWS),
        },
    }


ANALYSES = (
    ("training", "Training runs", "energy and emissions against publication date and compute"),
    ("inference", "Inference", "measured energy per output token against active parameters, "
     "per hardware, beside per-prompt disclosures"),
    ("layers", "Boundary layers", "accelerators, host, idle and facility side by side"),
)  # fmt: skip


@_twin("/analyses", "analyses.html")
def analyses_page() -> dict[str, Any]:
    return {"pages": [{"name": n, "title": t, "about": a} for n, t, a in ANALYSES]}


def _analysis(ctx: Ctx, name: str, task: str | None = None, min_kwh: float = 1.0) -> dict[str, Any]:
    fns: dict[str, Callable[[Session], dict[str, Any]]] = {
        "training": lambda s: analyses.training(s, min_kwh),
        "inference": lambda s: analyses.inference(s, task),
        "layers": analyses.layers,
    }
    with ctx.sessions() as s:
        key = ("analyses", name, task, min_kwh)
        return dict(ctx.aggregates.memo(s, key, lambda: fns[name](s)))


MIN_KWH = Query(1.0, ge=0, le=1e12, allow_inf_nan=False, description="smallest run shown")


@_twin("/analyses/training", "analyses_training.html")
def training_page(ctx: Ctx = Depends(get_ctx), min_kwh: float = MIN_KWH) -> dict[str, Any]:
    return _analysis(ctx, "training", min_kwh=min_kwh)


@_twin("/analyses/inference", "analyses_inference.html")
def inference_page(
    ctx: Ctx = Depends(get_ctx), task: str | None = Query(None, max_length=100)
) -> dict[str, Any]:
    return _analysis(ctx, "inference", task)


@_twin("/analyses/layers", "analyses_layers.html")
def layers_page(ctx: Ctx = Depends(get_ctx)) -> dict[str, Any]:
    return _analysis(ctx, "layers")


_CSV_ROWS = {"training": "runs", "inference": "points", "layers": "reports"}


@router.get("/analyses/{name}.csv")
async def analysis_csv(
    name: str,
    ctx: Ctx = Depends(get_ctx),
    task: str | None = Query(None, max_length=100),
    min_kwh: float = MIN_KWH,
) -> Response:
    """The data of an analyses page as CSV (inference: the measured points; the per-prompt
    disclosures are in ``/analyses/disclosures.csv``)."""
    if name == "disclosures":
        data = await run_in_threadpool(_analysis, ctx, "inference", task)
        rows = data["disclosures"]
    elif name in _CSV_ROWS:
        data = await run_in_threadpool(_analysis, ctx, name, task, min_kwh)
        rows = data[_CSV_ROWS[name]]
    else:
        raise ApiError(404, f"no analysis {name!r} (training, inference, disclosures, layers)")
    return Response(
        analyses.csv_text(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="empreinte-{name}.csv"'},
    )


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
