"""``empreinte impacts``: life-cycle impacts of an amount of energy (and hardware use)."""

from __future__ import annotations

import json

import typer

__all__ = ["register"]


def impacts(
    energy_kwh: float = typer.Option(
        ..., "--energy-kwh", help="IT energy used, in kWh.", min=0, metavar="<float>"
    ),
    location: str | None = typer.Option(
        None,
        "--location",
        help="Grid zone (ISO 3166-1 alpha-3, e.g. FRA; WOR; EEE) or cloud:PROVIDER:REGION "
        "[setting: location].",
    ),
    pue: float | None = typer.Option(
        None, "--pue", help="Power usage effectiveness (>= 1) [setting: pue]."
    ),
    wue: float | None = typer.Option(
        None, "--wue", help="On-site water usage, L/kWh.", min=0, metavar="<float>"
    ),
    datacenter: str | None = typer.Option(None, "--datacenter", help="Data-centre preset id."),
    hardware: str | None = typer.Option(None, "--hardware", help="Accelerator name (catalog)."),
    count: float | None = typer.Option(
        None, "--count", help="Number of accelerators (default 1).", min=0, metavar="<float>"
    ),
    hours: float | None = typer.Option(
        None, "--hours", help="Hours the hardware was used.", min=0, metavar="<float>"
    ),
    server: str | None = typer.Option(None, "--server", help="Server archetype (host share)."),
    lifetime_years: float | None = typer.Option(
        None, "--lifetime-years", min=0.1, metavar="<float>"
    ),
    utilisation: float | None = typer.Option(
        None, "--utilisation", min=0.01, max=1.0, metavar="<float>"
    ),
    grid_gwp: str | None = typer.Option(
        None,
        "--grid-gwp",
        help="Stated grid factor, kgCO2e/kWh: VALUE, LOW:HIGH or VALUE:LOW:HIGH; replaces the "
        "zone's.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (with sources and steps)."),
    explain: bool = typer.Option(False, "--explain", help="Print every intermediate step."),
) -> None:
    """Usage, embodied and end-of-life impacts (GWP, ADPe, PE, water) and the e-waste mass
    allocated to the job (ewaste_kg), with bounds."""
    import math

    from empreinte.errors import ConfigError
    from empreinte.impacts import HardwareShare, compute_impacts

    for opt, val in (
        ("--energy-kwh", energy_kwh),
        ("--pue", pue),
        ("--wue", wue),
        ("--count", count),
        ("--hours", hours),
        ("--lifetime-years", lifetime_years),
    ):
        if val is not None and not math.isfinite(val):
            raise ConfigError(f"{opt} must be a finite number, got {val}")
    from empreinte.ranges import as_range, parse_range

    gwp = parse_range(grid_gwp, "--grid-gwp")
    if gwp is not None:
        g = as_range(gwp)
        if not all(math.isfinite(x) and x >= 0 for x in (g.value, g.low, g.high)):
            raise ConfigError(f"--grid-gwp must be a finite number >= 0, got {grid_gwp!r}")
    if not hardware and not server:
        given = [
            opt
            for opt, val in (
                ("--count", count),
                ("--hours", hours),
                ("--lifetime-years", lifetime_years),
                ("--utilisation", utilisation),
            )
            if val is not None
        ]
        if given:
            raise ConfigError(
                f"{given[0] + ' applies' if len(given) == 1 else ', '.join(given) + ' apply'} "
                "to the hardware's embodied share: add --hardware "
                f"(or --server) or drop {'it' if len(given) == 1 else 'them'}"
            )
    from empreinte.factors.site import site_from_settings

    site = site_from_settings(location, pue, wue_l_per_kwh=wue, datacenter=datacenter)
    shares = []
    if (hardware or server) and hours is None:
        raise ConfigError("--hours is required with --hardware or --server")
    if count is not None and count <= 0:
        raise ConfigError(f"--count must be more than 0 accelerators, got {count:g}")
    count = 1.0 if count is None else count
    if hardware:
        shares.append(HardwareShare.accelerator(hardware, count, hours or 0.0))
    if server:
        from empreinte.factors.hardware import get_server

        slots = get_server(server).accelerator_slots
        n_servers = count / slots if hardware and slots else 1.0
        shares.append(HardwareShare.server(server, n_servers, hours or 0.0))
    result = compute_impacts(
        energy_kwh,
        location=site,
        hardware=shares,
        lifetime_years=lifetime_years,
        utilisation=utilisation,
        grid_gwp=gwp,
    )
    data = result.to_dict()
    if not explain and not as_json:
        data.pop("explain")
    if as_json:
        typer.echo(json.dumps(data, indent=2, allow_nan=False))
        return
    _print_table(data, explain)


def _fmt(x: dict[str, float] | None, unit: str = "") -> str:
    """A value with bounds by the units rule (``unit`` as stored; none: the bare number)."""
    from empreinte.units import number, with_bounds

    if x is None:
        return "not assessed"
    v, lo, hi = x["value"], x["low"], x["high"]
    if unit:
        return with_bounds(v, lo, hi, unit, 4)
    return number(v, 4) if lo == hi else f"{number(v, 4)} [{number(lo, 3)}, {number(hi, 3)}]"


def _print_table(data: dict[str, object], explain: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    energy = data["energy"]
    assert isinstance(energy, dict)
    loc = data["location"]
    assert isinstance(loc, dict)
    console.print(
        escape(
            f"IT energy {_fmt(energy['it_kwh'], 'kWh')}, facility "
            f"{_fmt(energy['facility_kwh'], 'kWh')}; zone {loc['zone']}"
        )
    )
    table = Table(title="Impacts (value \\[low, high])")
    for col in ("criterion", "usage", "embodied", "end of life", "total"):
        table.add_column(col, justify="right" if col != "criterion" else "left")
    imp = data["impacts"]
    assert isinstance(imp, dict)
    from empreinte.vocabulary import Criterion

    for crit, ph in imp.items():
        c = Criterion(crit)
        unit = c.unit
        cells = [
            "n/a" if c is Criterion.EWASTE and p in ("usage", "embodied") else _fmt(ph[p], unit)
            for p in ("usage", "embodied", "end_of_life", "total")
        ]
        table.add_row(crit, *(escape(x) for x in cells))
    console.print(table)
    ew = imp.get(Criterion.EWASTE)
    if isinstance(ew, dict) and ew.get("end_of_life_by_component"):
        parts = [f"{k} {_fmt(v, 'kg')}" for k, v in ew["end_of_life_by_component"].items()]
        console.print(
            escape("e-waste by component (mass leaves use at end of life): ")
            + escape("; ".join(parts))
        )
    warnings = data["warnings"]
    assert isinstance(warnings, list)
    for w in warnings:
        console.print(f"[yellow]warning[/] {w['code']}: {escape(w['message'])}")
    if explain:
        steps = data["explain"]
        assert isinstance(steps, list)
        t2 = Table(title="Steps")
        for col in ("phase", "quantity", "value", "unit", "sources"):
            t2.add_column(col)
        for s in steps:
            t2.add_row(s["phase"], s["name"], _fmt(s), s["unit"], ", ".join(s["sources"]))
        console.print(t2)
    srcs = data["sources"]
    assert isinstance(srcs, list)
    console.print("sources: " + ", ".join(srcs))


def register(app: typer.Typer) -> None:
    app.command("impacts")(impacts)
