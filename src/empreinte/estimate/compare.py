"""What-if comparison of lifecycle scenarios: a table, a chart (PNG) and an HTML page."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from empreinte.estimate.lifecycle import ScenarioResult

__all__ = ["STAGES", "column_label", "comparison_rows", "write_chart", "write_html"]

STAGES = ("training", "retraining", "fine_tuning", "inference", "data")


def _stage_key(name: str) -> str:
    return "fine_tuning" if name.startswith("fine_tuning") else name


def comparison_rows(results: Sequence[ScenarioResult]) -> list[dict[str, Any]]:
    """One row per scenario: GWP (t) by stage, totals and the amortised per-request values."""
    rows = []
    for r in results:
        # a stage the scenario does not have is None ("-"), never 0
        by_stage: dict[str, float | None] = dict.fromkeys(STAGES)
        for s in r.stages:
            k = _stage_key(s.stage)
            by_stage[k] = (by_stage[k] or 0.0) + float(s.gwp_kgco2e.value) / 1000
        for c in r.data:  # storage and transfer (impacts.data); not assessed adds nothing
            if c.gwp_kgco2e is not None:
                by_stage["data"] = (by_stage["data"] or 0.0) + float(c.gwp_kgco2e.value) / 1000
        tot = r.total("gwp_kgco2e")
        per = r.per_request("gwp_kgco2e")
        energy = r.per_request("energy_kwh")
        full = r.per_response_full()
        rows.append(
            {
                "scenario": r.scenario.name,
                **{f"{k}_tco2e": v for k, v in by_stage.items()},
                "total_tco2e": float(tot.value) / 1000,
                "total_tco2e_low": float(tot.low) / 1000,
                "total_tco2e_high": float(tot.high) / 1000,
                "requests": r.requests,
                "per_request_gco2e": None if per is None else float(per.value) * 1000,
                "per_request_wh": None if energy is None else float(energy.value) * 1000,
                # one response's full footprint: with end of life (and the server with --server)
                "per_response_full_gco2e": None
                if full is None or "gwp_kgco2e" not in full
                else float(full["gwp_kgco2e"].value) * 1000,
                "per_response_water_ml": None
                if full is None or "water_l" not in full
                else float(full["water_l"].value) * 1000,
                # e-waste: a mass, its own columns, added to no other criterion
                "total_ewaste_kg": _stages_total(r, "ewaste_kg"),
                "per_response_ewaste_mg": None
                if full is None or "ewaste_kg" not in full
                else float(full["ewaste_kg"].value) * 1e6,
            }
        )
        if any(x.reuse is not None for x in results):  # the reuse what-if's GWP break-even
            be = None if r.reuse is None else r.reuse.break_even_years["gwp_kgco2e"]
            rows[-1]["reuse_break_even_years"] = None if be is None else be["value"]
    return rows


def _stages_total(r: ScenarioResult, criterion: str) -> float | None:
    """A criterion summed over the scenario's stages (``None`` if no stage assessed it)."""
    vals = [float(s.criteria[criterion].value) for s in r.stages if criterion in s.criteria]
    return sum(vals) if vals else None


def write_chart(results: Sequence[ScenarioResult], path: str | Path) -> Path:
    """Stacked bars of GWP by stage per scenario, with the total's low-high as error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = comparison_rows(results)
    names = [r["scenario"] for r in rows]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(rows)), 4.0), dpi=100)
    bottom = [0.0] * len(rows)
    for stage in STAGES:
        vals = [r[f"{stage}_tco2e"] or 0.0 for r in rows]  # absent: no bar
        if any(vals):
            ax.bar(names, vals, bottom=bottom, label=stage.replace("_", "-"))
            bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    lo = [r["total_tco2e"] - r["total_tco2e_low"] for r in rows]
    hi = [r["total_tco2e_high"] - r["total_tco2e"] for r in rows]
    ax.errorbar(names, bottom, yerr=[lo, hi], fmt="none", ecolor="black", capsize=4)
    ax.set_ylabel("tCO2e (estimate, low-high)")
    ax.set_title("Life-cycle GWP by stage")
    ax.legend()
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, format="png")
    plt.close(fig)
    return out


def write_html(results: Sequence[ScenarioResult], path: str | Path, chart: Path | None) -> Path:
    """A self-contained HTML page: the comparison table and the chart (embedded)."""
    rows = comparison_rows(results)
    cols = list(rows[0]) if rows else []
    head = "".join(f"<th>{html.escape(column_label(c))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(r[c])}</td>" for c in cols) + "</tr>" for r in rows)
    img = ""
    if chart is not None:
        data = base64.b64encode(chart.read_bytes()).decode("ascii")
        img = f'<img alt="GWP by stage" src="data:image/png;base64,{data}">'
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>empreinte: scenarios</title>"
        "<style>body{font-family:sans-serif}td,th{padding:4px 8px;border:1px solid #ccc}"
        "table{border-collapse:collapse}</style></head><body>"
        "<h1>Life-cycle scenarios (estimates, tier M4)</h1>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{img}"
        "</body></html>"
    )
    out = Path(path)
    out.write_text(page, encoding="utf-8")
    return out


def column_label(key: str) -> str:
    """A readable label for a comparison column (``total_tco2e_low`` -> ``total (tCO2e) low``)."""
    if key == "reuse_break_even_years":
        return "reuse: GWP break-even (years)"
    label = key.replace("_tco2e", " (tCO2e)").replace("_gco2e", " (gCO2e)")
    label = label.replace("_ewaste_kg", " e-waste (kg)").replace("_ewaste_mg", " e-waste (mg)")
    return label.replace("_wh", " (Wh)").replace("_ml", " (mL)").replace("_", " ")


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.4g}"
    return html.escape(str(v))
