"""``empreinte estimate training|inference|log|lifecycle``: footprints from proxies (tier M4).

Ranges are typed ``VALUE``, ``LOW:HIGH`` (midpoint as the value) or ``VALUE:LOW:HIGH``.
Every command prints a readable table, or JSON with ``--json``; ``--out`` writes the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

__all__ = ["register"]

app = typer.Typer(
    name="estimate",
    help="Estimate footprints from proxies: training, inference, request logs, lifecycles.",
    no_args_is_help=True,
)

_LOC = typer.Option(
    None, "--location", envvar="EMPREINTE_LOCATION", help="Grid zone (FRA...) or cloud:P:R."
)
_PUE = typer.Option(None, "--pue", help="PUE: VALUE, LOW:HIGH or VALUE:LOW:HIGH.")
_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
_OUT = typer.Option(None, "--out", help="Write the report (JSON) to this file.")
_HOST = typer.Option(None, "--host-ratio", help="Host energy per accelerator energy (range).")
_IDLE = typer.Option(None, "--idle-ratio", help="Idle capacity per active IT energy (range).")


def parse_range(text: str | None) -> Any:
    """``"0.4"``, ``"0.2:0.6"`` or ``"0.4:0.2:0.6"`` as a float or a Range."""
    from empreinte.errors import ConfigError
    from empreinte.ranges import Range

    if text is None:
        return None
    try:
        parts = [float(p) for p in text.split(":")]
    except ValueError:
        raise ConfigError(f"not a number or range: {text!r}") from None
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return Range.span(min(parts), max(parts))
    if len(parts) == 3 and parts[1] <= parts[0] <= parts[2]:
        return Range(parts[0], parts[1], parts[2])
    raise ConfigError(f"expected VALUE, LOW:HIGH or VALUE:LOW:HIGH, got {text!r}")


def _fmt(r: dict[str, float] | None, k: float = 1.0, missing: str = "-") -> str:
    if r is None:
        return missing
    if r["low"] == r["high"]:
        return f"{r['value'] * k:,.4g}"
    return f"{r['value'] * k:,.4g}  [{r['low'] * k:,.4g} – {r['high'] * k:,.4g}]"


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn a failure to write ``path`` into a one-line :class:`ConfigError`."""
    from empreinte.errors import ConfigError

    try:
        yield
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _table(title: str, rows: list[tuple[str, str]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=escape(title), show_header=True)
    t.add_column("quantity")
    t.add_column(escape("estimate  [low – high]"), justify="right")
    for k, v in rows:
        t.add_row(k, v)
    Console().print(t)


def _emit(report: Any, data: dict[str, Any], out: Path | None, as_json: bool) -> None:
    if out is not None:
        with _writing(out):
            out.write_text(report.to_json(), encoding="utf-8")
    if as_json:
        data = data | {"report": json.loads(report.to_json(indent=None))}
        typer.echo(json.dumps(data, indent=2))


def _impact_rows(report: Any) -> list[tuple[str, str]]:
    rows = []
    for crit, unit in (("gwp_kgco2e", "kgCO2e"), ("water_l", "L"), ("pe_mj", "MJ")):
        p = getattr(report.impacts, crit)
        if p is not None:
            rows.append(
                (f"{crit.split('_')[0].upper()} total ({unit})", _fmt(p.total.model_dump()))
            )
            if p.embodied is not None:
                rows.append((f"  of which embodied ({unit})", _fmt(p.embodied.model_dump())))
    return rows


def _warnings(report: Any) -> None:
    from rich.console import Console
    from rich.markup import escape

    con = Console()
    for w in report.warnings:
        con.print(f"[yellow]warning[/yellow] {w.code}: {escape(w.message)}", highlight=False)


@app.command()
def training(
    hardware: str = typer.Option(..., "--hardware", help="Accelerator (catalog name)."),
    accelerator_hours: str | None = typer.Option(None, "--accelerator-hours", help="Range."),
    flops: float | None = typer.Option(None, "--flops", help="Training compute, FLOP."),
    model: str | None = typer.Option(None, "--model", help="Model name (catalog)."),
    params_total: float | None = typer.Option(None, "--params-total", help="Parameters."),
    params_active: float | None = typer.Option(None, "--params-active", help="Parameters."),
    tokens: float | None = typer.Option(None, "--tokens", help="Training tokens (6·N·D)."),
    mfu: str | None = typer.Option(None, "--mfu", help="Model FLOPs utilisation (range)."),
    count: float | None = typer.Option(None, "--count", help="Accelerators used.", min=1),
    power_w: str | None = typer.Option(None, "--power-w", help="Average W per chip (range)."),
    pue: str | None = _PUE,
    location: str | None = _LOC,
    host_ratio: str | None = _HOST,
    idle_ratio: str | None = _IDLE,
    server: str | None = typer.Option(None, "--server", help="Server archetype (embodied)."),
    fine_tuning: bool = typer.Option(False, "--fine-tuning", help="Label as fine-tuning."),
    as_json: bool = _JSON,
    out: Path | None = _OUT,
) -> None:
    """Training (or fine-tuning) from accelerator-hours, params + tokens, or FLOPs."""
    from empreinte.estimate.training import estimate_training

    est = estimate_training(
        hardware=hardware,
        accelerator_hours=parse_range(accelerator_hours),
        flops=flops,
        model=model,
        params_total=params_total,
        params_active=params_active,
        tokens=tokens,
        mfu=parse_range(mfu),
        count=count,
        power_w=parse_range(power_w),
        pue=parse_range(pue),
        location=location,
        host_ratio=parse_range(host_ratio),
        idle_ratio=parse_range(idle_ratio),
        server=server,
        stage="fine_tuning" if fine_tuning else "training",
    )
    report = est.to_report()
    data = est.to_dict()
    _emit(report, data, out, as_json)
    if not as_json:
        e = data["energy_kwh"]
        rows = [
            ("FLOP", _fmt(data["flops"])),
            ("accelerator-hours", _fmt(data["accelerator_hours"])),
            ("power per chip (W)", _fmt(data["power_w"])),
            *((f"energy: {k} (MWh)", _fmt(e[k], 1e-3)) for k in ("accelerators", "host", "idle")),
            ("energy: facility overhead (MWh)", _fmt(e["facility"], 1e-3)),
            ("energy: full boundary (MWh)", _fmt(e["full"], 1e-3)),
            *_impact_rows(report),
        ]
        _table(f"{est.stage} estimate: {est.model_id or ''} on {hardware} (tier M4)", rows)
        _warnings(report)


@app.command()
def inference(
    model: str | None = typer.Option(None, "--model", help="Model name (catalog)."),
    params_total: float | None = typer.Option(None, "--params-total"),
    params_active: float | None = typer.Option(None, "--params-active"),
    input_tokens: float = typer.Option(0, "--input-tokens", min=0),
    output_tokens: float = typer.Option(..., "--output-tokens", min=1),
    requests: float = typer.Option(1, "--requests", help="Number of requests.", min=1),
    method: str = typer.Option("fitted", "--method", help="fitted (ML.ENERGY) or flops (Epoch)."),
    hardware: str = typer.Option("nvidia-h100-sxm", "--hardware"),
    batch: str | None = typer.Option(None, "--batch", help="Batch size (range)."),
    gpus: int | None = typer.Option(None, "--gpus", min=1),
    precision: str = typer.Option("bfloat16", "--precision"),
    task: str = typer.Option("lm-arena-chat", "--task", help="Prompt profile (fitted)."),
    mfu: str | None = typer.Option(None, "--mfu", help="Decode MFU (flops method)."),
    power_w: str | None = typer.Option(None, "--power-w", help="W per accelerator (flops)."),
    load: str | None = typer.Option(None, "--load", help="Power fraction (flops method)."),
    pue: str | None = _PUE,
    location: str | None = _LOC,
    host_ratio: str | None = _HOST,
    idle_ratio: str | None = _IDLE,
    as_json: bool = _JSON,
    out: Path | None = _OUT,
) -> None:
    """Energy and impacts per request (and for N requests) of an LLM."""
    from empreinte.errors import ConfigError
    from empreinte.estimate.inference import estimate_inference

    if method not in ("fitted", "flops"):
        raise ConfigError(f"--method must be fitted or flops, not {method!r}")
    est = estimate_inference(
        model=model,
        params_total=params_total,
        params_active=params_active,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        requests=requests,
        method=method,  # type: ignore[arg-type]
        hardware=hardware,
        batch=parse_range(batch),
        gpus=gpus,
        precision=precision,
        task=task,
        mfu=parse_range(mfu),
        power_w=parse_range(power_w),
        load=parse_range(load),
        pue=parse_range(pue),
        location=location,
        host_ratio=parse_range(host_ratio),
        idle_ratio=parse_range(idle_ratio),
    )
    report = est.to_report()
    data = est.to_dict()
    _emit(report, data, out, as_json)
    if not as_json:
        per = data["per_request_wh"]
        rows = [("parameters active", _fmt(data["params_active"]))]
        if data["gpus"] is not None:  # the flops method does not size a GPU count
            rows.append(("GPUs", f"{data['gpus']:g}"))
        rows += [(f"per request: {k} (Wh)", _fmt(per[k])) for k in per]
        if requests != 1:
            rows.append(
                (
                    f"{requests:,.6g} requests: full boundary (kWh)",
                    _fmt(data["total_wh"]["full"], 1e-3),
                )
            )
        rows += _impact_rows(report)
        _table(
            f"inference estimate ({method}): {est.params.model_id or 'explicit parameters'}", rows
        )
        _warnings(report)


@app.command("log")
def log_cmd(
    file: Path = typer.Argument(
        ..., help="CSV, JSONL or Parquet log: a file, a directory or a quoted glob."
    ),
    hardware: str = typer.Option("nvidia-h100-sxm", "--hardware"),
    location: str | None = _LOC,
    pue: str | None = _PUE,
    rows_out: Path | None = typer.Option(
        None, "--rows-out", help="Per-row results: FILE.parquet, FILE.csv or a DIRECTORY."
    ),
    partition_by: str = typer.Option(
        "day", "--partition-by", help="Partition column of a --rows-out directory (or none)."
    ),
    batch_rows: int = typer.Option(
        1 << 19, "--batch-rows", min=1, help="Rows per batch when streaming."
    ),
    as_json: bool = _JSON,
    out: Path | None = _OUT,
) -> None:
    """Estimate every request of a log; totals by model, day, provider and zone.

    Streams the log in batches through DuckDB when it is installed (pip install
    'empreinte[logs]'), in memory bounded whatever the log's size; else reads it whole.
    """
    from empreinte.errors import ConfigError, EstimateError
    from empreinte.estimate.logs import estimate_log, read_log

    opts = {"hardware": hardware, "location": location, "pue": parse_range(pue)}
    try:
        if _has_duckdb():
            from empreinte.estimate.logstream import stream_log

            progress = _progress()
            le: Any = stream_log(
                file,
                rows_out=rows_out,
                partition_by=None if partition_by == "none" else partition_by,
                batch_rows=batch_rows,
                progress=progress,
                **opts,
            )
            if progress is not None:
                typer.echo("", err=True)
        else:
            le = estimate_log(read_log(file), **opts)
        report = le.to_report(name=file.name)
    except (ConfigError, EstimateError) as exc:
        raise type(exc)(f"{file}: {exc}") from exc
    if rows_out is not None and not _has_duckdb():
        with _writing(rows_out):
            le.write_rows(rows_out)
    groups = {k: le.totals_by(k) for k in ("model", "day", "provider", "zone")}
    data = {
        "rows": le.rows,
        "unestimated": le.unestimated,
        "energy_kwh": report.energy.model_dump()["layers"],
        "totals": {k: v for k, v in groups.items() if v},
    }
    _emit(report, data, out, as_json)
    if as_json:
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    con = Console()
    for key, rows in data["totals"].items():
        t = Table(title=f"totals by {key} (estimates)")
        for c in (key, "requests", "energy kWh [low – high]", "kgCO2e [low – high]"):
            t.add_column(escape(c))
        for r in rows[:50]:
            n, done = r["requests"], r["estimated"]
            t.add_row(
                escape(str(r[key])),
                f"{n:,}" if done == n else f"{n:,} ({n - done:,} not estimated)",
                _fmt(r["energy_kwh"], missing="not estimated"),
                _fmt(r["gwp_kgco2e"], missing="not estimated"),
            )
        con.print(t)
    _table(
        f"{file.name}: {le.rows:,} requests ({le.unestimated:,} not estimated)",
        _impact_rows(report),
    )
    _warnings(report)


def _has_duckdb() -> bool:
    import importlib.util

    return importlib.util.find_spec("duckdb") is not None


def _progress() -> Any:
    """A progress line on stderr (rows read, rows/s, ETA), only when stderr is a terminal."""
    import sys
    import time

    if not sys.stderr.isatty():
        return None
    t0 = last = time.monotonic()

    def show(done: int, total: int | None) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < 0.25 and done != total:
            return
        last = now
        rate = done / max(now - t0, 1e-9)
        eta = f", ETA {(total - done) / rate:,.0f} s" if total and rate else ""
        sys.stderr.write(f"\r{done:,} rows read, {rate:,.0f} rows/s{eta}\x1b[K")
        sys.stderr.flush()

    return show


@app.command()
def lifecycle(
    files: list[Path] = typer.Argument(..., help="Scenario files (YAML or JSON)."),
    chart: Path | None = typer.Option(None, "--chart", help="Write a PNG chart."),
    html: Path | None = typer.Option(None, "--html", help="Write an HTML comparison page."),
    as_json: bool = _JSON,
) -> None:
    """Life-cycle totals by stage and per request; side by side for several scenarios."""
    from empreinte.estimate.compare import column_label, comparison_rows, write_chart, write_html
    from empreinte.estimate.lifecycle import load_scenarios, run_scenario

    results = [run_scenario(sc) for f in files for sc in load_scenarios(f)]
    png = None
    if chart is not None:
        with _writing(chart):
            png = write_chart(results, chart)
    if html is not None:
        with _writing(html):
            if png is None:
                png = write_chart(results, html.with_suffix(".png"))
            write_html(results, html, png)
    rows = comparison_rows(results)
    if as_json:
        typer.echo(
            json.dumps({"scenarios": [r.to_dict() for r in results], "table": rows}, indent=2)
        )
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table(title="life-cycle scenarios side by side (estimates)")
    t.add_column("quantity")
    for r in rows:
        t.add_column(escape(str(r["scenario"])), justify="right")
    for key in list(rows[0])[1:]:
        t.add_row(
            column_label(key), *(f"{r[key]:,.4g}" if r[key] is not None else "-" for r in rows)
        )
    Console().print(t)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="estimate")
