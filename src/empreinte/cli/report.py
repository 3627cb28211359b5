"""``empreinte report validate|show|export``: check, display and convert report files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

__all__ = ["register"]

report_app = typer.Typer(
    name="report",
    help="Validate, show and export footprint reports (schema empreinte.report/1).",
    no_args_is_help=True,
)


FORMAT_NAMES = ("hf", "boamps", "sci", "spdx", "csv", "md", "html", "ai-act", "l1801")
"""Kept equal to ``empreinte.report.exporters.FORMATS`` (a test checks), without importing it."""


@report_app.command("validate")
def validate(
    files: list[Path] = typer.Argument(..., help="Report JSON files.", metavar="FILE..."),
) -> None:
    """Check report files: prints OK, or each bad field; exit code 1 if any is invalid.

    A valid file is followed by what the observatory would set at submission, computed offline
    (``empreinte.report.verification``): its M tier, its A tier and each plausibility flag."""
    from empreinte.errors import ReportError
    from empreinte.report import load_report

    bad = 0
    for path in files:
        try:
            report = load_report(path)
        except ReportError as exc:
            bad += 1
            errors = exc.errors or [("(root)", str(exc))]
            for field, msg in errors:
                typer.echo(f"{path}: {field}: {msg}")
            continue
        typer.echo(f"{path}: OK")
        for line in _preview(report):
            typer.echo(f"  {line}")
    if bad:
        typer.echo(f"{bad} of {len(files)} report(s) invalid", err=True)
        # SystemExit, not typer.Exit: with standalone_mode=False click returns Exit's code
        # from app() instead of raising it, and cli.main() drops that return value.
        raise SystemExit(1)


def _preview(report: Any) -> list[str]:
    """The observatory's verification of a report, as ``report validate`` prints it."""
    from empreinte.report.verification import BLOCKING, FLAGS, verify

    v = verify(report)
    lines = [f"observatory preview (offline): {v.m_tier} / {v.a_tier}, {len(v.flags)} flag(s)"]
    for flag in v.flags:
        code = flag.split(":", 1)[0]
        blocking = " (keeps A0)" if code in BLOCKING else ""
        lines.append(f"flag {flag}: {FLAGS.get(code, code)}{blocking}")
    return lines


@report_app.command("show")
def show(
    file: Path = typer.Argument(..., help="Report JSON file."),
    as_json: bool = typer.Option(False, "--json", help="Print the validated report as JSON."),
    net: bool = typer.Option(
        False,
        "--net",
        help="Also print footprint minus the declared avoided GWP (refused for an ITU-T L.1480 "
        "tier-3 claim).",
    ),
) -> None:
    """Print a report: energy, impacts by phase with bounds, per unit, avoided and warnings."""
    from empreinte.report import load_report

    report = load_report(file)
    balance = None
    if net:  # before printing anything: a refused balance is a one-line error
        from empreinte.report.avoided import net_balance

        balance = net_balance(report)
    if as_json:
        typer.echo(report.to_json())
        return
    _print_report(report)
    if balance is not None:
        from empreinte.units import with_bounds

        def kg(e: Any) -> str:
            return with_bounds(e.value, e.low, e.high, "kgCO2e")

        typer.echo(
            f"net GWP {kg(balance.net)} = footprint {kg(balance.footprint)} "
            f"- avoided {kg(balance.avoided)}\n"
            f"({balance.label})"
        )


@report_app.command("export")
def export(
    file: Path = typer.Argument(..., help="Report JSON file."),
    fmt: str = typer.Option(
        ..., "--format", "-f", help=f"Output format: {'|'.join(FORMAT_NAMES)}.", metavar="FORMAT"
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
) -> None:
    """Convert a report to Hugging Face, BoAmps, SCI, SPDX 3, CSV, Markdown or HTML."""
    from empreinte.errors import ConfigError
    from empreinte.report import load_report
    from empreinte.report.exporters import FORMATS, export_report

    if fmt not in FORMATS:  # before reading the file: the cheaper error first
        raise ConfigError(f"unknown format {fmt!r} (choose from: {', '.join(FORMATS)})")
    exported = export_report(load_report(file), fmt)
    content = exported.content
    if out is None:
        text = content.decode("utf-8") if isinstance(content, bytes) else content
        typer.echo(text, nl=False)
        return
    try:
        if isinstance(content, bytes):
            out.write_bytes(content)
        else:
            out.write_text(content, encoding="utf-8", newline="")
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror}") from None
    typer.echo(f"wrote {out} ({exported.media_type})", err=True)


def _print_report(report: object) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from empreinte.report.exporters._common import CRITERION_LABELS, iter_criteria
    from empreinte.report.models import Estimate, Report
    from empreinte.units import energy as energy_text
    from empreinte.units import with_bounds

    assert isinstance(report, Report)
    console = Console()
    s = report.system
    title = report.name or (s.model_id if s else None) or report.report_id
    console.print(f"[bold]{escape(title)}[/]  ({escape(report.report_id)})")
    console.print(
        f"stage {report.lifecycle_stage}, status {report.status}, zone "
        f"{escape(report.location.zone)}, method {report.measurement.method} ({report.m_tier}), "
        f"boundary {'+'.join(report.measurement.boundary)}"
    )

    def shown(e: Estimate | None, unit: str) -> str:
        return "-" if e is None else escape(with_bounds(e.value, e.low, e.high, unit))

    energy = Table(title="Energy (value \\[low–high])")
    energy.add_column("component")
    energy.add_column("energy", justify="right")
    for attr in ("total_kwh", "gpu_kwh", "cpu_kwh", "ram_kwh", "other_kwh", "facility_kwh"):
        e = getattr(report.energy, attr)
        if e is not None:
            energy.add_row(attr.removesuffix("_kwh"), shown(e, "kWh"))
    console.print(energy)
    table = Table(title="Impacts by phase (value \\[low–high]; - = not assessed)")
    for col in ("criterion", "usage", "embodied", "end of life", "total"):
        table.add_column(col, justify="left" if col == "criterion" else "right")
    for key, split in iter_criteria(report.impacts):
        label, unit = CRITERION_LABELS[key]
        table.add_row(
            label,
            shown(split.usage, unit),
            shown(split.embodied, unit),
            shown(split.end_of_life, unit),
            shown(split.total, unit),
        )
    console.print(table)
    pu = report.per_unit
    if pu is not None:
        per = Table(title=f"Per {escape(pu.functional_unit.type)}")
        per.add_column("quantity")
        per.add_column("value", justify="right")
        fu, e = pu.functional_unit.type, pu.energy_kwh
        bounds = (
            f" [{energy_text(e.low, fu)} – {energy_text(e.high, fu)}]" if e.low != e.high else ""
        )
        per.add_row("energy", escape(energy_text(e.value, fu) + bounds))
        for key, split in iter_criteria(pu.impacts):
            label, unit = CRITERION_LABELS[key]
            per.add_row(label, shown(split.total, unit))
        console.print(per)
    am = report.amortised
    if am is not None:
        full = Table(
            title=f"Full footprint of one response (data-centre boundary; upstream stages "
            f"shared over {am.lifetime_requests:,.0f} requests)"
        )
        for col in ("criterion", "per response, full", "upstream stages, total"):
            full.add_column(col, justify="left" if col == "criterion" else "right")
        for key, e in am.per_response_full.items():
            label, unit = CRITERION_LABELS[key]
            full.add_row(label, shown(e, unit), shown(am.upstream_totals.get(key), unit))
        console.print(full)
    if report.avoided:
        avoided = Table(
            title="Avoided elsewhere, as declared (ITU-T L.1480), beside the footprint, not "
            "subtracted"
        )
        for col in ("criterion", "avoided \\[low–high]", "tier", "baseline", "rebound"):
            avoided.add_column(col)
        for a in report.avoided:
            label, unit = CRITERION_LABELS[a.criterion]
            avoided.add_row(
                label,
                shown(a.value, unit),
                a.tier,
                escape(a.baseline),
                escape(a.rebound),
            )
        console.print(avoided)
    if report.data:
        data = Table(title="Data: storage and transfer, beside the compute footprint")
        for col in ("component", "quantity", "energy (kWh)", "GWP (kgCO2e)"):
            data.add_column(col)
        for d in report.data:
            data.add_row(
                escape(f"{d.component}: {d.name}" + (f" ({d.medium})" if d.medium else "")),
                f"{d.quantity:,.4g} {d.unit}",
                "not assessed" if d.energy_kwh is None else shown(d.energy_kwh, "kWh"),
                "not assessed" if d.gwp_kgco2e is None else shown(d.gwp_kgco2e.total, "kgCO2e"),
            )
        console.print(data)
    e2e = report.end_to_end
    if e2e is not None:
        table = Table(title="End-to-end boundary of a request: network and device, per request")
        for col in ("layer", "quantity", "energy \\[low–high]", "GWP \\[low–high]", "sources"):
            table.add_column(col)
        for la in e2e.layers:
            g = la.impacts.gwp_kgco2e
            table.add_row(
                escape(f"{la.layer} ({la.name})"),
                f"{la.quantity:,.4g} {la.unit}",
                shown(la.energy_kwh, "kWh"),
                "not assessed" if g is None else shown(g.total, "kgCO2e"),
                escape(", ".join(la.sources)),
            )
        for b, f in e2e.per_unit.items():
            gwp = "-" if f.gwp_kgco2e is None else shown(f.gwp_kgco2e, "kgCO2e")
            table.add_row(f"{b} boundary", "per request", shown(f.energy_kwh, "kWh"), gwp, "")
        console.print(table)
    for w in report.warnings:
        console.print(f"[yellow]warning[/] {escape(w.code)}: {escape(w.message)}")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
