"""``empreinte run`` (measure a command) and ``empreinte doctor`` (which meters work here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from empreinte.vocabulary import ATTRIBUTIONS, COMPONENTS, STAGES

if TYPE_CHECKING:
    from empreinte.factors.site import Site
    from empreinte.report.models import Estimate, Report


def register(app: typer.Typer) -> None:
    app.command(
        "run",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        help="Measure CMD and its children; write a report; exit with CMD's exit code.",
    )(run)
    app.command("doctor", help="Which meters work here and, for the others, why and how to fix.")(
        doctor
    )


def run(
    cmd: list[str] = typer.Argument(..., metavar="-- CMD ...", help="The command to measure."),
    stage: str = typer.Option("other", help=f"Life-cycle stage: {', '.join(STAGES)}."),
    name: str | None = typer.Option(None, help="Name of the run (default: the command)."),
    out: Path | None = typer.Option(None, help="Report file [default: ./empreinte-<id>.json]."),
    interval: float = typer.Option(1.0, help="Seconds between meter readings."),
    checkpoint: float = typer.Option(10.0, help="Seconds between crash-safe checkpoints."),
    location: str | None = typer.Option(
        None, help="Grid zone (FRA) or cloud:PROVIDER:REGION [setting: location]."
    ),
    pue: float | None = typer.Option(
        None, help="Data-centre PUE [setting: pue; default: the location's preset]."
    ),
    attribution: str = typer.Option("machine", help="machine, or process (CPU-time share)."),
    submit: bool = typer.Option(False, help="Submit the report to the observatory."),
    metrics_port: int | None = typer.Option(
        None,
        "--metrics-port",
        min=1,
        max=65535,
        help="Serve OpenMetrics at http://127.0.0.1:PORT/metrics while CMD runs.",
        metavar="<int>",
    ),
    meter: list[str] | None = typer.Option(
        None,
        "--meter",
        help="Use only this meter (repeatable): a row of `empreinte doctor` (rapl, nvml, "
        "kepler, scaphandre, alumet, estimate...) [default: every local meter that works].",
    ),
    meter_url: str | None = typer.Option(
        None,
        "--meter-url",
        help="Endpoint of a fleet meter: the agent's /metrics or a Prometheus /federate URL "
        "[setting: meter_url].",
    ),
    meter_select: str | None = typer.Option(
        None,
        "--meter-select",
        help="Series of a fleet meter: level=pod,pod_namespace=ml,pod_name=train-0 "
        "[setting: meter_select].",
    ),
    meter_poll_s: float | None = typer.Option(
        None,
        "--meter-poll-s",
        help="Poll interval of the Alumet agent in seconds, which scales its per-poll energy "
        "gauges [setting: meter_poll_s; default: 1].",
    ),
) -> None:
    """Measure CMD and its children."""
    import uuid

    from empreinte.cli._checks import check_writable
    from empreinte.errors import ConfigError, SettingError
    from empreinte.measure.monitor import Tracker
    from empreinte.measure.process import run_command

    # everything is resolved and checked here, before the command starts
    if stage not in STAGES:
        raise SettingError("--stage", stage, STAGES)
    if attribution not in ATTRIBUTIONS:
        raise SettingError("--attribution", attribution, ATTRIBUTIONS)
    if interval <= 0 or checkpoint <= 0:
        raise ConfigError("--interval and --checkpoint must be positive")
    if not cmd:
        raise ConfigError("no command given: empreinte run [OPTIONS] -- CMD ...")
    site = _site(location, pue)
    if submit:  # no observatory or token: say so now, not after the job
        from empreinte.submit import server_and_token

        server_and_token()

    report_id = uuid.uuid4().hex
    path = out or Path(f"empreinte-{report_id}.json")
    check_writable(path)
    meters = None
    if meter:  # created and probed now: a meter that cannot read stops here, exit 2
        from empreinte.measure.doctor import named_meters

        meters = named_meters(meter, url=meter_url, select=meter_select, poll_s=meter_poll_s)
    elif meter_url or meter_select or meter_poll_s is not None:
        raise ConfigError(
            "--meter-url, --meter-select and --meter-poll-s need --meter kepler|scaphandre|alumet"
        )
    tracker = Tracker(
        name or " ".join(cmd)[:300],
        stage=stage,
        interval_s=interval,
        checkpoint_s=checkpoint,
        out=path,
        location=site,
        live=None,
        report_id=report_id,  # the file name and the report carry the same id
        metrics_port=metrics_port,
        meters=meters,
    )
    code, report = run_command(cmd, tracker, attribution)
    _summary(report, path)
    if submit:
        _submit(path)
    # SystemExit, not typer.Exit: click in non-standalone mode returns Exit's code instead
    raise SystemExit(code)


def _site(location: str | None, pue: float | None) -> Site:
    """The resolved site (option > environment > config file); a bad value names the option,
    variable or file it came from."""
    from empreinte.factors.site import site_from_settings

    return site_from_settings(location, pue)


def _submit(path: Path) -> None:
    from empreinte.cli import main

    rc = main(["submit", str(path)])
    if rc:
        typer.echo(f"warning: submission failed; the report is in {path}", err=True)


def _fmt(e: Estimate, unit: str) -> str:
    """``e`` (in ``unit``, as stored) by the units rule: ``0.0374 Wh [0.03 – 0.045]``."""
    from empreinte.units import with_bounds

    return with_bounds(e.value, e.low, e.high, unit, 4)


def _summary(report: Report, path: Path) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from empreinte.units import human

    t = Table(title=escape(f"empreinte · {report.name}"), show_header=True)
    t.add_column("quantity")
    t.add_column(escape("value [low–high]"), justify="right")
    e = report.energy
    for comp in COMPONENTS:
        est = getattr(e, f"{comp}_kwh")
        if est is not None:
            t.add_row(f"{comp} energy", escape(_fmt(est, "kWh")))
    t.add_row("total IT energy", escape(_fmt(e.total_kwh, "kWh")))
    if report.impacts.gwp_kgco2e is not None:
        t.add_row("GWP", escape(_fmt(report.impacts.gwp_kgco2e.total, "kgCO2e")))
    if report.impacts.water_l is not None:
        t.add_row("water", escape(_fmt(report.impacts.water_l.total, "L")))
    m = report.measurement
    t.add_row("method", f"{m.method} ({', '.join(sorted({x.name for x in m.meters}))})")
    t.add_row("duration", human(m.duration_s, "s"))
    t.add_row("location", report.location.zone)
    console = Console(stderr=True)
    console.print(t)
    for w in report.warnings:
        console.print(f"[yellow]warning[/] {w.code}: {escape(w.message)}", highlight=False)
    console.print(f"report: {escape(str(path))}", highlight=False)


def doctor(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Which meters work here, and for each that does not, why and how to fix it."""
    from empreinte.measure.doctor import diagnose

    statuses = diagnose()
    if as_json:
        typer.echo(json.dumps([s.as_dict() for s in statuses], indent=2))
        return
    for s in statuses:
        a = s.availability
        mark = "ok " if a.ok else "no "
        typer.echo(f"{mark} {s.name:<9} {s.method:<15} {a.reason}")
        if a.fix:
            typer.echo(f"{'':>14}fix: {a.fix}")
