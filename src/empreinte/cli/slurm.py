"""``empreinte slurm report JOBID``: a report of a SLURM job from ``sacct``.

The energy is ``ConsumedEnergyRaw`` when the cluster's ``acct_gather_energy`` plugin recorded
it (state the plugin with ``--energy-plugin``: it sets the method and what the energy
covers), otherwise an estimate from the allocation (proxy model, tier M4, with a range).
See docs/integrations/slurm.md for the epilog recipe that writes one report per job.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from empreinte.vocabulary import STAGES

__all__ = ["register"]

app = typer.Typer(
    name="slurm",
    help="Reports of SLURM jobs from the accounting database (sacct).",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="slurm")


@app.command("report")
def report(
    job_id: str = typer.Argument(..., metavar="JOBID", help="Job id (1234, 1234_7 for a task)."),
    energy_plugin: str | None = typer.Option(
        None,
        "--energy-plugin",
        help="The cluster's AcctGatherEnergyType: rapl, ipmi, gpu, pm_counters, xcc or "
        "unknown [setting: slurm_energy_plugin].",
    ),
    hardware: str | None = typer.Option(
        None,
        "--hardware",
        help="Catalog accelerator for an estimate [default: the gres/gpu:TYPE of the job].",
    ),
    stage: str = typer.Option("training", help=f"Life-cycle stage: {', '.join(STAGES)}."),
    location: str | None = typer.Option(
        None, "--location", help="Grid zone (FRA...) or cloud:P:R [setting: location]."
    ),
    pue: float | None = typer.Option(
        None, "--pue", help="Data-centre PUE [setting: pue; default: the location's preset]."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the report (JSON) here."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    sacct: str = typer.Option("sacct", "--sacct", help="The sacct executable."),
) -> None:
    """Build the report of job JOBID from sacct (measured energy, or an estimate)."""
    from empreinte import config
    from empreinte.cli._checks import check_writable
    from empreinte.factors.site import site_from_settings
    from empreinte.slurm import job_report, parse_sacct, run_sacct

    site = site_from_settings(location, pue)
    plugin = config.get("slurm_energy_plugin", energy_plugin)
    if out is not None:
        check_writable(out)
    allocations = parse_sacct(run_sacct(job_id, sacct))
    rep = job_report(
        job_id,
        allocations,
        energy_plugin=plugin,
        hardware=hardware,
        stage=stage,
        location=site.query,
        pue=site.pue,
    )
    if out is not None:
        try:
            out.write_text(rep.to_json(), encoding="utf-8")
        except OSError as exc:
            from empreinte.errors import ConfigError

            raise ConfigError(f"cannot write {out}: {exc.strerror or exc}") from exc
    if as_json:
        typer.echo(json.dumps(json.loads(rep.to_json(indent=None)), indent=2))
        return
    _summary(rep, out)


def _summary(rep: Any, out: Path | None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from empreinte.units import human, with_bounds
    from empreinte.vocabulary import METHOD_TIER

    m = rep.measurement
    t = Table(title=escape(rep.name or "slurm job"), show_header=True)
    t.add_column("quantity")
    t.add_column(escape("value [low–high]"), justify="right")
    e = rep.energy.total_kwh
    t.add_row("IT energy", escape(with_bounds(e.value, e.low, e.high, "kWh", 4)))
    gwp = rep.impacts.gwp_kgco2e
    if gwp is not None and gwp.total is not None:
        g = gwp.total
        t.add_row("GWP", escape(with_bounds(g.value, g.low, g.high, "kgCO2e", 4)))
    kind = "measured" if m.method != "proxy_model" else "ESTIMATE"
    t.add_row("method", f"{m.method} (tier {METHOD_TIER[m.method]}, {kind})")
    t.add_row("source", escape(", ".join(x.name for x in m.meters)))
    t.add_row("duration", human(m.duration_s, "s"))
    t.add_row("location", rep.location.zone)
    console = Console(stderr=True)
    console.print(t)
    for w in rep.warnings:
        console.print(f"[yellow]warning[/] {w.code}: {escape(w.message)}", highlight=False)
    if out is not None:
        console.print(f"report: {escape(str(out))}", highlight=False)
