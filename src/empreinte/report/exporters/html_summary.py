"""Self-contained HTML summary: inline CSS, an inline SVG bar chart of impacts by phase.

No external asset, no script. Every text from the report is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from empreinte.report.exporters._common import (
    CRITERION_LABELS,
    PHASES,
    REMOTE_CRITERIA_HEAD,
    REMOTE_MODEL_HEAD,
    Exported,
    fmt,
    fmt_estimate,
    hardware_summary,
    iter_criteria,
    remote_tables,
)
from empreinte.report.models import PhaseSplit, Report
from empreinte.report.published import reconcile

__all__ = ["export", "html", "phase_chart_svg"]

_COLOURS = {"usage": "#2f6f9f", "embodied": "#d08a2e", "end_of_life": "#6b8e23"}
_LABELS = {"usage": "usage", "embodied": "embodied", "end_of_life": "end of life"}

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;font-variant-numeric:tabular-nums}
th{background:#f2f2f2}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{font-weight:600}dd{margin:0}.warn{color:#8a4b00}.note{color:#555;font-size:.9rem}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def phase_chart_svg(splits: list[tuple[str, PhaseSplit]]) -> str:
    """Horizontal bars, one per criterion, split by phase as shares of the total."""
    row_h, label_w, bar_w = 34, 210, 420
    height = 30 + row_h * len(splits) + 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 20}" '
        f'height="{height}" role="img" aria-label="Impacts by life-cycle phase">'
    ]
    x0 = 10
    for i, phase in enumerate(PHASES):  # legend
        out.append(
            f'<rect x="{x0 + i * 140}" y="6" width="12" height="12" fill="{_COLOURS[phase]}"/>'
            f'<text x="{x0 + i * 140 + 18}" y="17" font-size="12">{_LABELS[phase]}</text>'
        )
    for row, (key, split) in enumerate(splits):
        label, unit = CRITERION_LABELS[key]
        y = 30 + row * row_h
        out.append(f'<text x="10" y="{y + 16}" font-size="12">{_e(label)}</text>')
        parts = [(p, getattr(split, p)) for p in PHASES]
        values = [(p, e.value) for p, e in parts if e is not None and e.value > 0]
        total = sum(v for _, v in values)
        x = float(label_w)
        for phase, v in values:
            w = bar_w * v / total if total > 0 else 0.0
            out.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="16" '
                f'fill="{_COLOURS[phase]}"><title>{_e(_LABELS[phase])}: {fmt(v)} {unit}'
                f"</title></rect>"
            )
            x += w
        out.append(
            f'<text x="{label_w}" y="{y + 32}" font-size="10" fill="#555">total '
            f"{_e(fmt_estimate(split.total))} {unit}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _table(head: list[str], rows: list[list[str]]) -> str:
    h = "".join(f"<th>{_e(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def _published(report: Report) -> list[str]:
    """The publisher's figures and the reconciliation (:func:`reconcile`), as HTML."""
    comparison = reconcile(report)
    if comparison is None:
        return []
    who = report.publisher.name if report.publisher else "the publisher"
    out = [f"<h2>As published by {_e(who)}</h2>"]
    out.append(_table(["figure", "boundary", "publisher", "empreinte"], comparison.figure_rows()))
    for rec in comparison.reconciliations:
        what = "Emissions" if rec.quantity == "gwp" else "Energy"
        out.append(f"<h3>{what}: from the publisher's number to empreinte's</h3>")
        out.append(_table(["step", "change"], comparison.steps(rec)))
    return out


def _remote(report: Report) -> list[str]:
    """The ``remote`` block: calls to hosted models, estimated, beside the measured part."""
    r = report.remote
    if r is None:
        return []
    note, models, criteria = remote_tables(r)
    out = ["<h2>Calls to hosted models (API), estimated</h2>", f'<p class="note">{_e(note)}</p>']
    out += [_table(REMOTE_MODEL_HEAD, models), _table(REMOTE_CRITERIA_HEAD, criteria)]
    if r.warnings:
        items = "".join(
            f'<li class="warn"><code>{_e(w.code)}</code>: {_e(w.message)}</li>' for w in r.warnings
        )
        out.append(f"<p>Warnings of the calls' estimates:</p><ul>{items}</ul>")
    if r.sources:
        items = "".join(
            f"<li>{_e(src.title or src.id)}" + (f" ({_e(src.url)})" if src.url else "") + "</li>"
            for src in r.sources
        )
        out.append(f"<p>Sources of the calls' estimates:</p><ul>{items}</ul>")
    return out


def html(report: Report) -> str:
    """The summary as one HTML document."""
    s = report.system
    title = report.name or (s.model_id if s else None) or report.report_id
    facts = [
        ("Report", report.report_id),
        ("Status", report.status),
        ("Life-cycle stage", report.lifecycle_stage),
        ("Model", s.model_id if s else "-"),
        ("Hardware", hardware_summary(report) or "-"),
        ("Grid zone", report.location.zone),
        ("PUE", fmt_estimate(report.datacenter.pue)),
        ("Method", f"{report.measurement.method} ({report.m_tier})"),
        ("Boundary", ", ".join(report.measurement.boundary)),
        ("Created", report.created_at.isoformat()),
    ]
    splits = list(iter_criteria(report.impacts))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>Footprint: {_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Environmental footprint: {_e(title)}</h1>",
        "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts) + "</dl>",
        *_published(report),
        "<h2>Impacts by phase</h2>",
        phase_chart_svg(splits),
        _table(
            ["criterion", "unit", "usage", "embodied", "end of life", "total"],
            [
                [CRITERION_LABELS[k][0], CRITERION_LABELS[k][1]]
                + [fmt_estimate(getattr(sp, p)) for p in PHASES]
                + [fmt_estimate(sp.total)]
                for k, sp in splits
            ],
        ),
        "<h2>Energy by component</h2>",
    ]
    energy_rows = []
    for attr, label in (
        ("total_kwh", "IT total"),
        ("gpu_kwh", "GPU"),
        ("cpu_kwh", "CPU"),
        ("ram_kwh", "RAM"),
        ("other_kwh", "other"),
        ("facility_kwh", "facility (× PUE)"),
    ):
        e = getattr(report.energy, attr)
        if e is not None:
            energy_rows.append([label, fmt_estimate(e)])
    parts.append(_table(["component", "kWh"], energy_rows))
    pu = report.per_unit
    if pu is not None:
        fu = pu.functional_unit
        rows = [["energy", "kWh", fmt_estimate(pu.energy_kwh)]]
        rows += [
            [CRITERION_LABELS[k][0], CRITERION_LABELS[k][1], fmt_estimate(sp.total)]
            for k, sp in iter_criteria(pu.impacts)
        ]
        parts.append(f"<h2>Per {_e(fu.type)} ({_e(f'{fu.count:g}')} in total)</h2>")
        parts.append(_table(["quantity", "unit", "value"], rows))
    if report.avoided:
        parts.append("<h2>Avoided elsewhere, as declared (ITU-T L.1480)</h2>")
        parts.append('<p class="note">Beside the footprint, not subtracted from it.</p>')
        avoided_rows = [
            [
                f"{CRITERION_LABELS[a.criterion][0]} ({CRITERION_LABELS[a.criterion][1]})",
                fmt_estimate(a.value),
                a.tier,
                a.baseline,
                a.scope,
                a.rebound,
            ]
            for a in report.avoided
        ]
        parts.append(
            _table(["criterion", "avoided", "tier", "baseline", "scope", "rebound"], avoided_rows)
        )
    if report.data:
        parts.append("<h2>Data: storage and transfer</h2>")
        parts.append('<p class="note">Beside the compute footprint above, not included in it.</p>')
        data_rows = [
            [
                f"{d.component}: {d.name}" + (f" ({d.medium})" if d.medium else ""),
                f"{d.quantity:,.4g} {d.unit}",
                "-" if d.energy_kwh is None else fmt_estimate(d.energy_kwh),
                "-" if d.gwp_kgco2e is None else fmt_estimate(d.gwp_kgco2e.total),
            ]
            for d in report.data
        ]
        parts.append(_table(["component", "quantity", "energy (kWh)", "GWP (kgCO2e)"], data_rows))
    e2e = report.end_to_end
    if e2e is not None:
        parts.append("<h2>End-to-end boundary of a request: network and device</h2>")
        parts.append(
            '<p class="note">Per request, beside the data centre&#39;s footprint above, which '
            "does not include them.</p>"
        )
        layer_rows = [
            [
                f"{la.layer} ({la.name})",
                f"{la.quantity:,.4g} {la.unit}",
                fmt_estimate(la.energy_kwh),
                "-" if la.impacts.gwp_kgco2e is None else fmt_estimate(la.impacts.gwp_kgco2e.total),
                ", ".join(la.sources),
            ]
            for la in e2e.layers
        ]
        parts.append(
            _table(["layer", "quantity", "energy (kWh)", "GWP (kgCO2e)", "sources"], layer_rows)
        )
        fig_rows = [
            [
                b,
                fmt_estimate(f.energy_kwh),
                "-" if f.gwp_kgco2e is None else fmt_estimate(f.gwp_kgco2e),
            ]
            for b, f in e2e.per_unit.items()
        ]
        parts.append(_table(["boundary", "energy per request (kWh)", "GWP (kgCO2e)"], fig_rows))
    parts += _remote(report)
    if report.warnings:
        items = "".join(
            f'<li class="warn"><code>{_e(w.code)}</code>: {_e(w.message)}</li>'
            for w in report.warnings
        )
        parts.append(f"<h2>Warnings</h2><ul>{items}</ul>")
    if report.provenance.sources:
        items = "".join(
            f"<li>{_e(src.title or src.id)}" + (f" ({_e(src.url)})" if src.url else "") + "</li>"
            for src in report.provenance.sources
        )
        parts.append(f"<h2>Sources</h2><ul>{items}</ul>")
    parts.append(
        '<p class="note">Values are value [low–high]; “-” means not assessed (never zero).</p>'
        "</body></html>"
    )
    return "\n".join(parts) + "\n"


def export(report: Report) -> Exported:
    return Exported(html(report), "text/html", "html")
