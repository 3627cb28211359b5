"""``empreinte estimate training|inference|log|lifecycle``: footprints from proxies (tier M4).

Ranges are typed ``VALUE``, ``LOW:HIGH`` (midpoint as the value) or ``VALUE:LOW:HIGH``.
Every command prints a readable table, or JSON with ``--json``; ``--out`` writes the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from empreinte.estimate.inference import InferenceEstimate
    from empreinte.factors.site import Site
    from empreinte.report.models import Report

__all__ = ["register"]

app = typer.Typer(
    name="estimate",
    help="Estimate footprints from proxies: training, inference, request logs, lifecycles.",
    no_args_is_help=True,
)


def parse_range(text: str | None, name: str = "value") -> Any:
    """``"0.4"``, ``"0.2:0.6"`` or ``"0.4:0.2:0.6"`` as a float or a Range (see
    :func:`empreinte.ranges.parse_range`: LOW above HIGH is an error naming ``name``)."""
    from empreinte.ranges import parse_range as parse

    return parse(text, name)


def _checked_range(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> Any:
    """Callback of every range option: a malformed range is an error naming the option."""
    if value is not None and not ctx.resilient_parsing:
        parse_range(value, param.opts[0] if param.opts else str(param.name))
    return value


_LOC = typer.Option(None, "--location", help="Grid zone (FRA...) or cloud:P:R [setting: location].")
_PUE = typer.Option(
    None,
    "--pue",
    help="PUE: VALUE, LOW:HIGH or VALUE:LOW:HIGH [setting: pue].",
    callback=_checked_range,
)
_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
_OUT = typer.Option(None, "--out", help="Write the report (JSON) to this file.")
_HOST = typer.Option(
    None,
    "--host-ratio",
    help="Host energy per accelerator energy (range).",
    callback=_checked_range,
)
_IDLE = typer.Option(
    None,
    "--idle-ratio",
    help="Idle capacity per active IT energy (range).",
    callback=_checked_range,
)
_GRID = typer.Option(
    None,
    "--grid-gwp",
    help="Stated grid factor, kgCO2e/kWh (range); replaces the zone's.",
    callback=_checked_range,
)
_DC = typer.Option(
    None,
    "--datacenter",
    help="Operator preset for PUE and WUE (meta, aws...); meta:2023 takes the PUE it published "
    "for that year.",
)


def _site(location: str | None, pue: str | None) -> Site:
    """Location and PUE resolved (option > environment > config file) and checked up front."""
    from empreinte.factors.site import site_from_settings

    return site_from_settings(location, parse_range(pue, "--pue"))


def _fmt(r: dict[str, float] | None, k: float = 1.0, missing: str = "-") -> str:
    if r is None:
        return missing
    from empreinte.units import number

    if r["low"] == r["high"]:
        return number(r["value"] * k, 4)
    return f"{number(r['value'] * k, 4)}  [{number(r['low'] * k, 4)} – {number(r['high'] * k, 4)}]"


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
    from empreinte.units import with_bounds

    def shown(e: Any, unit: str) -> str:
        return with_bounds(e.value, e.low, e.high, unit, 4)

    from empreinte.vocabulary import Criterion

    for c in (Criterion.GWP, Criterion.WATER, Criterion.ADPE, Criterion.PE):
        crit, unit = c.value, c.unit
        p = getattr(report.impacts, crit)
        if p is not None:
            rows.append((f"{crit.split('_')[0].upper()} total", shown(p.total, unit)))
            if p.embodied is not None:
                rows.append(("  of which embodied", shown(p.embodied, unit)))
    ew = report.impacts.ewaste_kg
    if ew is not None:  # a mass, at end of life: its own row, added to nothing else
        rows.append(("E-waste (end of life)", shown(ew.total, Criterion.EWASTE.unit)))
        for comp, e in (ew.end_of_life_by_component or {}).items():
            rows.append((f"  of which {comp}", shown(e, Criterion.EWASTE.unit)))
    return rows


def _full_rows(full: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The per-response full footprint (upstream stages amortised), one row per criterion."""
    from empreinte.units import with_bounds
    from empreinte.vocabulary import Criterion

    if full is None:
        return []
    return [
        (
            "per response full: "
            + ("E-waste" if k == Criterion.EWASTE else k.split("_")[0].upper()),
            with_bounds(v["value"], v["low"], v["high"], Criterion(k).unit, 4),
        )
        for k, v in full.items()
        if k != "functional_unit"
    ]


def _boundary_rows(est: InferenceEstimate, report: Report) -> list[tuple[str, str]]:
    """Per request: the end-to-end layers (energy, GWP) then the figure on each boundary."""
    from empreinte.estimate.common import to_json_range
    from empreinte.units import with_bounds

    def shown(r: Any, unit: str) -> str:
        return "-" if r is None else with_bounds(r.value, r.low, r.high, unit, 4, per="request")

    rows: list[tuple[str, str]] = []
    for la in est.end_to_end:
        q = _fmt(to_json_range(la.quantity_range))
        what = f"{la.layer} ({la.name}, {q} {la.unit})"
        rows.append((f"per request: {what}, energy", shown(la.energy_kwh, "kWh")))
        rows.append((f"per request: {la.layer}, GWP", shown(la.total("gwp_kgco2e"), "kgCO2e")))
        rows.append((f"  {la.layer}: sources", ", ".join(dict.fromkeys(la.sources))))
    for b, fig in est.boundary_figures(report).items():
        rows.append((f"per request, {b} boundary: energy", shown(fig["energy_kwh"], "kWh")))
        rows.append((f"per request, {b} boundary: GWP", shown(fig["gwp_kgco2e"], "kgCO2e")))
    return rows


# Data options (storage and transfer), shared by `estimate training` and `estimate lifecycle`
_DATASET_TB = typer.Option(None, "--dataset-tb", help="Dataset size, TB.", min=0, metavar="<float>")
_CHECKPOINTS_TB = typer.Option(
    None, "--checkpoints-tb", help="Checkpoints kept, TB.", min=0, metavar="<float>"
)
_RETENTION = typer.Option(
    None,
    "--retention-years",
    help="How long data and checkpoints are kept.",
    min=0,
    metavar="<float>",
)
_REPLICAS = typer.Option(1.0, "--replicas", help="Stored copies.", min=1, metavar="<float>")
_MEDIUM = typer.Option("hdd", "--storage-medium", help="hdd, ssd or tape.")
_TRANSFER_GB = typer.Option(
    None, "--transfer-gb", help="Data moved over networks, GB.", min=0, metavar="<float>"
)


def _check_data_options(**given: float | None) -> None:
    """The data options finite and non-negative, each named in the error (``--dataset-tb``)."""
    import math

    from empreinte.errors import ConfigError

    for key, value in given.items():
        if value is not None and not (math.isfinite(value) and value >= 0):
            opt = "--" + key.replace("_", "-")
            raise ConfigError(f"{opt} must be a finite number >= 0, got {value}")


_EXPLAIN = typer.Option(False, "--explain", help="Print every intermediate step and its sources.")


def _explain(steps: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table(title="steps (estimate, then the impact engine)")
    for col in ("phase", "quantity", "value [low – high]", "unit", "sources"):
        t.add_column(escape(col))
    for s in steps:
        t.add_row(
            s["phase"],
            escape(str(s["name"])),
            _fmt({k: float(s[k]) for k in ("value", "low", "high")}),
            escape(str(s["unit"])),
            escape(", ".join(s.get("sources", []))),
        )
    Console().print(t)


def _data_rows(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Rows for the data components (storage, transfer), beside the compute footprint."""
    from empreinte.units import with_bounds

    def shown(r: dict[str, float] | None, unit: str) -> str:
        return (
            "not assessed" if r is None else with_bounds(r["value"], r["low"], r["high"], unit, 4)
        )

    rows = []
    for d in items:
        name = d["component"] if d["name"] == d["component"] else f"{d['component']}: {d['name']}"
        what = f"{name} ({d['quantity']:,.4g} {d['unit']})"
        rows.append((f"{what}, energy", shown(d.get("energy_kwh"), "kWh")))
        gwp = d.get("gwp_kgco2e")
        rows.append((f"{what}, GWP", shown(None if gwp is None else gwp["total"], "kgCO2e")))
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
    flops: str | None = typer.Option(None, "--flops", help="Training compute, FLOP (range)."),
    model: str | None = typer.Option(None, "--model", help="Model name (catalog)."),
    params_total: float | None = typer.Option(
        None, "--params-total", help="Parameters, total (instead of --model)."
    ),
    params_active: float | None = typer.Option(
        None, "--params-active", help="Parameters active per token (MoE; default: total)."
    ),
    tokens: str | None = typer.Option(None, "--tokens", help="Training tokens, 6·N·D (range)."),
    mfu: str | None = typer.Option(
        None, "--mfu", help="Model FLOPs utilisation (range); default: prior by model size."
    ),
    teacher_flops: str | None = typer.Option(
        None, "--teacher-flops", help="Distillation teacher compute, FLOP (range)."
    ),
    count: float | None = typer.Option(
        None, "--count", help="Accelerators used.", min=1, metavar="<float>"
    ),
    power_w: str | None = typer.Option(None, "--power-w", help="Average W per chip (range)."),
    pue: str | None = _PUE,
    location: str | None = _LOC,
    host_ratio: str | None = _HOST,
    idle_ratio: str | None = _IDLE,
    server: str | None = typer.Option(None, "--server", help="Server archetype (embodied)."),
    fine_tuning: bool = typer.Option(False, "--fine-tuning", help="Label as fine-tuning."),
    grid_gwp: str | None = _GRID,
    datacenter: str | None = _DC,
    boundary: str = typer.Option(
        "full", "--boundary", help="full (all layers) or accelerators (as Meta's model cards)."
    ),
    explain: bool = _EXPLAIN,
    dataset_tb: float | None = _DATASET_TB,
    checkpoints_tb: float | None = _CHECKPOINTS_TB,
    retention_years: float | None = _RETENTION,
    replicas: float = _REPLICAS,
    storage_medium: str = _MEDIUM,
    transfer_gb: float | None = _TRANSFER_GB,
    as_json: bool = _JSON,
    out: Path | None = _OUT,
) -> None:
    """Training (or fine-tuning) from accelerator-hours, params + tokens, or FLOPs."""
    from empreinte.estimate.training import estimate_training

    _check_data_options(
        dataset_tb=dataset_tb,
        checkpoints_tb=checkpoints_tb,
        retention_years=retention_years,
        replicas=replicas,
        transfer_gb=transfer_gb,
    )
    site = _site(location, pue)
    est = estimate_training(
        hardware=hardware,
        accelerator_hours=parse_range(accelerator_hours, "--accelerator-hours"),
        flops=parse_range(flops, "--flops"),
        model=model,
        params_total=params_total,
        params_active=params_active,
        tokens=parse_range(tokens, "--tokens"),
        mfu=parse_range(mfu, "--mfu"),
        teacher_flops=parse_range(teacher_flops, "--teacher-flops"),
        grid_gwp=parse_range(grid_gwp, "--grid-gwp"),
        datacenter=datacenter,
        boundary=boundary,  # type: ignore[arg-type]
        count=count,
        power_w=parse_range(power_w, "--power-w"),
        pue=site.pue,
        location=site.query,
        host_ratio=parse_range(host_ratio, "--host-ratio"),
        idle_ratio=parse_range(idle_ratio, "--idle-ratio"),
        server=server,
        stage="fine_tuning" if fine_tuning else "training",
    )
    from empreinte.estimate.data import data_components

    est.data = data_components(
        dataset_tb=dataset_tb,
        checkpoints_tb=checkpoints_tb,
        retention_years=retention_years,
        replicas=replicas,
        medium=storage_medium,
        transfer_gb=transfer_gb,
        location=site.query,
        pue=est.pue,
    )
    report = est.to_report()
    data = est.to_dict()
    if explain:
        data["explain"] = est.explain()
    _emit(report, data, out, as_json)
    if not as_json:
        e = data["energy_kwh"]
        rows = [
            ("FLOP", _fmt(data["flops"])),
            ("accelerator-hours", _fmt(data["accelerator_hours"])),
            ("power per chip (W)", _fmt(data["power_w"])),
            *((f"energy: {k} (MWh)", _fmt(e[k], 1e-3)) for k in ("accelerators", "host", "idle")),
            ("energy: facility overhead (MWh)", _fmt(e["facility"], 1e-3)),
            (f"energy: {est.boundary} boundary (MWh)", _fmt(e["full"], 1e-3)),
            *_impact_rows(report),
            *_data_rows(data.get("data", [])),
        ]
        what = est.model_id or "given compute"
        _table(f"{est.stage} estimate: {what} on {hardware} (tier M4)", rows)
        if explain:
            _explain(data["explain"])
        _warnings(report)


@app.command()
def inference(
    model: str | None = typer.Option(None, "--model", help="Model name (catalog)."),
    params_total: float | None = typer.Option(
        None, "--params-total", help="Parameters, total (instead of --model)."
    ),
    params_active: float | None = typer.Option(
        None, "--params-active", help="Parameters active per token (MoE; default: total)."
    ),
    input_tokens: str = typer.Option("0", "--input-tokens", help="Prompt tokens (range)."),
    output_tokens: str = typer.Option(..., "--output-tokens", help="Output tokens (range)."),
    requests: float = typer.Option(
        1, "--requests", help="Number of requests.", min=1, metavar="<float>"
    ),
    method: str = typer.Option("fitted", "--method", help="fitted (ML.ENERGY) or flops (Epoch)."),
    hardware: str = typer.Option("nvidia-h100-sxm", "--hardware"),
    batch: str | None = typer.Option(None, "--batch", help="Batch size (range)."),
    count: int | None = typer.Option(
        None,
        "--count",
        min=1,
        help="Accelerators per replica (default: memory rule).",
        metavar="<int>",
    ),
    gpus: int | None = typer.Option(
        None, "--gpus", min=1, hidden=True, help="Use --count.", metavar="<int>"
    ),
    precision: str = typer.Option("bfloat16", "--precision"),
    task: str | None = typer.Option(
        None, "--task", help="Prompt profile of the fitted method (default: lm-arena-chat)."
    ),
    mfu: str | None = typer.Option(None, "--mfu", help="Decode MFU (flops method)."),
    power_w: str | None = typer.Option(None, "--power-w", help="W per accelerator (flops)."),
    load: str | None = typer.Option(None, "--load", help="Power fraction (flops method)."),
    pue: str | None = _PUE,
    location: str | None = _LOC,
    host_ratio: str | None = _HOST,
    idle_ratio: str | None = _IDLE,
    grid_gwp: str | None = _GRID,
    datacenter: str | None = _DC,
    server: str | None = typer.Option(None, "--server", help="Server archetype (embodied)."),
    provisioned_hours: float | None = typer.Option(
        None,
        "--provisioned-hours",
        help="Fixed fleet provisioned this long (hours) for the --requests.",
    ),
    fleet: float | None = typer.Option(
        None,
        "--fleet",
        min=1,
        help="Accelerators provisioned (default: one replica).",
        metavar="<float>",
    ),
    boundary: str = typer.Option(
        "datacenter",
        "--boundary",
        help="datacenter, or end-to-end (adds the network and the user's device).",
    ),
    device: str | None = typer.Option(
        None, "--device", help="End-to-end: smartphone (default), tablet, laptop or desktop."
    ),
    device_seconds: str | None = typer.Option(
        None, "--device-seconds", help="End-to-end: time on the user's device, s (range)."
    ),
    bytes_moved: str | None = typer.Option(
        None, "--bytes", help="End-to-end: bytes per request (default: from the tokens)."
    ),
    network: str | None = typer.Option(
        None, "--network", help="End-to-end: network access, fixed (default) or mobile."
    ),
    user_location: str | None = typer.Option(
        None, "--user-location", help="End-to-end: the user's grid zone (default: --location)."
    ),
    amortise: list[Path] | None = typer.Option(
        None,
        "--amortise",
        help="A training or fine-tuning report (JSON, e.g. from estimate training --out) whose "
        "impacts are shared over --lifetime-requests; repeatable.",
    ),
    lifetime_requests: float | None = typer.Option(
        None,
        "--lifetime-requests",
        help="Requests the model serves in its life (with --amortise): per-response full "
        "footprint.",
    ),
    explain: bool = _EXPLAIN,
    as_json: bool = _JSON,
    out: Path | None = _OUT,
) -> None:
    """Energy and impacts per request (and for N requests) of an LLM."""
    from empreinte.errors import ConfigError
    from empreinte.estimate.inference import estimate_inference
    from empreinte.report.validate import load_report

    if method not in ("fitted", "flops"):
        raise ConfigError(f"--method must be fitted or flops, not {method!r}")
    site = _site(location, pue)
    est = estimate_inference(
        model=model,
        params_total=params_total,
        params_active=params_active,
        input_tokens=parse_range(input_tokens, "--input-tokens"),
        output_tokens=parse_range(output_tokens, "--output-tokens"),
        requests=requests,
        method=method,  # type: ignore[arg-type]
        hardware=hardware,
        batch=parse_range(batch, "--batch"),
        gpus=gpus,
        count=count,
        grid_gwp=parse_range(grid_gwp, "--grid-gwp"),
        datacenter=datacenter,
        server=server,
        provisioned_hours=provisioned_hours,
        fleet=fleet,
        precision=precision,
        task=task,
        mfu=parse_range(mfu, "--mfu"),
        power_w=parse_range(power_w, "--power-w"),
        load=parse_range(load, "--load"),
        pue=site.pue,
        location=site.query,
        host_ratio=parse_range(host_ratio, "--host-ratio"),
        idle_ratio=parse_range(idle_ratio, "--idle-ratio"),
        boundary=boundary,
        device=device,
        device_seconds=parse_range(device_seconds, "--device-seconds"),
        bytes_per_request=parse_range(bytes_moved, "--bytes"),
        network_access=network,
        user_location=user_location,
        amortise=[load_report(p) for p in amortise] if amortise else None,
        lifetime_requests=lifetime_requests,
    )
    report = est.to_report()
    data = est.to_dict()
    if explain:
        data["explain"] = est.explain()
    _emit(report, data, out, as_json)
    if not as_json:
        per = data["per_request_wh"]
        rows = [("parameters active", _fmt(data["params_active"]))]
        if data["gpus"] is not None:  # the flops method does not size a GPU count
            rows.append(("GPUs", f"{data['gpus']:g}"))
        rows += [(f"per request: {k} (Wh)", _fmt(per[k])) for k in per]
        cc = data["cross_check"]
        if cc is not None:
            rows.append(
                (
                    f"cross-check: {cc['method']} method, accelerators (Wh)",
                    _fmt(cc["accelerators_wh"]),
                )
            )
            rows.append(("agreement ratio (this / cross-check)", f"{cc['agreement_ratio']:.2f}"))
        if requests != 1:
            rows.append(
                (
                    f"{requests:,.6g} requests: full boundary (kWh)",
                    _fmt(data["total_wh"]["full"], 1e-3),
                )
            )
        rows += _impact_rows(report)
        rows += _boundary_rows(est, report)
        rows += _full_rows(data["per_response_full"])
        _table(
            f"inference estimate ({method}): {est.params.model_id or 'explicit parameters'}", rows
        )
        if explain:
            _explain(data["explain"])
        _warnings(report)


@app.command("log")
def log_cmd(
    file: Path = typer.Argument(
        ...,
        help="CSV, JSONL or Parquet log: a file, a directory or a quoted glob; or a provider's "
        "usage export (JSON).",
    ),
    fmt: str = typer.Option(
        "auto",
        "--format",
        help="auto (a usage export is recognised), log, openai-usage, anthropic-usage or "
        "openrouter-activity.",
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
        1 << 19, "--batch-rows", min=1, help="Rows per batch when streaming.", metavar="<int>"
    ),
    count: int | None = typer.Option(
        None, "--count", min=1, help="Accelerators per replica.", metavar="<int>"
    ),
    grid_gwp: str | None = _GRID,
    datacenter: str | None = _DC,
    fleet: float | None = typer.Option(
        None,
        "--fleet",
        min=1,
        help="Accelerators provisioned over the log's period.",
        metavar="<float>",
    ),
    provisioned_hours: float | None = typer.Option(
        None, "--provisioned-hours", help="Hours the --fleet was provisioned for these requests."
    ),
    skip_bad_rows: bool = typer.Option(
        False,
        "--skip-bad-rows",
        help="Leave out CSV rows with the wrong number of cells (counted, lines listed); "
        "reads the log whole.",
    ),
    as_json: bool = _JSON,
    out: Path | None = _OUT,
) -> None:
    """Estimate every request of a log; totals by model, day, provider and zone.

    Streams the log in batches through DuckDB when it is installed (pip install
    'empreinte[logs]'), in memory bounded whatever the log's size; else reads it whole.
    A provider's usage export (OpenAI Usage API, Anthropic usage report, OpenRouter activity)
    is read as rows of N requests each, estimated at their mean tokens per request.
    """
    from empreinte.errors import ConfigError, EstimateError
    from empreinte.estimate.logs import estimate_log, read_log
    from empreinte.genai.exports import EXPORT_FORMATS, detect_export

    if fmt not in ("auto", "log", *EXPORT_FORMATS):
        raise typer.BadParameter(
            f"{fmt!r}: use auto, log, {', '.join(EXPORT_FORMATS)}", param_hint="--format"
        )
    export = detect_export(file) if fmt == "auto" else (None if fmt == "log" else fmt)
    site = _site(location, pue)
    opts: dict[str, Any] = {
        "hardware": hardware,
        "location": site.query,
        "pue": site.pue,
        "count": count,
        "grid_gwp": parse_range(grid_gwp),
        "datacenter": datacenter,
    }
    # Provisioned fleets spread idle energy over the whole log, and skipping bad rows needs the
    # CSV reader's line numbers: both read the log whole; everything else streams.
    whole = skip_bad_rows or fleet is not None or provisioned_hours is not None
    streamed = _has_duckdb() and not whole and export is None
    le: Any = None
    tokens: dict[str, Any] | None = None
    try:
        if export is not None:
            le, tokens = _estimate_export(
                file, export, opts, fleet, provisioned_hours, skip_bad_rows
            )
        elif streamed:
            from empreinte.estimate.logstream import stream_log

            progress = _progress()
            try:
                le = stream_log(
                    file,
                    rows_out=rows_out,
                    partition_by=None if partition_by == "none" else partition_by,
                    batch_rows=batch_rows,
                    progress=progress,
                    **opts,
                )
            except (ConfigError, EstimateError):
                # A malformed CSV file (a short row, a bad timestamp, a header DuckDB's sniffer
                # misreads): the CSV reader below names the line and offers --skip-bad-rows.
                if not (file.is_file() and file.suffix.lower() == ".csv"):
                    raise
                streamed = False
            if progress is not None:
                typer.echo("", err=True)
        if not streamed and export is None:
            skipped: list[int] = []
            data_in = read_log(file, skip_bad_rows=skip_bad_rows, skipped=skipped)
            if skipped:
                lines = ", ".join(str(k) for k in skipped[:20]) + (
                    " ..." if len(skipped) > 20 else ""
                )
                typer.echo(
                    f"warning: {file}: skipped {len(skipped)} bad rows (lines {lines})", err=True
                )
            le = estimate_log(data_in, **opts, fleet=fleet, provisioned_hours=provisioned_hours)
        report = le.to_report(name=file.name)
    except (ConfigError, EstimateError) as exc:
        msg = str(exc)  # an export's errors name the file already
        raise type(exc)(msg if msg.startswith(f"{file}:") else f"{file}: {msg}") from exc
    if rows_out is not None and not streamed:
        with _writing(rows_out):
            le.write_rows(rows_out)
    groups = {k: le.totals_by(k) for k in ("model", "day", "provider", "zone")}
    data = {
        "format": export or "log",
        "rows": le.rows,
        "requests": le.rows if tokens is None else le.request_count if le.request_count else None,
        "unestimated": le.unestimated,
        "energy_kwh": report.energy.model_dump()["layers"],
        "totals": {k: v for k, v in groups.items() if v},
    }
    if tokens is not None:
        data["tokens"] = tokens
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
            shown = f"{n:,}" if done == n else f"{n:,} ({n - done:,} not estimated)"
            if r.get("rows_without_request_count"):
                uncounted = f"{r['rows_without_request_count']:,} rows with no request count"
                shown = f"not reported ({uncounted})" if n == 0 else f"{shown} + {uncounted}"
            t.add_row(
                escape(str(r[key])),
                shown,
                _fmt(r["energy_kwh"], missing="not estimated"),
                _fmt(r["gwp_kgco2e"], missing="not estimated"),
            )
        con.print(t)
    if export is None:
        title = f"{file.name}: {le.rows:,} requests ({le.unestimated:,} not estimated)"
    else:
        n = "requests not reported" if le.request_count == 0 else f"{le.request_count:,} requests"
        title = (
            f"{file.name} ({export}): {n} in {le.rows:,} rows ({le.unestimated:,} not estimated)"
        )
        if le.rows_without_count and le.request_count:
            title += f"; {le.rows_without_count:,} rows with no request count"
    _table(title, _impact_rows(report))
    _warnings(report)


def _estimate_export(
    file: Path,
    export: str,
    opts: dict[str, Any],
    fleet: float | None,
    provisioned_hours: float | None,
    skip_bad_rows: bool,
) -> tuple[Any, dict[str, Any]]:
    """A provider's usage export estimated in memory (its rows are few: buckets × models)."""
    from empreinte.errors import ConfigError
    from empreinte.estimate.logs import estimate_log
    from empreinte.genai.exports import read_export

    if fleet is not None or provisioned_hours is not None or skip_bad_rows:
        raise ConfigError(
            "--fleet, --provisioned-hours and --skip-bad-rows apply to request logs, not to a "
            "usage export"
        )
    exp = read_export(file, export)
    if opts["location"] is not None:  # a stated location replaces the providers' sites
        exp.data.pop("zone", None)
    elif "zone" not in exp.data:  # one provider: its site, and its data-centre preset
        opts = opts | {"location": exp.location}
        if exp.location is not None and opts["pue"] is None and opts["datacenter"] is None:
            from empreinte.factors.grid import resolve_location

            opts["datacenter"] = resolve_location(exp.location).datacenter
    le = estimate_log(exp.data, **opts, requests=exp.requests, brackets=exp.brackets)
    le.warnings[:0] = exp.warnings
    return le, exp.token_totals()


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
    grid_gwp: str | None = typer.Option(
        None,
        "--grid-gwp",
        help="Stated grid factor, kgCO2e/kWh (range), for every scenario.",
        callback=_checked_range,
    ),
    count: int | None = typer.Option(
        None,
        "--count",
        min=1,
        help="Accelerators per inference replica, for every scenario.",
        metavar="<int>",
    ),
    dataset_tb: float | None = _DATASET_TB,
    checkpoints_tb: float | None = _CHECKPOINTS_TB,
    retention_years: float | None = _RETENTION,
    replicas: float = _REPLICAS,
    storage_medium: str = _MEDIUM,
    transfer_gb: float | None = _TRANSFER_GB,
    as_json: bool = _JSON,
) -> None:
    """Life-cycle totals by stage and per request; side by side for several scenarios.

    The data options fill a ``data:`` block for scenarios that have none."""
    from empreinte.estimate.compare import column_label, comparison_rows, write_chart, write_html
    from empreinte.estimate.lifecycle import Data, load_scenarios, run_scenario

    _check_data_options(
        dataset_tb=dataset_tb,
        checkpoints_tb=checkpoints_tb,
        retention_years=retention_years,
        replicas=replicas,
        transfer_gb=transfer_gb,
    )
    scenarios = [sc for f in files for sc in load_scenarios(f)]
    if grid_gwp is not None:
        scenarios = [sc.model_copy(update={"grid_gwp": grid_gwp}) for sc in scenarios]
    if count is not None:
        scenarios = [
            sc.model_copy(update={"inference": sc.inference.model_copy(update={"count": count})})
            if sc.inference is not None
            else sc
            for sc in scenarios
        ]
    if dataset_tb is not None or checkpoints_tb is not None or transfer_gb is not None:
        block = Data.model_validate(
            {
                "dataset_tb": dataset_tb,
                "checkpoints_tb": checkpoints_tb,
                "retention_years": retention_years,
                "replicas": replicas,
                "medium": storage_medium,
                "transfer_gb": transfer_gb,
            }
        )
        scenarios = [sc if sc.data else sc.model_copy(update={"data": block}) for sc in scenarios]
    results = [run_scenario(sc) for sc in scenarios]
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
    con = Console()
    con.print(t)
    for res in results:
        for w in res.warnings:
            con.print(
                f"[yellow]warning[/yellow] {escape(res.scenario.name)}: {w.code}: "
                f"{escape(w.message)}",
                highlight=False,
            )
    for res in results:
        if res.reuse is not None:
            _reuse_table(res.scenario.name, res.reuse.to_dict())


def _reuse_table(name: str, d: dict[str, Any]) -> None:
    """The reuse what-if: embodied saved, extra usage per year, break-even, per criterion."""

    def be(x: dict[str, float | None] | None) -> str:
        if x is None:
            return "never (keeping wins)"
        hi = "unbounded" if x["high"] is None else f"{x['high']:,.3g}"
        return f"{x['value']:,.3g}  [{x['low']:,.3g} – {hi}]"

    rows = [
        ("old accelerators for the same work", f"{d['old_count_for_same_work']:,.4g}"),
        ("extra energy per year (kWh)", _fmt(d["extra_energy_kwh_per_year"])),
    ]
    for crit, c in d["criteria"].items():
        rows += [
            (f"{crit}: embodied saved", _fmt(c["embodied_saved"], missing="not assessed")),
            (f"{crit}: extra usage per year", _fmt(c["extra_usage_per_year"])),
            (f"{crit}: break-even (years)", be(c["break_even_years"])),
        ]
        if d.get("horizon_years") is not None:
            rows.append(
                (
                    f"{crit}: net saved after {d['horizon_years']:g} years",
                    _fmt(c["net_saved_at_horizon"], missing="not assessed"),
                )
            )
    _table(
        f"{name}: keep {d['new_count']:g} × {d['new_hardware']} worth of work on "
        f"{d['old_hardware']} (reuse what-if)",
        rows,
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="estimate")
