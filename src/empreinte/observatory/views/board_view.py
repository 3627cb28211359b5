"""What the leaderboard page shows beyond the API's data: controls, energy units, charts.

Energy per token is shown in J (``energy=wh`` shows Wh); a rated benchmark task shows Wh per
1,000 inferences with its 95 % interval and class, as ``empreinte bench leaderboard`` prints
them; any other unit in Wh per unit. The formatting lives here only (to move to the shared
unit module when it lands).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from empreinte import units
from empreinte.measure.base import J_PER_KWH
from empreinte.observatory.views import charts, energy_fmt, plots

__all__ = [
    "ENERGY_MODES",
    "ITL_CHOICES",
    "board_chart",
    "energy_cell",
    "energy_head",
    "has_config",
    "short_model",
    "token_unit",
]

ITL_CHOICES = (None, 20.0, 30.0, 50.0, 100.0)
"""Latency constraints offered (median inter-token latency, ms); ``None``: no constraint."""

ENERGY_MODES = ("j", "wh")
_TOKEN_UNITS = ("output_token", "token", "input_token")


def _token(unit: str | None) -> bool:
    return unit in _TOKEN_UNITS


def energy_head(unit: str | None, mode: str, rated: bool) -> str:
    """The energy column's heading."""
    per = (unit or "unit").replace("_", " ")
    if rated:
        return "µWh per 1,000 inferences (95 % CI)"
    if _token(unit) and mode != "wh":
        return f"J per {per}"
    return f"Energy per {per}"


def energy_cell(e: dict[str, Any], unit: str | None, mode: str, rated: bool) -> str:
    """One energy value as the heading says (``—`` when missing, never 0)."""
    kwh = e.get("energy_per_unit_kwh")
    if kwh is None:
        return "—"
    if rated and e.get("energy_wh_per_1000") is not None:
        v = e["energy_wh_per_1000"] * 1e6
        lo, hi = e.get("ci_low_wh_per_1000"), e.get("ci_high_wh_per_1000")
        ci = (
            f" [{energy_fmt.sig(lo * 1e6)} – {energy_fmt.sig(hi * 1e6)}]"
            if lo is not None and hi is not None
            else ""
        )
        return f"{energy_fmt.sig(v)}{ci}"
    if _token(unit):
        if mode == "wh":  # Wh on request: in Wh whatever the size, not the run's scale
            return f"{units.number(kwh * 1e3)} Wh"
        return energy_fmt.joules(float(e["energy_per_unit_j"]))
    return charts.human(kwh, "kWh")


def token_unit(unit: str | None) -> bool:
    """Whether energy per ``unit`` is shown in J (with Wh on request)."""
    return _token(unit)


def has_config(rows: list[dict[str, Any]]) -> bool:
    """Whether any row gives a serving configuration (else the columns are left out)."""
    keys = ("max_batch", "parallelism", "itl_ms", "throughput_tok_s")
    return any(r.get(k) is not None for r in rows for k in keys)


def short_model(name: str | None) -> tuple[str, str]:
    """``("meta-llama/", "Llama-3.1-8B-Instruct")``: the organisation apart, so that a phone
    wraps between the two, not inside a syllable."""
    if not name:
        return "", ""
    org, sep, rest = name.rpartition("/")
    return (org + sep, rest) if sep else ("", name)


def board_chart(c: dict[str, Any], unit: str | None, mode: str) -> Markup:
    """The cohort's chart: quality against energy (Pareto front), or for serving measurements
    without quality, median inter-token latency against energy (the configurations that no
    other beats on both)."""
    per = (unit or "unit").replace("_", " ")
    joules = _token(unit) and mode != "wh"
    x_title = f"{'J' if joules else 'energy'} per {per}"

    scale = J_PER_KWH if joules else 1.0  # points in the unit the axis shows, so ticks are round

    def x_fmt(v: float) -> str:
        if joules:
            return energy_fmt.joules(v)
        return f"{units.number(v * 1e3)} Wh" if _token(unit) else charts.human(v, "kWh")

    best = {r["id"] for r in c["ranking"]}
    pts = c["points"]
    if c.get("classes"):
        return _rated_chart(c)
    if c["quality_metric"]:
        metric = c["quality_metric"]
        front_ids = {p["id"] for p in c["pareto_front"]}
        points = [
            plots.Point(
                label=p.get("model") or p["id"],
                x=p["energy_per_unit_kwh"] * scale,
                y=p["quality"],
                tag=short_model(p.get("model"))[1]
                if len(pts) <= 30 or p["id"] in front_ids
                else "",
                emphasis=p["id"] in front_ids,
            )
            for p in pts
            if p.get("quality") is not None
        ]
        front = [pt for pt in points if pt.emphasis]
        front.sort(key=lambda pt: pt.x)
        gate = c.get("quality_gate")
        return plots.responsive(
            points=points, front=front, title=f"{metric} against {x_title}",
            x_title=x_title, y_title=metric, x_fmt=x_fmt, y_fmt=charts.fmt,
            hline=(gate, f"quality gate {charts.fmt(gate)}") if gate is not None else None,
            summary=f"{len(points)} entries; the Pareto front is emphasised.",
        )  # fmt: skip
    lat = [p for p in pts if p.get("itl_ms") is not None]
    if not lat:
        return Markup("")
    lat.sort(key=lambda p: (p["energy_per_unit_kwh"], p["itl_ms"]))
    front_ids, low = set(), float("inf")
    for p in lat:  # energy ascending: on the front when faster than every cheaper one
        if p["itl_ms"] < low:
            front_ids.add(p["id"])
            low = p["itl_ms"]
    points = [
        plots.Point(
            label=f"{p.get('model') or p['id']} ({_config_text(p)})",
            x=p["energy_per_unit_kwh"] * scale,
            y=p["itl_ms"],
            tag=short_model(p.get("model"))[1] if p["id"] in best else "",
            emphasis=p["id"] in front_ids,
        )
        for p in lat
    ]
    front = sorted((pt for pt in points if pt.emphasis), key=lambda pt: pt.x)
    itl = c.get("itl_ms")
    return plots.responsive(
        points=points, front=front, front_label="energy–latency front",
        title=f"Median inter-token latency against {x_title}, every configuration",
        x_title=x_title, y_title="median ITL, ms", x_fmt=x_fmt, y_fmt=charts.fmt, y_log=True,
        hline=(itl, f"deadline {charts.fmt(itl)} ms") if itl is not None else None,
        summary=f"{len(points)} configurations; labelled: each model's lowest-energy one "
        "under the constraint; emphasised: the energy–latency front.",
    )  # fmt: skip


def _rated_chart(c: dict[str, Any]) -> Markup:
    """A benchmark board as ``empreinte bench leaderboard`` draws it: quality against µWh per
    1,000 inferences with the 95 % interval as bars, the gate, the front, every entry named."""
    rows = [r for r in (*c["ranking"], *c["below_gate"]) if r.get("quality") is not None]
    front_ids = {p["id"] for p in c["pareto_front"]}

    def uwh(v: float | None) -> float | None:
        return None if v is None or v <= 0 else v * 1e6

    points = [
        plots.Point(
            label=f"{r.get('model') or r['id']} (class {r.get('energy_class') or 'none'})",
            x=r["energy_wh_per_1000"] * 1e6,
            y=r["quality"],
            tag=short_model(r.get("model"))[1] + (f" ({r['energy_class']})" if r.get(
                "energy_class") else ""),
            x_lo=uwh(r.get("ci_low_wh_per_1000")),
            x_hi=uwh(r.get("ci_high_wh_per_1000")),
            emphasis=r["id"] in front_ids,
        )
        for r in rows
    ]  # fmt: skip
    front = sorted((p for p in points if p.emphasis), key=lambda p: p.x)
    gate = c.get("quality_gate")
    metric = c["quality_metric"]
    return plots.responsive(
        points=points, front=front,
        title=f"{metric} against µWh per 1,000 inferences (mean, 95 % CI)",
        x_title="µWh per 1,000 inferences", y_title=metric,
        x_fmt=lambda v: f"{charts.fmt(v)} µWh", y_fmt=charts.fmt,
        hline=(gate, f"quality gate {charts.fmt(gate)}") if gate is not None else None,
        summary=f"{len(points)} entries, bars: 95 % interval over repeats; (letter): class.",
    )  # fmt: skip


def _config_text(p: dict[str, Any]) -> str:
    parts = []
    if p.get("gpus") is not None:
        parts.append(f"{charts.fmt(p['gpus'])} GPU")
    if p.get("max_batch") is not None:
        parts.append(f"max batch {charts.fmt(p['max_batch'])}")
    if p.get("parallelism"):
        parts.append(str(p["parallelism"]))
    return ", ".join(parts)
