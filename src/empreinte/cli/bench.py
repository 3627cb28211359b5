"""``empreinte bench list|run|leaderboard``: the frugal AI benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from empreinte.bench.results import BenchResult

bench_app = typer.Typer(
    help="The frugal AI benchmark: quality against energy, rated.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")


def default_results_dir() -> Path:
    """``<data_dir>/bench/results`` (the ``data_dir`` setting, :mod:`empreinte.config`)."""
    from empreinte import config

    return Path(config.get("data_dir")) / "bench" / "results"


@bench_app.command("list")
def list_cmd(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Tasks and models (the PyTorch MLP is listed only when torch imports)."""
    import json

    from empreinte.bench.models import list_models
    from empreinte.bench.ratings import load_ratings
    from empreinte.bench.tasks import list_tasks

    ratings = load_ratings()
    tasks = [
        {
            "name": t.name,
            "kind": t.kind,
            "version": t.version,
            "metric": t.metric,
            "gate": (
                f"{ratings.tasks[t.name].gate.metric} >= {ratings.tasks[t.name].gate.minimum:g}"
            )
            if t.name in ratings.tasks
            else None,
            "licence": t.licence,
            "description": t.description,
        }
        for t in list_tasks()
    ]
    models = [
        {
            "name": m.name,
            "kinds": list(m.kinds),
            "framework": m.framework,
            "builtin": m.builtin,
            "description": m.description,
        }
        for m in list_models()
    ]
    if json_out:
        typer.echo(
            json.dumps(
                {"ratings_version": ratings.version, "tasks": tasks, "models": models}, indent=2
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    tt = Table(title=f"tasks (ratings {ratings.version})")
    for col in ("task", "kind", "version", "gate", "licence", "description"):
        tt.add_column(col)
    for t in tasks:
        tt.add_row(
            str(t["name"]),
            str(t["kind"]),
            str(t["version"]),
            str(t["gate"] or "–"),
            str(t["licence"]),
            str(t["description"]),
        )
    mt = Table(title="models")
    for col in ("model", "task kinds", "framework", "description"):
        mt.add_column(col)
    for m in models:
        kinds = m["kinds"]
        mt.add_row(
            str(m["name"]),
            ", ".join(kinds) if isinstance(kinds, list) else "",
            str(m["framework"]),
            str(m["description"]),
        )
    console.print(tt)
    console.print(mt)


def _pairs(task: str, model: str) -> list[tuple[str, str]]:
    from empreinte.bench.models import get_model, list_models
    from empreinte.bench.tasks import get_task, list_tasks
    from empreinte.errors import ConfigError

    tasks = list_tasks() if task == "all" else [get_task(task)]
    out: list[tuple[str, str]] = []
    for t in tasks:
        specs = list_models(t.kind) if model == "all" else [get_model(model)]
        out.extend((t.name, s.name) for s in specs if s.supports(t.kind))
    if not out:
        raise ConfigError(f"model {model!r} accepts none of the tasks chosen ({task})")
    return out


def _line(r: BenchResult) -> str:
    s = r.energy_wh_per_1000
    ci = "" if s.ci_low is None else f" [95 % CI {s.ci_low:.3g}–{s.ci_high:.3g}]"
    gate = r.gate or {}
    return (
        f"{r.task:<14} {r.model:<18} {s.mean:.3g} Wh/1000 inf.{ci}  class "
        f"{r.energy_class or '–'}  macro-F1 {r.quality['macro_f1']:.3f} "
        f"({'pass' if gate.get('passed') else 'below gate'})"
        + (f"  training {r.training_wh[0]:.3g} Wh" if r.training_wh else "")
    )


@bench_app.command("run")
def run_cmd(
    task: str = typer.Option(..., help="Task name, or 'all'."),
    model: str = typer.Option(..., help="Model name, or 'all' (every model the task accepts)."),
    samples: int | None = typer.Option(None, help="Evaluation samples used [default: all]."),
    repeats: int = typer.Option(3, help="Measured repeats (R >= 2 gives a confidence interval)."),
    batch_size: int = typer.Option(64, help="Inputs per predict call."),
    min_window: float = typer.Option(1.0, help="Each repeat lasts at least this many seconds."),
    idle: float = typer.Option(1.0, help="Seconds of idle baseline measured before training."),
    location: str | None = typer.Option(
        None, help="Grid zone (FRA) or cloud:PROVIDER:REGION [setting: location]."
    ),
    pue: float | None = typer.Option(
        None, help="Data-centre PUE [setting: pue; default: the location's preset]."
    ),
    out: Path | None = typer.Option(None, help="Write the inference report (one run only)."),
    results_dir: Path | None = typer.Option(
        None, help="Where results are saved [default: <data_dir>/bench/results]."
    ),
    submit: bool = typer.Option(False, help="Send the reports to the observatory."),
    server: str | None = typer.Option(None, help="Observatory URL [setting: server]."),
    token: str | None = typer.Option(None, help="API token [setting: token]."),
) -> None:
    """Benchmark MODEL on TASK: quality, energy per 1,000 inferences with its CI, class."""
    from datetime import UTC, datetime

    from empreinte.bench.harness import RunConfig, run_benchmark
    from empreinte.bench.results import save_result
    from empreinte.errors import ConfigError
    from empreinte.factors.site import site_from_settings

    site = site_from_settings(location, pue)  # checked before any run
    if submit:
        from empreinte.submit import server_and_token

        server, token = server_and_token(server, token)
    pairs = _pairs(task, model)
    if out is not None and len(pairs) > 1:
        raise ConfigError("--out writes one report: choose one task and one model")
    if out is not None:
        from empreinte.cli._checks import check_writable

        check_writable(out)
    cfg = RunConfig(
        samples=samples,
        repeats=repeats,
        batch_size=batch_size,
        min_window_s=min_window,
        idle_s=idle,
        location=site,
    )
    cfg.check()
    folder = results_dir or default_results_dir()
    for t, m in pairs:
        result = run_benchmark(t, m, cfg)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = save_result(result, folder / f"{t}__{m}__{stamp}.json")
        typer.echo(_line(result))
        if out is not None:
            out.write_text(result.report.to_json())
            typer.echo(f"report: {out}")
        if submit:
            from empreinte.bench.submit import submit_report

            for rep in (result.report, result.training_report):
                if rep is not None:
                    answer = submit_report(rep, server, token)
                    typer.echo(f"submitted {rep.lifecycle_stage} report: {answer.get('url')}")
    typer.echo(f"results: {folder} ({len(pairs)} run(s); last {path.name})")


@bench_app.command("leaderboard")
def leaderboard_cmd(
    results_dir: Path | None = typer.Option(
        None, help="Results to read [default: <data_dir>/bench/results]."
    ),
    out_dir: Path = typer.Option(
        Path("bench-leaderboard"), help="Where the chart, page and dated snapshot are written."
    ),
    task: str | None = typer.Option(None, help="Only this task."),
) -> None:
    """Print the quality-gated ranking; write pareto.png, leaderboard.html and a snapshot."""
    from rich.console import Console
    from rich.table import Table

    from empreinte.bench.leaderboard import build_rows, latest_results, write_charts, write_snapshot
    from empreinte.errors import DataError

    if task is not None:
        from empreinte.bench.tasks import get_task

        get_task(task)  # an unknown task is named, with suggestions
    folder = results_dir or default_results_dir()
    results = [r for r in latest_results(folder) if task is None or r.task == task]
    if not results:
        raise DataError(f"no bench results in {folder}: run 'empreinte bench run' first")
    rows = build_rows(results)
    table = Table(title="frugal benchmark (Wh per 1,000 inferences, gross; 95 % CI)")
    for col in (
        "task",
        "rank",
        "model",
        "class",
        "Wh/1000",
        "95 % CI",
        "quality",
        "gate",
        "front",
        "training Wh",
    ):
        table.add_column(col)
    for r in rows:
        ci = "–" if r.ci_low is None else f"{r.ci_low:.3g}–{r.ci_high:.3g}"
        table.add_row(
            r.task,
            str(r.rank or "–"),
            r.model,
            r.energy_class or ("–" if not r.passed_gate else "?"),
            f"{r.energy_wh_per_1000:.3g}",
            ci,
            f"{r.quality_metric} {r.quality:.3f}",
            "pass" if r.passed_gate else "fail",
            "yes" if r.on_front else "",
            "–" if r.training_wh is None else f"{r.training_wh:.3g}",
        )
    Console(width=160).print(table)
    png, page = write_charts(rows, out_dir)
    snap = write_snapshot(rows, out_dir / "snapshots")
    typer.echo(f"chart: {png}\npage: {page}\nsnapshot: {snap}")
