"""``empreinte advise REPORT``: concrete changes that lower a report's footprint, with savings."""

from __future__ import annotations

import json
from pathlib import Path

import typer

__all__ = ["register"]


def _peers(against: Path | None) -> list[object]:
    """Reports to compare with: a JSON/JSONL file or a folder of reports, else the frugal
    benchmark's reference run shipped with the observatory seed."""
    from empreinte.report.validate import load_report, validate_report

    if against is None:
        from empreinte.observatory.seed import iter_bench_reports

        return list(iter_bench_reports())
    if against.is_dir():
        return [load_report(p) for p in sorted(against.glob("*.json"))]
    if against.suffix == ".jsonl":
        lines = against.read_text("utf-8").splitlines()
        return [validate_report(ln) for ln in lines if ln.strip()]
    return [load_report(against)]


def advise(
    file: Path = typer.Argument(..., help="Report JSON file.", metavar="REPORT"),
    against: Path | None = typer.Option(
        None,
        "--against",
        help="Reports to compare with for a smaller model on the same task: a report, a JSONL "
        "file or a folder (default: the frugal benchmark's reference run).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List changes that lower the report's footprint, each with its saving, range and practice."""
    from empreinte.advise import advise as run_advise
    from empreinte.report.validate import load_report
    from empreinte.units import human, with_bounds

    report = load_report(file)
    advice = run_advise(report, peers=_peers(against))  # type: ignore[arg-type]
    if as_json:
        typer.echo(json.dumps([a.as_dict() for a in advice], indent=2, ensure_ascii=False))
        return
    if not advice:
        typer.echo("no change found that saves at least 1 % with the data empreinte has")
        return
    typer.echo(f"{len(advice)} changes for {report.name or report.report_id}, largest first:")
    for i, a in enumerate(advice, 1):
        s = a.saving
        typer.echo(
            f"{i}. {a.change}\n"
            f"   saves {a.share:.0%} of {a.quantity}: {with_bounds(s.value, s.low, s.high, a.unit)}"
            f" of {human(a.current.value, a.unit)}\n"
            f"   basis: {a.basis}\n   practice: {a.practice}"
        )


def register(app: typer.Typer) -> None:
    app.command("advise")(advise)
