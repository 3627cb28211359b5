"""Leaderboards from saved results: table, Pareto chart (PNG and HTML with inline SVG), snapshot.

Results are read from a directory of ``bench-result/1`` files; for each task and cohort
(machine CPU and measurement method) the latest result per model is kept. Rows carry the
energy class, whether the quality gate is passed, the rank (gated entries only) and whether
the entry is on the quality–energy Pareto front.
"""

from __future__ import annotations

import html
import io
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from empreinte.bench.ranking import Entry, Gate, pareto_front, rank
from empreinte.bench.results import BenchResult, load_result

__all__ = ["Row", "build_rows", "latest_results", "write_charts", "write_snapshot"]


@dataclass(frozen=True, slots=True)
class Row:
    task: str
    model: str
    cohort: str
    quality_metric: str
    quality: float
    accuracy: float
    energy_wh_per_1000: float
    ci_low: float | None
    ci_high: float | None
    energy_class: str | None
    gate_min: float
    passed_gate: bool
    rank: int | None
    on_front: bool
    training_wh: float | None
    idle_power_w: float | None
    method: str
    created_at: str


def latest_results(directory: Path) -> list[BenchResult]:
    """The newest result per (task, model, cohort) in ``directory`` (recursively)."""
    best: dict[tuple[str, str, str], BenchResult] = {}
    for path in sorted(directory.rglob("*.json")):
        try:
            raw = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if not isinstance(raw, dict) or raw.get("schema") != "empreinte.bench-result/1":
            continue
        r = load_result(path)
        key = (r.task, r.model, _cohort(r))
        if key not in best or r.created_at > best[key].created_at:
            best[key] = r
    return list(best.values())


def _cohort(r: BenchResult) -> str:
    return f"{r.machine.get('cpu', '?')} x{r.machine.get('logical_cpus', '?')} / {r.method}"


def build_rows(results: list[BenchResult]) -> list[Row]:
    """Leaderboard rows, grouped by task and cohort, ranked rows first."""
    from empreinte.bench.ratings import load_ratings

    ratings = load_ratings()
    groups: dict[tuple[str, str], list[BenchResult]] = {}
    for r in results:
        groups.setdefault((r.task, _cohort(r)), []).append(r)
    rows: list[Row] = []
    for (task, cohort), items in sorted(groups.items()):
        rating = ratings.tasks.get(task)
        gate = rating.gate if rating else Gate("macro_f1", 0.0)
        entries = {
            r.model: Entry(
                id=r.model, energy=r.energy_wh_per_1000.mean, quality=r.quality.get(gate.metric)
            )
            for r in items
        }
        ranks = {x.entry.id: x.rank for x in rank(entries.values(), gate)}
        front = {e.id for e in pareto_front(entries.values())}
        task_rows = []
        for r in items:
            q = r.quality.get(gate.metric, float("nan"))
            s = r.energy_wh_per_1000
            cls = rating.rate(s.mean, r.quality.get(gate.metric))[1] if rating else None
            task_rows.append(
                Row(
                    task=task,
                    model=r.model,
                    cohort=cohort,
                    quality_metric=gate.metric,
                    quality=q,
                    accuracy=r.quality.get("accuracy", float("nan")),
                    energy_wh_per_1000=s.mean,
                    ci_low=s.ci_low,
                    ci_high=s.ci_high,
                    energy_class=cls,
                    gate_min=gate.minimum,
                    passed_gate=r.model in ranks,
                    rank=ranks.get(r.model),
                    on_front=r.model in front,
                    training_wh=None if r.training_wh is None else r.training_wh[0],
                    idle_power_w=None if r.idle_power_w is None else r.idle_power_w[0],
                    method=r.method,
                    created_at=r.created_at,
                )
            )
        task_rows.sort(key=lambda x: (x.rank is None, x.rank or 0, x.energy_wh_per_1000))
        rows.extend(task_rows)
    return rows


def write_snapshot(rows: list[Row], out_dir: Path, when: datetime | None = None) -> Path:
    """A dated JSON snapshot ``leaderboard-YYYY-MM-DD.json`` (replaced within the same day)."""
    from empreinte.bench.ratings import load_ratings

    now = when or datetime.now(UTC)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"leaderboard-{now.date().isoformat()}.json"
    data = {
        "schema": "empreinte.bench-leaderboard/1",
        "generated_at": now.isoformat(),
        "ratings_version": load_ratings().version,
        "unit": "Wh per 1,000 inferences",
        "rows": [asdict(r) for r in rows],
    }
    path.write_text(json.dumps(data, indent=2, allow_nan=False, default=_nan_free))
    return path


def _nan_free(o: Any) -> Any:  # pragma: no cover - only non-JSON types land here
    return str(o)


_CLASS_COLOURS = {
    "A": "#1a9850",
    "B": "#66bd63",
    "C": "#a6d96a",
    "D": "#fee08b",
    "E": "#fdae61",
    "F": "#f46d43",
    "G": "#d73027",
    None: "#888888",
}


def _figure(rows: list[Row]) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = sorted({r.task for r in rows})
    cols = min(2, len(tasks)) or 1
    nrows = (len(tasks) + cols - 1) // cols or 1
    fig, axes = plt.subplots(nrows, cols, figsize=(6.5 * cols, 4.6 * nrows), squeeze=False)
    for ax, task in zip(axes.flat, tasks, strict=False):
        tr = [r for r in rows if r.task == task]
        # a t-interval may reach below zero: on the log axis, cut it at half the lowest mean
        floor = min(r.energy_wh_per_1000 for r in tr) / 2
        for r in tr:
            xerr = None
            if r.ci_low is not None and r.ci_high is not None:
                xerr = [
                    [max(r.energy_wh_per_1000 - max(r.ci_low, floor), 0.0)],
                    [max(r.ci_high - r.energy_wh_per_1000, 0.0)],
                ]
            ax.errorbar(
                [r.energy_wh_per_1000],
                [r.quality],
                xerr=xerr,
                fmt="o",
                color=_CLASS_COLOURS.get(r.energy_class, "#888888"),
                markeredgecolor="black" if r.on_front else "none",
                markersize=8,
                ecolor="#555555",
                capsize=3,
            )
            ax.annotate(
                f"{r.model} ({r.energy_class or '–'})",
                (r.energy_wh_per_1000, r.quality),
                textcoords="offset points",
                xytext=(5, 4),
                fontsize=7,
            )
        front = sorted((r for r in tr if r.on_front), key=lambda r: r.energy_wh_per_1000)
        if front:
            ax.step(
                [r.energy_wh_per_1000 for r in front],
                [r.quality for r in front],
                where="post",
                color="black",
                linewidth=1,
                label="Pareto front",
            )
        ax.axhline(
            tr[0].gate_min,
            color="red",
            linestyle="--",
            linewidth=1,
            label=f"quality gate {tr[0].quality_metric} ≥ {tr[0].gate_min:g}",
        )
        ax.set_xscale("log")
        ax.set_title(f"{task} ({tr[0].cohort})", fontsize=9)
        ax.set_xlabel("Wh per 1,000 inferences (mean, 95 % CI)")
        ax.set_ylabel(tr[0].quality_metric)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    for ax in list(axes.flat)[len(tasks) :]:
        ax.set_visible(False)
    fig.suptitle("empreinte frugal benchmark: quality against energy (colour = energy class)")
    fig.tight_layout()
    return fig


def write_charts(rows: list[Row], out_dir: Path) -> tuple[Path, Path]:
    """``pareto.png`` and ``leaderboard.html`` (table and inline SVG chart) in ``out_dir``."""
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    fig = _figure(rows)
    png = out_dir / "pareto.png"
    fig.savefig(png, dpi=120)
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.find("<svg") :]
    page = out_dir / "leaderboard.html"
    page.write_text(_html(rows, svg), encoding="utf-8")
    return png, page


def _fmt(x: float | None, spec: str = ".3g") -> str:
    return "–" if x is None else format(x, spec)


def _html(rows: list[Row], svg: str) -> str:
    head = (
        "<tr><th>task</th><th>rank</th><th>model</th><th>class</th><th>Wh / 1,000 inf.</th>"
        "<th>95 % CI</th><th>quality</th><th>gate</th><th>front</th><th>training Wh</th></tr>"
    )
    body = "".join(
        f"<tr><td>{html.escape(r.task)}</td><td>{r.rank or '–'}</td>"
        f"<td>{html.escape(r.model)}</td><td class='c{r.energy_class}'>{r.energy_class or '?'}"
        f"</td><td>{r.energy_wh_per_1000:.3g}</td><td>{_fmt(r.ci_low)}–{_fmt(r.ci_high)}</td>"
        f"<td>{r.quality_metric} {r.quality:.3f}</td><td>{'pass' if r.passed_gate else 'fail'}"
        f"</td><td>{'yes' if r.on_front else ''}</td><td>{_fmt(r.training_wh)}</td></tr>"
        for r in rows
    )
    style = "".join(f".c{k}{{background:{v}}}" for k, v in _CLASS_COLOURS.items() if k)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>empreinte frugal benchmark leaderboard</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}"
        + style
        + "</style></head><body><h1>Frugal benchmark leaderboard</h1>"
        f"<p>Generated {datetime.now(UTC).date().isoformat()}. Energy is gross machine energy "
        "per 1,000 inferences over the repeat windows (mean and Student-t 95 % interval); "
        "ranked only when the quality gate passes.</p>"
        f"<table>{head}{body}</table><figure>{svg}</figure></body></html>"
    )
