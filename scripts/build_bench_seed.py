"""Package a frugal-benchmark reference run as seed reports for the observatory.

Reads the result files written by ``empreinte bench run --results-dir DIR`` and writes
``src/empreinte/observatory/seed/data/bench_reference.jsonl``: the inference and training
reports of each run, unchanged except for a stable ``report_id``
(``seed-empreinte-bench-<task>-<model>[-training]``), the publisher and the citation of the run.
Then run ``python scripts/build_seed.py`` to refresh the manifest.

These are measurements (not published figures): the method recorded by the meters is kept
(``software_model`` on a machine without energy counters), so they enter as tier M3.

Run: ``python scripts/build_bench_seed.py RESULTS_DIR --machine "..." --date 2026-11-22``
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "empreinte" / "observatory" / "seed" / "data" / "bench_reference.jsonl"


def unclassed(rep: dict[str, Any], gate: dict[str, Any] | None) -> dict[str, Any]:
    """The report with no energy class in its name when the run failed the quality gate (an
    entry below the gate is not rated: ``TaskRating.rate``; runs made before that rule named
    one)."""
    if gate is None or gate.get("passed", True):
        return rep
    q = (rep.get("quality_metrics") or {}).get(gate["metric"])
    below = f", below the quality gate ({gate['metric']} {q:.3g} < {gate['min']:g}): no class"
    return {**rep, "name": re.sub(r", class [A-G]$", below, rep.get("name", ""))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("results", type=Path)
    ap.add_argument("--machine", required=True)
    ap.add_argument("--date", required=True)
    a = ap.parse_args()
    lines = []
    for path in sorted(a.results.glob("*.json")):
        res = json.loads(path.read_text("utf-8"))
        task, model = res["task"], res["model"]
        citation = (
            f"empreinte frugal benchmark reference run (ratings v{res['ratings_version']}, task "
            f"{task} v{res['task_version']}, split {res['split_digest']}), {a.date}, {a.machine}; "
            f"{res['repeats']} repeats; command: empreinte bench run --task {task} --model {model}"
            "; results and machine in docs/benchmarks.md (frugal benchmark section)"
        )
        for key, suffix in (("report", ""), ("training_report", "-training")):
            rep = res.get(key)
            if not rep:
                continue
            rep = unclassed(dict(rep), res.get("gate") if key == "report" else None)
            rep["report_id"] = f"seed-empreinte-bench-{task}-{model}{suffix}"
            rep["publisher"] = {"name": "empreinte project", "organization": "empreinte"}
            rep["provenance"] = {**rep["provenance"], "citation": citation}
            rep.pop("verification", None)
            rep["tags"] = ["seed", "empreinte-bench-reference", *rep.get("tags", [])]
            lines.append(json.dumps(rep, sort_keys=True, separators=(",", ":")))
    OUT.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"wrote {len(lines)} reports to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
