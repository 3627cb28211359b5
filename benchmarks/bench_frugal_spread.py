"""Real spread of the frugal benchmark's energy per 1,000 inferences across repeats and runs.

For a few (task, model) pairs, run the benchmark ``--runs`` times (each with ``--repeats``
repeats) on this machine's meters and record: each run's mean and 95 % t-interval, the
coefficient of variation across repeats, the spread of run means, and how many later runs'
means fall inside the first run's interval (what "repeating a run gives a value within the
reported interval" means in practice). Prints a Markdown table; ``--out`` writes JSON.

    python benchmarks/bench_frugal_spread.py --runs 5 --out spread.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from empreinte.bench.harness import RunConfig, run_benchmark

PAIRS = [("wine", "logreg"), ("digits", "knn"), ("text-topics", "tfidf-logreg")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--min-window", type=float, default=1.0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    cfg = RunConfig(repeats=args.repeats, min_window_s=args.min_window)
    rows = []
    t0 = time.monotonic()
    for task, model in PAIRS:
        runs = [run_benchmark(task, model, cfg) for _ in range(args.runs)]
        first = runs[0].energy_wh_per_1000
        means = [r.energy_wh_per_1000.mean for r in runs]
        cvs = [
            r.energy_wh_per_1000.std / r.energy_wh_per_1000.mean
            for r in runs
            if r.energy_wh_per_1000.std is not None
        ]
        assert first.ci_low is not None and first.ci_high is not None
        inside = sum(first.ci_low <= m <= first.ci_high for m in means[1:])
        rows.append(
            {
                "task": task,
                "model": model,
                "method": runs[0].method,
                "runs": [r.energy_wh_per_1000.as_dict() for r in runs],
                "run_means_wh_per_1000": means,
                "between_runs_cv": statistics.stdev(means) / statistics.fmean(means),
                "median_within_run_cv": statistics.median(cvs),
                "later_runs_inside_first_ci": f"{inside}/{len(means) - 1}",
                "idle_power_w": [r.idle_power_w[0] if r.idle_power_w else None for r in runs],
            }
        )
    print(
        f"| task | model | run means (Wh/1000 inf.) | within-run CV | between-run CV | "
        f"later runs inside run 1's CI | ({args.runs} runs x {args.repeats} repeats, "
        f"{time.monotonic() - t0:.0f} s)"
    )
    print("|---|---|---|---|---|---|")
    for r in rows:
        means_s = ", ".join(f"{m:.3g}" for m in r["run_means_wh_per_1000"])  # type: ignore[attr-defined]
        print(
            f"| {r['task']} | {r['model']} | {means_s} | {r['median_within_run_cv']:.1%} | "
            f"{r['between_runs_cv']:.1%} | {r['later_runs_inside_first_ci']} |"
        )
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"config": vars(args), "pairs": rows}, f, indent=2)


if __name__ == "__main__":
    main()
