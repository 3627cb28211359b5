"""Charts of the analyses pages (data from :mod:`empreinte.observatory.views.analyses`)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from empreinte.observatory.views import charts, energy_fmt, plots

__all__ = ["energy_text", "inference_chart", "layer_bars", "training_charts"]

energy_text = energy_fmt.energy_text


TIERS = {
    "M1": "M1 external meter",
    "M2": "M2 hardware counter",
    "M3": "M3 software model",
    "M4": "M4 proxy estimate",
    "M5": "M5 declared",
}


def _tier(t: str) -> str:
    return TIERS.get(t, t)


def _kwh(v: float) -> str:
    return charts.human(v, "kWh")


def _co2(v: float) -> str:
    return charts.human(v, "kgCO2e")


def _year(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-6 else f"{v:.1f}"


def _hours(v: float) -> str:
    return f"{charts.count(v)} h"


def training_charts(d: dict[str, Any]) -> list[Markup]:
    """Energy and GWP against the publication date, energy against training compute."""
    runs = d["runs"]
    tiers = [_tier(t) for t in d["tiers"]]
    out = []
    pts = [
        plots.Point(
            label=f"{r['label']} ({r['publisher']}, {r['tier']}, {r['energy_basis']})",
            x=r["year"], y=r["energy_kwh"], group=_tier(r["tier"]), tag=_short(r["label"]),
            y_lo=r["energy_low_kwh"], y_hi=r["energy_high_kwh"],
        )
        for r in runs if r["energy_kwh"]
    ]  # fmt: skip
    out.append(
        plots.responsive(
            points=pts,
            title="Training energy against publication date",
            x_title="publication date",
            y_title="energy",
            x_fmt=_year,
            y_fmt=_kwh,
            x_log=False,
            y_log=True,
            groups=tiers,
            whole_x=True,
            summary=f"{len(pts)} training runs; bars: low–high bounds; colour: M tier.",
        )
    )
    gwp = [
        plots.Point(
            label=f"{r['label']} (empreinte's recomputation, {r['tier']})",
            x=r["year"], y=r["gwp_kgco2e"], group=_tier(r["tier"]), tag=_short(r["label"]),
            y_lo=r["gwp_low_kgco2e"], y_hi=r["gwp_high_kgco2e"],
        )
        for r in runs if r["gwp_kgco2e"]
    ] + [
        plots.Point(
            label=f"{r['label']} (published by {r['publisher']})",
            x=r["year"], y=r["published_gwp_kgco2e"], group="published figure",
        )
        for r in runs if r["published_gwp_kgco2e"]
    ]  # fmt: skip
    out.append(
        plots.responsive(
            points=gwp,
            title="Training emissions against publication date",
            x_title="publication date",
            y_title="GWP",
            x_fmt=_year,
            y_fmt=_co2,
            x_log=False,
            y_log=True,
            groups=[*tiers, "published figure"],
            whole_x=True,
            summary=f"{len(gwp)} points: empreinte's recomputation with its low–high bounds "
            "(colour: M tier) and the publisher's own figure where stated.",
        )
    )
    axis = d["compute_axis"]
    comp = [
        plots.Point(
            label=f"{r['label']} ({r['tier']}, {r['energy_basis']})",
            x=r[axis], y=r["energy_kwh"], group=_tier(r["tier"]), tag=_short(r["label"]),
            y_lo=r["energy_low_kwh"], y_hi=r["energy_high_kwh"],
        )
        for r in runs if r[axis] and r["energy_kwh"]
    ]  # fmt: skip
    flop = axis == "training_flops"
    out.append(
        plots.responsive(
            points=comp,
            title=f"Training energy against training compute "
            f"({'FLOP' if flop else 'accelerator-hours'})",
            x_title="training FLOP" if flop else "accelerator-hours",
            y_title="energy",
            x_fmt=charts.count if flop else _hours,
            y_fmt=_kwh,
            x_log=True,
            y_log=True,
            groups=tiers,
            summary=f"{len(comp)} training runs; bars: low–high bounds.",
        )
    )
    return out


def _short(label: str) -> str:
    name = label.rpartition("/")[2]
    return name if len(name) <= 22 else name[:21] + "…"


def inference_chart(d: dict[str, Any]) -> Markup:
    """Energy per output token against active parameters, one colour per hardware."""
    pts = [
        plots.Point(
            label=f"{p['model']} on {p['hardware']} (best of {p['configurations']} "
            f"configurations; spread {charts.fmt(p['min_j'])}–{charts.fmt(p['max_j'])} J)",
            x=p["active_parameters"], y=p["energy_per_token_j"], group=p["hardware"],
            y_lo=p["min_j"], y_hi=p["max_j"],
            tag=_short(p["model"]) if p["hardware"] == d["hardware"][0] else "",
        )
        for p in d["points"]
    ]  # fmt: skip
    groups = list(d["hardware"])
    for x in d["disclosures"]:
        if x["on_chart"]:
            pts.append(
                plots.Point(
                    label=f"{x['label']} ({x['publisher']}, {x['tier']} {x['method']}, "
                    f"boundary {x['boundary']}, {x['energy_basis']}, per prompt of "
                    f"{charts.fmt(x['output_tokens'])} tokens)",
                    x=x["active_parameters"], y=x["energy_per_token_j"],
                    group="per-prompt disclosure", tag=_short(x["label"]) + " (per prompt)",
                    emphasis=True,
                )
            )  # fmt: skip
            if "per-prompt disclosure" not in groups:
                groups.append("per-prompt disclosure")
    return plots.responsive(
        points=pts, title=f"Energy per output token against active parameters ({d['task']})",
        x_title="active parameters", y_title="J per output token", x_fmt=charts.count,
        y_fmt=lambda v: f"{charts.fmt(v)} J", x_log=True, y_log=True, groups=groups,
        summary=f"{len(d['points'])} model and hardware pairs, measured (GPU energy, "
        "accelerators boundary); each at its lowest-energy configuration, bars: the spread "
        "across its configurations.",
    )  # fmt: skip


def layer_bars(d: dict[str, Any]) -> Markup:
    """The layer chart drawn wide and narrow (CSS shows the one that fits)."""
    if not d["reports"]:
        return Markup('<p class="empty">No report gives two or more boundary layers.</p>')
    return Markup(f'<div class="plot-wrap">{_layer_bars(d, 720)}{_layer_bars(d, 360)}</div>')


def _layer_bars(d: dict[str, Any], w: int) -> Markup:
    """One stacked bar per report: the share of each boundary layer in its energy."""
    rows = d["reports"]
    narrow = w < 500
    per_row = 2 if narrow else 4
    bar_h, gap = 26, 34
    top = 16 + 20 * ((len(d["layers"]) + per_row - 1) // per_row)
    h = top + len(rows) * (bar_h + gap)
    desc = "; ".join(
        f"{r['label']}: "
        + ", ".join(
            f"{k} {energy_text(r[k + '_kwh'], r['unit'])} ({100 * r[k + '_share']:.0f} %)"
            for k in d["layers"]
            if r[k + "_kwh"] is not None
        )
        for r in rows
    )
    title = "Boundary layers, share of each report's energy"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        f'class="chart plot {"narrow" if narrow else "wide"}" role="img" '
        f'aria-label="{escape(title + ". " + desc)}"><title>{escape(title)}</title>'
        f"<desc>{escape(desc)}</desc>"
    ]
    col = (w - 20) / per_row
    for j, k in enumerate(d["layers"]):
        lx, ly = 10 + (j % per_row) * col, 8 + 20 * (j // per_row)
        out.append(
            f'<rect x="{lx:.0f}" y="{ly}" width="12" height="12" class="bar s{j}"/>'
            f'<text x="{lx + 16:.0f}" y="{ly + 11}" class="lbl">{escape(k)}</text>'
        )
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        out.append(f'<text x="10" y="{y + 12}" class="lbl">{escape(_short(r["label"]))}</text>')
        x = 10.0
        for j, k in enumerate(d["layers"]):
            share = r[k + "_share"]
            if not share:
                continue
            bw = (w - 20) * share
            out.append(
                f'<rect x="{x:.1f}" y="{y + 16}" width="{bw:.1f}" height="{bar_h - 8}" '
                f'class="bar s{j}"><title>{escape(r["label"])}, {escape(k)}: '
                f"{escape(energy_text(r[k + '_kwh'], r['unit']))} ({100 * share:.1f} %)"
                "</title></rect>"
            )
            x += bw
    out.append("</svg>")
    return Markup("".join(out))
