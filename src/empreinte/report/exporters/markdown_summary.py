"""Markdown summary: criteria by phase with bounds, energy by component, per unit, warnings."""

from __future__ import annotations

from empreinte.report.exporters._common import (
    CRITERION_LABELS,
    REMOTE_CRITERIA_HEAD,
    REMOTE_MODEL_HEAD,
    Exported,
    fmt_estimate,
    hardware_summary,
    iter_criteria,
    remote_tables,
)
from empreinte.report.models import Report
from empreinte.report.published import reconcile
from empreinte.vocabulary import PHASES

__all__ = ["export", "markdown"]

_ENERGY_ROWS = (
    ("total_kwh", "IT total"),
    ("gpu_kwh", "GPU"),
    ("cpu_kwh", "CPU"),
    ("ram_kwh", "RAM"),
    ("other_kwh", "other"),
    ("facility_kwh", "facility (× PUE)"),
)


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell (no raw HTML either)."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    # backslash escapes (CommonMark): the text reads as written, and is never raw HTML
    for ch in "<>&`":
        text = text.replace(ch, "\\" + ch)
    return text


def _published(report: Report) -> list[str]:
    """The publisher's figures and the reconciliation (:func:`reconcile`), as Markdown."""
    comparison = reconcile(report)
    if comparison is None:
        return []
    who = report.publisher.name if report.publisher else "the publisher"
    lines = ["", f"## As published by {_cell(who)}", ""]
    lines += ["| figure | boundary | publisher | empreinte |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in comparison.figure_rows()]
    for rec in comparison.reconciliations:
        what = "Emissions" if rec.quantity == "gwp" else "Energy"
        lines += ["", f"### {what}: from the publisher's number to empreinte's", ""]
        lines += ["| step | change |", "|---|---|"]
        lines += [f"| {_cell(a)} | {_cell(b)} |" for a, b in comparison.steps(rec)]
    return lines


def _rows(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return out + ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]


def _remote(report: Report) -> list[str]:
    """The ``remote`` block: calls to hosted models, estimated, beside the measured part."""
    r = report.remote
    if r is None:
        return []
    note, models, criteria = remote_tables(r)
    lines = ["", "## Calls to hosted models (API), estimated", "", _cell(note), ""]
    lines += [*_rows(REMOTE_MODEL_HEAD, models), "", *_rows(REMOTE_CRITERIA_HEAD, criteria)]
    if r.warnings:
        lines += ["", "Warnings of the calls' estimates:", ""]
        lines += [f"- `{w.code}`: {_cell(w.message)}" for w in r.warnings]
    if r.sources:
        lines += ["", "Sources of the calls' estimates:", ""]
        for src in r.sources:
            text = src.title or src.id
            lines.append(f"- {_cell(text)}" + (f" ({_cell(src.url)})" if src.url else ""))
    return lines


def markdown(report: Report) -> str:
    """The summary as Markdown (values as ``value [low–high]``; ``-`` = not assessed)."""
    s = report.system
    title = report.name or (s.model_id if s else None) or report.report_id
    lines = [f"# Environmental footprint: {_cell(title)}", ""]
    facts = [
        ("Report", report.report_id),
        ("Status", report.status),
        ("Life-cycle stage", report.lifecycle_stage),
        ("Model", s.model_id if s else "-"),
        ("Task", report.task or "-"),
        ("Hardware", hardware_summary(report) or "-"),
        ("Grid zone", report.location.zone),
        ("PUE", fmt_estimate(report.datacenter.pue)),
        ("Method", f"{report.measurement.method} ({report.m_tier})"),
        ("Boundary", ", ".join(report.measurement.boundary)),
        ("Created", report.created_at.isoformat()),
    ]
    lines += [f"- **{k}**: {_cell(v)}" for k, v in facts]
    lines += _published(report)
    lines += ["", "## Impacts by phase", ""]
    lines += [
        "| criterion | unit | usage | embodied | end of life | total |",
        "|---|---|---|---|---|---|",
    ]
    for key, split in iter_criteria(report.impacts):
        label, unit = CRITERION_LABELS[key]
        cells = [fmt_estimate(getattr(split, p)) for p in PHASES]
        lines.append(f"| {label} | {unit} | {' | '.join(cells)} | {fmt_estimate(split.total)} |")
    lines += ["", "## Energy by component", "", "| component | kWh |", "|---|---|"]
    for attr, label in _ENERGY_ROWS:
        e = getattr(report.energy, attr)
        if e is not None:
            lines.append(f"| {label} | {fmt_estimate(e)} |")
    pu = report.per_unit
    if pu is not None:
        fu = pu.functional_unit
        lines += ["", f"## Per {_cell(fu.type)} ({fu.count:g} in total)", ""]
        lines += ["| quantity | unit | value |", "|---|---|---|"]
        lines.append(f"| energy | kWh | {fmt_estimate(pu.energy_kwh)} |")
        for key, split in iter_criteria(pu.impacts):
            label, unit = CRITERION_LABELS[key]
            lines.append(f"| {label} | {unit} | {fmt_estimate(split.total)} |")
    if report.avoided:
        lines += ["", "## Avoided elsewhere, as declared (ITU-T L.1480)", ""]
        lines += ["Beside the footprint, not subtracted from it.", ""]
        lines += [
            "| criterion | avoided | tier | baseline | scope | rebound |",
            "|---|---|---|---|---|---|",
        ]
        for a in report.avoided:
            label, unit = CRITERION_LABELS[a.criterion]
            lines.append(
                f"| {label} ({unit}) | {fmt_estimate(a.value)} | {a.tier} | {_cell(a.baseline)} "
                f"| {_cell(a.scope)} | {_cell(a.rebound)} |"
            )
    if report.data:
        lines += ["", "## Data: storage and transfer", ""]
        lines += ["Beside the compute footprint above, not included in it.", ""]
        lines += ["| component | quantity | energy (kWh) | GWP (kgCO2e) |", "|---|---|---|---|"]
        for d in report.data:
            what = f"{d.component}: {d.name}" + (f" ({d.medium})" if d.medium else "")
            energy = "-" if d.energy_kwh is None else fmt_estimate(d.energy_kwh)
            gwp = "-" if d.gwp_kgco2e is None else fmt_estimate(d.gwp_kgco2e.total)
            lines.append(f"| {_cell(what)} | {d.quantity:,.4g} {d.unit} | {energy} | {gwp} |")
    e2e = report.end_to_end
    if e2e is not None:
        lines += ["", "## End-to-end boundary of a request: network and device", ""]
        lines += ["Per request, beside the data centre's footprint above, not included in it.", ""]
        lines += [
            "| layer | quantity | energy (kWh) | GWP (kgCO2e) | sources |",
            "|---|---|---|---|---|",
        ]
        for la in e2e.layers:
            g = la.impacts.gwp_kgco2e
            gwp = "-" if g is None else fmt_estimate(g.total)
            lines.append(
                f"| {la.layer} ({_cell(la.name)}) | {la.quantity:,.4g} {la.unit} "
                f"| {fmt_estimate(la.energy_kwh)} | {gwp} | {_cell(', '.join(la.sources))} |"
            )
        lines += ["", "| boundary | energy per request (kWh) | GWP (kgCO2e) |", "|---|---|---|"]
        for b, f in e2e.per_unit.items():
            gwp = "-" if f.gwp_kgco2e is None else fmt_estimate(f.gwp_kgco2e)
            lines.append(f"| {b} | {fmt_estimate(f.energy_kwh)} | {gwp} |")
    lines += _remote(report)
    if report.warnings:
        lines += ["", "## Warnings", ""]
        lines += [f"- `{w.code}`: {_cell(w.message)}" for w in report.warnings]
    if report.provenance.sources:
        lines += ["", "## Sources", ""]
        for src in report.provenance.sources:
            text = src.title or src.id
            lines.append(f"- {_cell(text)}" + (f" ({_cell(src.url)})" if src.url else ""))
    if report.provenance.citation:
        lines += ["", f"Citation: {_cell(report.provenance.citation)}"]
    lines += ["", "Values are `value [low–high]`; `-` means not assessed (never zero)."]
    return "\n".join(lines) + "\n"


def export(report: Report) -> Exported:
    return Exported(markdown(report), "text/markdown", "md")
